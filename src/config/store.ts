// The encrypted, versioned configuration store: table `app_config`, one immutable row per saved version of a scope's
// document. Content is sealed with AES-256-GCM under the data directory's secret key (src/config/secret-key.ts); the
// authenticated data binds each ciphertext to its scope, version and format, so rows cannot be moved or swapped.
// Plaintext never touches the database file.
import type { KeyObject } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openAesGcm, sealAesGcm } from '../lib/aes-gcm.ts';
import { writeTransaction } from '../db/transaction.ts';

/** The framework's own scope; apps use any other name for their modules' documents. */
export const APPLICATION_SCOPE = 'application';

/** One saved version, without its content. */
export interface ConfigVersionInfo {
  scope: string;
  version: number;
  format: string;
  description: string;
  createdAt: string;
}

/** One saved version with its decrypted content. */
export interface ConfigVersion extends ConfigVersionInfo {
  content: string;
}

/** A version that cannot be decrypted or does not exist; the message says which and, for a key problem, what to do. */
export class ConfigStoreError extends Error {
  override name = 'ConfigStoreError';
}

interface Row {
  scope: string;
  version: number;
  format: string;
  description: string;
  created_at: string;
  content?: Uint8Array;
}

const SCOPE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const INFO = 'scope, version, format, description, created_at';

export class ConfigStore {
  readonly #db: DatabaseSync;
  readonly #key: KeyObject;
  /** Where the key came from, for error messages. */
  readonly #keyFile: string;
  readonly #latest: StatementSync;
  readonly #one: StatementSync;
  readonly #list: StatementSync;
  readonly #scopes: StatementSync;
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync, key: KeyObject, keyFile: string) {
    this.#db = db;
    this.#key = key;
    this.#keyFile = keyFile;
    this.#latest = db.prepare(`SELECT ${INFO}, content FROM app_config WHERE scope = ? ORDER BY version DESC LIMIT 1`);
    this.#one = db.prepare(`SELECT ${INFO}, content FROM app_config WHERE scope = ? AND version = ?`);
    this.#list = db.prepare(`SELECT ${INFO} FROM app_config WHERE scope = ? ORDER BY version DESC`);
    this.#scopes = db.prepare('SELECT scope, max(version) AS versions FROM app_config GROUP BY scope ORDER BY scope');
    this.#insert = db.prepare(
      'INSERT INTO app_config (scope, version, content, format, description, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  /** The newest version of `scope`, decrypted; undefined when the scope has none. */
  latest(scope: string): ConfigVersion | undefined {
    const row = this.#latest.get(scope) as Row | undefined;
    return row && this.#decrypt(row);
  }

  /** Version `version` of `scope`, decrypted; undefined when there is no such version. */
  get(scope: string, version: number): ConfigVersion | undefined {
    const row = this.#one.get(scope, version) as Row | undefined;
    return row && this.#decrypt(row);
  }

  /** Every version of `scope`, newest first, without content. */
  versions(scope: string): ConfigVersionInfo[] {
    return (this.#list.all(scope) as unknown as Row[]).map(info);
  }

  /** The scopes that have at least one version, with their newest version number. */
  scopes(): { scope: string; versions: number }[] {
    return (this.#scopes.all() as unknown as { scope: string; versions: number }[]).map((r) => ({ scope: r.scope, versions: r.versions }));
  }

  /** Encrypts and saves `content` as the next version of `scope`; returns its number. */
  save(scope: string, content: string, options: { format?: string; description?: string } = {}): number {
    if (!SCOPE_NAME.test(scope)) {
      throw new ConfigStoreError(`Invalid scope name ${JSON.stringify(scope)}: expected lowercase letters, digits, "_", "-" or "." (at most 64)`);
    }
    const format = options.format ?? 'toml';
    const description = options.description ?? '';
    // IMMEDIATE takes the write lock before reading max(version), so two savers cannot pick the same number.
    return writeTransaction(this.#db, () => {
      const latest = this.#list.get(scope) as Row | undefined;
      const version = (latest?.version ?? 0) + 1;
      const sealed = sealAesGcm(this.#key, Buffer.from(content, 'utf8'), aad(scope, version, format));
      this.#insert.run(scope, version, sealed, format, description, new Date().toISOString());
      return version;
    });
  }

  #decrypt(row: Row): ConfigVersion {
    let plain: Buffer;
    try {
      plain = openAesGcm(this.#key, row.content!, aad(row.scope, row.version, row.format));
    } catch (cause) {
      throw new ConfigStoreError(
        `Cannot decrypt version ${row.version} of the "${row.scope}" configuration with the key in ${this.#keyFile}: ` +
          'it is not the key this store was written with (or the row was altered). Restore the original secret.key ' +
          'from a backup of this data directory; nothing was changed.',
        { cause },
      );
    }
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(plain);
    } catch (cause) {
      throw new ConfigStoreError(`Version ${row.version} of the "${row.scope}" configuration is not valid UTF-8`, { cause });
    }
    return { ...info(row), content };
  }
}

function info(row: Row): ConfigVersionInfo {
  return { scope: row.scope, version: row.version, format: row.format, description: row.description, createdAt: row.created_at };
}

/** Authenticated data of one version: moving a ciphertext to another scope, version or format breaks its tag. */
function aad(scope: string, version: number, format: string): Buffer {
  return Buffer.from(`monolite app_config\0${scope}\0${version}\0${format}`, 'utf8');
}
