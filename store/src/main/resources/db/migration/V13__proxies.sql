-- Upstream proxies a run's browser traffic goes through after the egress policy (SPEC 12). The
-- password is sealed with AES-GCM (Sealer) and never answered back; the worker opens it when a run
-- that names the proxy opens its browser.
CREATE TABLE proxies (
  id              VARCHAR(36)  PRIMARY KEY,
  organization_id VARCHAR(36)  NOT NULL,
  name            VARCHAR(100) NOT NULL,
  server          VARCHAR(300) NOT NULL,
  username        VARCHAR(300),
  password_sealed BYTEA,
  created_at      BIGINT       NOT NULL,
  CONSTRAINT proxies_name UNIQUE (organization_id, name)
);
