// The encrypted versioned store and the data directory that holds it: first-open creation, versions, immutability,
// encryption at rest (the database file's bytes), and a missing or wrong key refusing to go on without touching data.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { openDataDir } from '../../src/data-dir.ts';
import { APPLICATION_SCOPE, ConfigStoreError } from '../../src/config/store.ts';
import { SecretKeyError } from '../../src/config/secret-key.ts';
import { loadEffectiveConfig } from '../../src/config/effective.ts';
import { parse } from '../../src/lib/toml.ts';

let tmp: string;
let dataDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-store-'));
  dataDir = path.join(tmp, 'data');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every byte of the database and its WAL, as the disk holds them. */
function databaseBytes(): Buffer {
  return Buffer.concat(['app.db', 'app.db-wal'].map((f) => path.join(dataDir, f)).filter(fs.existsSync).map((f) => fs.readFileSync(f)));
}

describe('first open of a data directory', () => {
  test('creates the folder (0700), app.db, secret.key (0600) and version 1 with a generated secret', () => {
    const dir = openDataDir(dataDir);
    try {
      assert.equal(dir.created, true);
      assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
      const keyFile = path.join(dataDir, 'secret.key');
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64').length, 32);
      const v1 = dir.store.latest(APPLICATION_SCOPE)!;
      assert.equal(v1.version, 1);
      assert.equal(v1.format, 'toml');
      const doc = parse(v1.content) as { auth: { secret: string } };
      assert.match(doc.auth.secret, /^[A-Za-z0-9_-]{43}$/);
      assert.match(v1.content, /^# port = 8080$/m, 'defaults are listed, commented out');
      const { config, origin } = loadEffectiveConfig(dir.store, { env: {} });
      assert.equal(config.auth.secret, doc.auth.secret);
      assert.equal(origin.get('auth.secret'), 'stored');
      assert.equal(origin.get('server.port'), 'default');
      assert.deepEqual(dir.events.map((e) => e.message).filter((m) => m.startsWith('Created')), ['Created the data directory', 'Created the secret key']);
    } finally {
      dir.close();
    }
  });

  test('a second open keeps everything: same key, same version, nothing created', () => {
    const first = openDataDir(dataDir);
    const v1 = first.store.latest(APPLICATION_SCOPE)!.content;
    first.close();
    const key = fs.readFileSync(path.join(dataDir, 'secret.key'));
    const again = openDataDir(dataDir);
    try {
      assert.equal(again.created, false);
      assert.deepEqual(again.events, []);
      assert.deepEqual(fs.readFileSync(path.join(dataDir, 'secret.key')), key);
      assert.equal(again.store.versions(APPLICATION_SCOPE).length, 1);
      assert.equal(again.store.latest(APPLICATION_SCOPE)!.content, v1);
    } finally {
      again.close();
    }
  });

  test('two data directories get different secrets', () => {
    const a = openDataDir(path.join(tmp, 'a'));
    const b = openDataDir(path.join(tmp, 'b'));
    try {
      assert.notEqual(loadEffectiveConfig(a.store, { env: {} }).config.auth.secret, loadEffectiveConfig(b.store, { env: {} }).config.auth.secret);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('versions', () => {
  test('each save is the next version of its scope; scopes and listings', () => {
    const dir = openDataDir(dataDir);
    try {
      assert.equal(dir.store.save(APPLICATION_SCOPE, '[server]\nport = 9000\n', { description: 'port' }), 2);
      assert.equal(dir.store.save('litestream', 'dbs: []\n', { format: 'yaml' }), 1);
      assert.equal(dir.store.save('litestream', 'dbs: [x]\n', { format: 'yaml' }), 2);
      assert.deepEqual(dir.store.scopes(), [{ scope: 'application', versions: 2 }, { scope: 'litestream', versions: 2 }]);
      assert.deepEqual(dir.store.versions('litestream').map((v) => [v.version, v.format]), [[2, 'yaml'], [1, 'yaml']]);
      assert.equal(dir.store.get('litestream', 1)!.content, 'dbs: []\n');
      assert.equal(dir.store.get('litestream', 3), undefined);
      assert.equal(dir.store.latest('nothing'), undefined);
      assert.match(dir.store.versions(APPLICATION_SCOPE)[0].createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.throws(() => dir.store.save('Bad Scope', 'x'), ConfigStoreError);
    } finally {
      dir.close();
    }
  });

  test('rows are immutable: UPDATE and DELETE are refused by the database', () => {
    openDataDir(dataDir).close();
    const db = new DatabaseSync(path.join(dataDir, 'app.db'));
    try {
      assert.throws(() => db.exec("UPDATE app_config SET description = 'x'"), /immutable/);
      assert.throws(() => db.exec('DELETE FROM app_config'), /cannot be deleted/);
    } finally {
      db.close();
    }
  });
});

describe('encryption at rest', () => {
  test('no plaintext of a stored secret is in the database file', () => {
    const password = 'smtp-Pa55word-' + randomBytes(8).toString('hex');
    const dir = openDataDir(dataDir);
    const secret = loadEffectiveConfig(dir.store, { env: {} }).config.auth.secret;
    dir.store.save(APPLICATION_SCOPE, `[mail]\nhost = "smtp.example.com"\npassword = "${password}"\n`);
    assert.equal(loadEffectiveConfig(dir.store, { env: {} }).config.mail.password, password);
    dir.close();
    const bytes = databaseBytes();
    for (const needle of [password, secret, 'smtp.example.com', '[mail]']) {
      assert.equal(bytes.indexOf(needle), -1, `${needle} found in app.db`);
      assert.equal(bytes.indexOf(Buffer.from(needle, 'utf16le')), -1);
    }
  });

  test('a ciphertext moved to another scope or version does not decrypt', () => {
    const dir = openDataDir(dataDir);
    dir.store.save('other', 'a = 1\n');
    dir.close();
    const db = new DatabaseSync(path.join(dataDir, 'app.db'));
    db.exec('DROP TRIGGER app_config_immutable');
    db.exec("UPDATE app_config SET content = (SELECT content FROM app_config WHERE scope = 'application') WHERE scope = 'other'");
    db.close();
    const again = openDataDir(dataDir);
    try {
      assert.throws(() => again.store.latest('other'), ConfigStoreError);
    } finally {
      again.close();
    }
  });
});

describe('missing or wrong key', () => {
  test('a missing key with a stored configuration is an error naming the file; no new key is made', () => {
    openDataDir(dataDir).close();
    const keyFile = path.join(dataDir, 'secret.key');
    fs.renameSync(keyFile, path.join(tmp, 'saved.key'));
    const before = databaseBytes();
    assert.throws(() => openDataDir(dataDir), (e: unknown) => e instanceof SecretKeyError && e.message.includes(keyFile) && /Restore/.test(e.message));
    assert.equal(fs.existsSync(keyFile), false, 'no key was generated over the existing store');
    assert.deepEqual(databaseBytes(), before, 'the database is untouched');
    fs.renameSync(path.join(tmp, 'saved.key'), keyFile);
    openDataDir(dataDir).close();
  });

  test('a wrong key is an error saying which file; the store is not changed', () => {
    openDataDir(dataDir).close();
    const keyFile = path.join(dataDir, 'secret.key');
    const original = fs.readFileSync(keyFile);
    fs.writeFileSync(keyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    assert.throws(() => openDataDir(dataDir), (e: unknown) => e instanceof ConfigStoreError && e.message.includes(keyFile) && /not the key/.test(e.message));
    fs.writeFileSync(keyFile, original);
    const dir = openDataDir(dataDir);
    try {
      assert.equal(dir.store.versions(APPLICATION_SCOPE).length, 1, 'no version was added by the failed open');
    } finally {
      dir.close();
    }
  });

  test('a malformed key file is refused', () => {
    openDataDir(dataDir).close();
    fs.writeFileSync(path.join(dataDir, 'secret.key'), 'not a key\n');
    assert.throws(() => openDataDir(dataDir), (e: unknown) => e instanceof SecretKeyError && /32 bytes in base64/.test(e.message));
  });

  test('a key readable by others is a warning; MONOLITE_SECRET_KEY_FILE moves the key', () => {
    const keyFile = path.join(tmp, 'elsewhere.key');
    const env = { MONOLITE_SECRET_KEY_FILE: keyFile };
    openDataDir(dataDir, { env }).close();
    assert.ok(fs.existsSync(keyFile));
    assert.equal(fs.existsSync(path.join(dataDir, 'secret.key')), false);
    fs.chmodSync(keyFile, 0o644);
    const dir = openDataDir(dataDir, { env });
    try {
      assert.ok(dir.events.some((e) => e.level === 'warn' && /readable by other users/.test(e.message)));
    } finally {
      dir.close();
    }
  });
});
