-- The files upload steps put in pages (SPEC 11), sealed with AES-GCM (Sealer): a task's own files,
-- and each run's copy of them with its file inputs. The definition, the run and the workflow carry
-- only {name, bytes, sha256}, never the bytes. The owner is a task or a run; a run's rows go with
-- its files (the retention sweep), a task's with the task.
CREATE TABLE upload_files (
  owner_id        VARCHAR(36) NOT NULL,
  sha256          VARCHAR(64) NOT NULL,
  organization_id VARCHAR(36) NOT NULL,
  sealed          BYTEA       NOT NULL,
  bytes           BIGINT      NOT NULL,
  created_at      BIGINT      NOT NULL,
  PRIMARY KEY (owner_id, sha256)
);
