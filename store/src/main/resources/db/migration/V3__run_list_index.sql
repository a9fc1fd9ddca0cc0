-- A task's newest runs come straight off this index (RunDao.latestOfTask orders by all three
-- columns so that H2 uses it); before, every run of the task was sorted (336 ms p50 at 10,000 runs).
CREATE INDEX runs_by_task_newest ON runs (task_id, created_at DESC, seq DESC);
DROP INDEX runs_by_task;
