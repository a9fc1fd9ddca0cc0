-- Until when someone watches a running run's page: the worker holding its session keeps a fresh
-- live screenshot in the run's artifacts while this lies in the future.
ALTER TABLE runs ADD COLUMN live_view_until BIGINT;
