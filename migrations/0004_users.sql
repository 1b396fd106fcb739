-- Accounts (src/auth/): one row per user. Times are UTC ISO 8601 text with milliseconds, like every framework
-- timestamp.
--
-- email is stored lower-cased and unique. password is a self-describing scrypt string (src/auth/password.ts), empty
-- for an account that only signs in with OAuth2. scopes is a space-separated list of permissions (the REST and API
-- layers check them). token_key is random; rotating it (logout-all, `monolite users revoke`) revokes every session
-- of the user, since session keys derive from email, password and token_key.
CREATE TABLE users (
  id         INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a deleted user's old tokens can never name someone else
  email      TEXT    NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
  name       TEXT    NOT NULL DEFAULT '',
  avatar     TEXT    NOT NULL DEFAULT '',
  password   TEXT    NOT NULL DEFAULT '',
  verified   INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
  scopes     TEXT    NOT NULL DEFAULT '',
  token_key  TEXT    NOT NULL,
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
);

-- OAuth2 logins: the provider's own id for the person (subject) names the account, whatever email it shows later.
CREATE TABLE user_identities (
  provider   TEXT    NOT NULL,
  subject    TEXT    NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email      TEXT    NOT NULL DEFAULT '',
  created_at TEXT    NOT NULL,
  PRIMARY KEY (provider, subject)
) WITHOUT ROWID;
CREATE INDEX user_identities_user ON user_identities (user_id);
