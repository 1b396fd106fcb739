-- Configuration documents, one immutable row per saved version. `scope` is `application` for the framework's own
-- settings, any other name for an app's modules. `content` is AES-256-GCM ciphertext (src/config/store.ts explains
-- the layout); `version` counts 1, 2, 3… within a scope and is bound into the ciphertext's authenticated data, so a
-- row copied to another scope or version does not decrypt.
CREATE TABLE app_config (
  id          INTEGER PRIMARY KEY,
  scope       TEXT    NOT NULL CHECK (scope <> ''),
  version     INTEGER NOT NULL CHECK (version >= 1),
  content     BLOB    NOT NULL,
  format      TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  created_at  TEXT    NOT NULL,
  UNIQUE (scope, version)
);

-- Versions are history: a change is a new row, never an edit.
CREATE TRIGGER app_config_immutable BEFORE UPDATE ON app_config
BEGIN
  SELECT RAISE(ABORT, 'app_config rows are immutable; save a new version instead');
END;

CREATE TRIGGER app_config_keep_history BEFORE DELETE ON app_config
BEGIN
  SELECT RAISE(ABORT, 'app_config rows are history and cannot be deleted');
END;
