-- A retry is a run of its own: the run it retries and the step it started at (extension fields of
-- the run resource).
ALTER TABLE runs ADD COLUMN retry_of VARCHAR(36);
ALTER TABLE runs ADD COLUMN started_at_step INT;
