// The users table: lookups (by id through a short cache, so an authenticated request costs no database read in the
// common case), creation, updates, token-key rotation, deletion, and the OAuth2 identities that point at a user.
// Every change here drops the cached row at once; a change made by another process (the CLI) is seen when the
// cache entry expires (`cacheMs`, default 5 s).
import { randomBytes } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { writeTransaction } from '../db/transaction.ts';

export interface User {
  id: number;
  email: string;
  name: string;
  avatar: string;
  /** scrypt string; empty for an OAuth2-only account. */
  passwordHash: string;
  verified: boolean;
  scopes: string[];
  /** Part of every session key: rotating it revokes the user's sessions. */
  tokenKey: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  email: string;
  passwordHash?: string;
  name?: string;
  avatar?: string;
  verified?: boolean;
  scopes?: string[];
}

export type UserChanges = Partial<Pick<User, 'email' | 'name' | 'avatar' | 'passwordHash' | 'verified' | 'scopes'>>;

/** A change the table refuses: the email belongs to another account. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
  readonly code = 'email_conflict';
}

interface Row {
  id: number;
  email: string;
  name: string;
  avatar: string;
  password: string;
  verified: number;
  scopes: string;
  token_key: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, email, name, avatar, password, verified, scopes, token_key, created_at, updated_at';
const SEARCH = "(email LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')";
const MAX_CACHED = 10_000;

/** A scope: letters, digits and `_ - . : /`; scopes are stored space-separated. */
export const SCOPE = /^[A-Za-z0-9_.:\/-]{1,64}$/;

export class UserStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #cacheMs: number;
  readonly #cache = new Map<number, { user: User; until: number }>();
  readonly #byId: StatementSync;
  readonly #byEmail: StatementSync;

  constructor(db: DatabaseSync, options: { now?: () => number; cacheMs?: number } = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    this.#cacheMs = options.cacheMs ?? 5_000;
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.#byEmail = db.prepare(`SELECT ${COLUMNS} FROM users WHERE email = ?`);
  }

  /** The user with this id, from the cache when fresh. */
  get(id: number): User | undefined {
    const now = this.#now();
    const hit = this.#cache.get(id);
    if (hit !== undefined && hit.until > now) return hit.user;
    const row = this.#byId.get(id) as Row | undefined;
    if (row === undefined) {
      this.#cache.delete(id);
      return undefined;
    }
    const user = toUser(row);
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(id, { user, until: now + this.#cacheMs });
    return user;
  }

  /** The user with this email (compared lower-cased); never cached, as the flows that ask need the truth. */
  findByEmail(email: string): User | undefined {
    const row = this.#byEmail.get(email.toLowerCase()) as Row | undefined;
    return row === undefined ? undefined : toUser(row);
  }

  /** Creates a user; throws EmailTakenError when the email is taken. */
  create(fields: NewUser): User {
    const now = new Date(this.#now()).toISOString();
    try {
      // all(), not get(): get() stops at the RETURNING row, and node:sqlite drops the error of the autocommit COMMIT
      // that follows (SQLITE_FULL on a full disk) — the row would be answered as stored, then rolled back.
      const [row] = this.#db.prepare(`INSERT INTO users (email, name, avatar, password, verified, scopes, token_key, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`).all(
        fields.email.toLowerCase(), fields.name ?? '', fields.avatar ?? '', fields.passwordHash ?? '', fields.verified ? 1 : 0,
        joinScopes(fields.scopes ?? []), newTokenKey(), now, now,
      ) as unknown as Row[];
      return toUser(row);
    } catch (err) {
      throw emailTaken(err) ?? err;
    }
  }

  /** Changes fields of user `id`; returns the new row, or undefined when there is no such user. */
  update(id: number, changes: UserChanges): User | undefined {
    const sets: string[] = [];
    const values: (string | number)[] = [];
    if (changes.email !== undefined) { sets.push('email = ?'); values.push(changes.email.toLowerCase()); }
    if (changes.name !== undefined) { sets.push('name = ?'); values.push(changes.name); }
    if (changes.avatar !== undefined) { sets.push('avatar = ?'); values.push(changes.avatar); }
    if (changes.passwordHash !== undefined) { sets.push('password = ?'); values.push(changes.passwordHash); }
    if (changes.verified !== undefined) { sets.push('verified = ?'); values.push(changes.verified ? 1 : 0); }
    if (changes.scopes !== undefined) { sets.push('scopes = ?'); values.push(joinScopes(changes.scopes)); }
    return this.#updateRow(id, sets, values);
  }

  /** A new token key: every session token of the user stops verifying. */
  rotateTokenKey(id: number): User | undefined {
    return this.#updateRow(id, ['token_key = ?'], [newTokenKey()]);
  }

  /** Deletes the user and their identities; false when there was none. */
  delete(id: number): boolean {
    this.#cache.delete(id);
    return Number(this.#db.prepare('DELETE FROM users WHERE id = ?').run(id).changes) > 0;
  }

  /** Users by id, optionally those whose email or name contains `search`. */
  list(options: { search?: string; limit?: number; offset?: number } = {}): User[] {
    const like = likePattern(options.search);
    const rows = this.#db.prepare(`SELECT ${COLUMNS} FROM users WHERE ${SEARCH} ORDER BY id LIMIT ? OFFSET ?`)
      .all(like, like, options.limit ?? 100, options.offset ?? 0) as unknown as Row[];
    return rows.map(toUser);
  }

  /** How many users list() finds for `search` (paging aside). */
  count(options: { search?: string } = {}): number {
    const like = likePattern(options.search);
    return Number((this.#db.prepare(`SELECT count(*) AS n FROM users WHERE ${SEARCH}`).get(like, like) as { n: number }).n);
  }

  /** The user an OAuth2 identity belongs to. */
  findByIdentity(provider: string, subject: string): User | undefined {
    const row = this.#db.prepare(`SELECT ${COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')} FROM user_identities i JOIN users u ON u.id = i.user_id
      WHERE i.provider = ? AND i.subject = ?`).get(provider, subject) as Row | undefined;
    return row === undefined ? undefined : toUser(row);
  }

  /** Records that (provider, subject) signs in as user `userId`. */
  linkIdentity(userId: number, provider: string, subject: string, email: string): void {
    this.#db.prepare('INSERT INTO user_identities (provider, subject, user_id, email, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider, subject) DO UPDATE SET email = excluded.email')
      .run(provider, subject, userId, email, new Date(this.#now()).toISOString());
  }

  /** Runs `fn` in one write transaction. */
  transaction<T>(fn: () => T): T {
    return writeTransaction(this.#db, fn);
  }

  #updateRow(id: number, sets: string[], values: (string | number)[]): User | undefined {
    this.#cache.delete(id);
    if (sets.length === 0) return this.get(id);
    try {
      // all(), not get(): see create().
      const [row] = this.#db.prepare(`UPDATE users SET ${sets.join(', ')}, updated_at = ? WHERE id = ? RETURNING ${COLUMNS}`)
        .all(...values, new Date(this.#now()).toISOString(), id) as unknown as (Row | undefined)[];
      return row === undefined ? undefined : toUser(row);
    } catch (err) {
      throw emailTaken(err) ?? err;
    }
  }
}

/** Scopes from their stored or typed form ("a b", "a,b"); throws a TypeError naming a malformed one. */
export function parseScopes(text: string): string[] {
  return checkedScopes(text.split(/[\s,]+/).filter(Boolean));
}

/** `scopes` without repeats; throws a TypeError naming one that is not a scope ("a b" is one malformed scope, not two). */
function checkedScopes(scopes: string[]): string[] {
  for (const scope of scopes) if (!SCOPE.test(scope)) throw new TypeError(`Scope ${JSON.stringify(scope)} is not letters, digits and _ - . : /`);
  return [...new Set(scopes)];
}

/** `%search%` for LIKE, its own % and _ taken literally. */
function likePattern(search: string | undefined): string {
  return `%${(search ?? '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function joinScopes(scopes: string[]): string {
  return checkedScopes(scopes).join(' ');
}

function toUser(row: Row): User {
  return {
    id: row.id, email: row.email, name: row.name, avatar: row.avatar, passwordHash: row.password, verified: row.verified === 1,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '), tokenKey: row.token_key, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function newTokenKey(): string {
  return randomBytes(16).toString('base64url');
}

function emailTaken(err: unknown): EmailTakenError | undefined {
  const message = (err as Error).message ?? '';
  return /UNIQUE constraint failed: users\.email/.test(message) ? new EmailTakenError('This email belongs to another account') : undefined;
}
