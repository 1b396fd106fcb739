// ETags of the automatic REST API: strong, representation-specific, never stale. Each table has a version (a random
// token kept in a CachePlugin, replaced by every committed write through the API); the database has an epoch,
// replaced whenever another process or connection commits (the plugin's externalVersion, PRAGMA data_version for
// SQLite). A GET's ETag hashes the versions it reads with what shapes the response (query string, format, range…).
import { hash, randomBytes } from 'node:crypto';
import { remember, type CachePlugin } from '../lib/cache.ts';

const WHOLE = '*';

// Versions only need to be new: a random prefix per process (so a restarted server never repeats what a client holds
// from before) and a counter. randomBytes per write cost more than the rest of a 1-row POST's JavaScript.
const TOKEN_PREFIX = randomBytes(6).toString('base64url');
let tokenCounter = 0;

function token(): string {
  // `~` is in no base64url or base36 text: a tag (a table's token then the epoch's) reads back one way only.
  return `${TOKEN_PREFIX}${(++tokenCounter).toString(36)}~`;
}

export class TableVersions {
  readonly #cache: CachePlugin;
  readonly #prefix: string;
  readonly #external: (() => number) | undefined;
  #lastExternal: number;
  #epoch = token();

  constructor(database: string, cache: CachePlugin, externalVersion?: () => number) {
    this.#cache = cache;
    this.#prefix = `rest:${database}:`;
    this.#external = externalVersion;
    this.#lastExternal = externalVersion === undefined ? 0 : externalVersion();
  }

  /** Notices commits made outside the API (call once per request, before tags are read). */
  sync(): void {
    if (this.#external === undefined) return;
    const v = this.#external();
    if (v !== this.#lastExternal) {
      this.#lastExternal = v;
      this.#epoch = token();
    }
  }

  /** The version tag of `table`, or of the whole database (views read any table) when null. */
  tag(table: string | null): string {
    const key = this.#prefix + (table ?? WHOLE);
    let v = this.#cache.get(key);
    // A version the cache lost becomes a fresh random one, never an old value again: a stale 304 is impossible.
    if (v === undefined) this.#cache.set(key, (v = token()));
    return v + this.#epoch;
  }

  /** After a committed write to `tables` ('all': every table, e.g. a function that may write anywhere). */
  bump(tables: readonly string[] | 'all'): void {
    if (tables === 'all') this.#epoch = token();
    else for (const t of tables) this.#cache.set(this.#prefix + t, token());
    this.#cache.set(this.#prefix + WHOLE, token());
  }
}

// Hashes of representations seen lately: a read-mostly API answers the same queries again and again (and every
// write answers the same "write" representation), and the hash was the largest part of an ETag's cost. The version
// part is not in the key, so a new table version reuses them. Emptied when full.
const recentHashes = new Map<string, string>();
const RECENT_HASHES = 4096;

/** `"<version tag>.<hash of the representation>"` (base64url has no dot). */
export function etagFor(versionTag: string, representation: string): string {
  const digest = remember(recentHashes, representation, RECENT_HASHES, () => hash('sha1', representation, 'base64url').slice(0, 16));
  return `"${versionTag}.${digest}"`;
}

/**
 * True when an `If-Match` header holds a tag issued for the current version of what a write changes (any
 * representation of it) or `*`; strong comparison of the version part (RFC 9110 §13.1.1).
 */
export function matchesVersion(header: string, versionTag: string): boolean {
  if (header.trim() === '*') return true;
  for (const part of header.split(',')) {
    const t = part.trim();
    if (t.startsWith('"') && t.endsWith('"') && t.slice(1, -1).split('.')[0] === versionTag) return true;
  }
  return false;
}
