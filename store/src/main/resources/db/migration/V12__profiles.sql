-- Browser profiles (SPEC 12): a saved login, versioned. A version's state (cookies, storage) is
-- sealed with AES-GCM (Sealer) like a checkpoint and can never be read back through the API.
-- Versions are immutable rows: a run reads the one it started from while others save new ones.
CREATE TABLE profiles (
  id              VARCHAR(36)  PRIMARY KEY,
  organization_id VARCHAR(36)  NOT NULL,
  name            VARCHAR(100) NOT NULL,
  version         INT          NOT NULL,
  bytes           BIGINT       NOT NULL,
  created_at      BIGINT       NOT NULL,
  updated_at      BIGINT       NOT NULL,
  CONSTRAINT profiles_name UNIQUE (organization_id, name)
);

CREATE TABLE profile_versions (
  profile_id      VARCHAR(36) NOT NULL,
  version         INT         NOT NULL,
  organization_id VARCHAR(36) NOT NULL,
  sealed          BYTEA       NOT NULL,
  bytes           BIGINT      NOT NULL,
  source          VARCHAR(16) NOT NULL,
  based_on        INT,
  run_id          VARCHAR(36),
  created_at      BIGINT      NOT NULL,
  PRIMARY KEY (profile_id, version)
);
