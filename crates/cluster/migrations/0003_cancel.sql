-- A job can be cancelled: the reason is kept, and its unfinished tasks are given up.
ALTER TABLE origami_jobs ADD COLUMN cancelled text;
