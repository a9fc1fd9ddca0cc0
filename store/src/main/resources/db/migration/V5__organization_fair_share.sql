-- Per-organization overrides of the fair-share caps (NULL: the server's configured default).
ALTER TABLE organizations ADD COLUMN max_active_runs INTEGER;
ALTER TABLE organizations ADD COLUMN requests_per_second INTEGER;
ALTER TABLE organizations ADD COLUMN max_waiting_requests INTEGER;
