-- Jobs name the verifier key they are proven for by its identity (a digest of everything a
-- verifier uses), not by the folding parameters' digest alone. Jobs submitted before this stay
-- as records; no key of a build with identities matches them, so no worker claims their tasks.

ALTER TABLE origami_jobs RENAME COLUMN params_digest TO verifier_key;
