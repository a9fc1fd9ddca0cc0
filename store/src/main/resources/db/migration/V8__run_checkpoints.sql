-- A run's browser state after each completed step (cookies, storage, the page's URL), sealed with
-- AES-GCM (Sealer): what a lost session is restored from. The workflow holds only the step and
-- the digest. The organization is the run's, so a checkpoint is never another's; rows go with the
-- run's files (the retention sweep).
CREATE TABLE run_checkpoints (
  run_id          VARCHAR(36) NOT NULL,
  step            INT         NOT NULL,
  organization_id VARCHAR(36) NOT NULL,
  sealed          BYTEA       NOT NULL,
  digest          VARCHAR(64) NOT NULL,
  created_at      BIGINT      NOT NULL,
  PRIMARY KEY (run_id, step)
);
