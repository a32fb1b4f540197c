-- A job covers its input stream: its length and digest are part of what the id hashes. Jobs
-- made before this read no input (their digest is left NULL and read as that of no input).
ALTER TABLE origami_jobs ADD COLUMN input_len bigint NOT NULL DEFAULT 0;
ALTER TABLE origami_jobs ADD COLUMN input_digest bytea;
