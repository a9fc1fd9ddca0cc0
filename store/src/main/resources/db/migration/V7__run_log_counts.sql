-- A run's log counters live apart from its row. Every log write updated them, and an update
-- rewrites the whole row (with the run's inputs and workflow input) in the database's pages: a
-- dozen times per run for two integers. The row now changes only when the run's state does.
CREATE TABLE run_log_counts (
  run_id      VARCHAR(36) PRIMARY KEY,
  log_count   INTEGER     NOT NULL DEFAULT 0,
  log_dropped INTEGER     NOT NULL DEFAULT 0
);
INSERT INTO run_log_counts (run_id, log_count, log_dropped) SELECT id, log_count, log_dropped FROM runs;
ALTER TABLE runs DROP COLUMN log_count;
ALTER TABLE runs DROP COLUMN log_dropped;
