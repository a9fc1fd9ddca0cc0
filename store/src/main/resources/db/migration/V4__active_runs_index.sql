-- Counting an organization's runs not yet ended (the per-organization cap on active runs).
CREATE INDEX runs_active_by_organization ON runs (organization_id, status);
