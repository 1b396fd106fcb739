// Types of the monolite browser SDK (public/sdk/monolite.js): one ES module, no dependencies.
//
//   import { Monolite, MonoliteError } from '/sdk/monolite.js';
//   const ml = new Monolite();                       // same origin; or new Monolite('https://api.example.com')
//   await ml.login('ada@example.com', 'correct horse battery staple');
//   const orders = await ml.db('shop').table('orders').select('id', 'amount').where('amount', 'gt', 10).order('-amount').limit(20).get();

/**
 * A problem+json answer (RFC 9457), a network failure or a check the SDK made itself, thrown by every SDK call.
 * Codes the SDK sets itself: `network_error`, `http_<status>` (an error answer that was not problem+json),
 * `invalid_json`, `invalid_endpoints` and `unknown_endpoint` (endpoint discovery), `already_verified` (status 202, from
 * `requestVerification`), and from `oauth2Complete`: `oauth2_denied`, `oauth2_no_code`, `oauth2_not_started`,
 * `oauth2_state_mismatch`.
 */
export class MonoliteError extends Error {
  /** The HTTP status (also for an error answer that was not problem+json); 0 when no answer came or the SDK refused itself. */
  readonly status: number;
  /** The server's stable snake_case code (`invalid_credentials`, `otp_cooldown`…), or one of the SDK's own above. */
  readonly code: string;
  /** The human-readable explanation (also `message`). */
  readonly detail: string;
  /** Per-field problems, when the server listed some. */
  readonly errors: { field: string; code: string; message: string }[];
  /** Seconds from a `Retry-After` header (429, 503), when there was one. */
  readonly retryAfter?: number;
  constructor(status: number, code: string, detail: string, errors?: { field: string; code: string; message: string }[], retryAfter?: number);
}

/** The account as the server returns it in a session answer and from `GET /api/me`. */
export interface UserRecord {
  id: number;
  email: string;
  name: string;
  avatar: string;
  verified: boolean;
  [key: string]: unknown;
}

/** `{token_type, access_token, expires_in, record}` from every sign-in endpoint. */
export interface Session {
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  record: UserRecord;
}

/** Where the auth store keeps its state; `localStorage` by default, anything with these methods otherwise. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The signed-in state, persisted under one storage key and shared by every tab. */
export interface AuthStore {
  /** The access token, or '' when signed out. */
  readonly token: string;
  /** The account of the session, or null. */
  readonly record: UserRecord | null;
  /** True while there is a token whose `exp` is still in the future. */
  readonly isValid: boolean;
  /** The token's `exp` claim in seconds since the epoch (0 when signed out). */
  readonly expiresAt: number;
  /** The scopes of the token (its `scope` claim split on spaces). */
  readonly scopes: string[];
  /** Stores a session (the SDK calls this after every sign-in). */
  save(token: string, record: UserRecord | null): void;
  /** Forgets the session. */
  clear(): void;
  /** Calls `listener` after every change (also changes made by another tab); returns the function that unsubscribes. */
  onChange(listener: (token: string, record: UserRecord | null) => void): () => void;
}

export interface OAuth2Provider {
  name: string;
  displayName: string;
  state: string;
  authURL: string;
  redirectURL: string;
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

export interface MonoliteOptions {
  /** Storage for the auth store (default `globalThis.localStorage`, or an in-memory store when there is none). */
  storage?: StorageLike;
  /** Storage key (default `monolite.auth`). */
  storageKey?: string;
  /** `fetch` to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /**
   * Refresh the session this many seconds before it expires (default 60), or at half the token's lifetime when that
   * is shorter (a 1-minute token is not refreshed by every request); 0 turns automatic refresh off.
   */
  refreshBefore?: number;
  /** Where the endpoint map is published (default `/api/list-endpoints`; follow `auth.paths.list_endpoints`). */
  endpointsPath?: string;
}

export type WhereOperator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'like' | 'ilike' | 'is' | 'in';

export interface GetResult<Row> {
  rows: Row[];
  /**
   * From `Content-Range`: the first and last index of the page and the total when the server knew it. An empty page
   * (`*​/0`) has `from` = the offset asked for and `to = from - 1`.
   */
  range: { from: number; to: number; total: number | null } | null;
  /** The answer's ETag (give it to `ifNoneMatch` to revalidate). */
  etag: string | null;
}

/** A query on one table; every method returns the same builder, `get`/`create`/`update`/`delete` run it. */
export interface TableQuery<Row = Record<string, unknown>> {
  /** Columns, `alias:field` and aggregates (`count()`, `amount.sum()`). */
  select(...fields: string[]): this;
  /** `where.<op>.<field>=<value>`; an array for `in`; `not` negates. */
  where(field: string, op: WhereOperator, value: unknown, not?: boolean): this;
  /** `-field` for descending. */
  order(...fields: string[]): this;
  limit(n: number): this;
  offset(n: number): this;
  /** Sends `If-None-Match` (an etag from `get`); `get` then resolves to null when the server answers 304. */
  ifNoneMatch(etag: string): this;
  /** Extra `Prefer` tokens (`timezone=Europe/Paris`, `tx=rollback`). */
  prefer(...tokens: string[]): this;
  /** GET with `Prefer: count=exact`: the rows and the total in `range.total`. */
  get(): Promise<GetResult<Row> | null>;
  /** The rows only (no count, no `If-None-Match`). */
  rows(): Promise<Row[]>;
  /** The number of rows matching the where clauses (`select=count()`). */
  count(): Promise<number>;
  /** POST: one object or an array; resolves to the rows as stored. */
  create(values: Partial<Row> | Partial<Row>[]): Promise<Row[]>;
  /** PATCH the rows matching the where clauses; resolves to the number updated. */
  update(values: Partial<Row>): Promise<number>;
  /** DELETE the rows matching the where clauses; resolves to the rows deleted. */
  delete(): Promise<Row[]>;
}

export interface Database {
  readonly name: string;
  table<Row = Record<string, unknown>>(name: string): TableQuery<Row>;
  /** POST /api/<db>/rpc/<name>/ with the arguments as a JSON object. */
  rpc<T = unknown>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** The OpenAPI 3.1 document of the database (tables, columns and functions the caller may see). */
  schema(): Promise<Record<string, unknown>>;
}

export class Monolite {
  constructor(baseUrl?: string, options?: MonoliteOptions);
  readonly baseUrl: string;
  readonly auth: AuthStore;

  // Endpoint discovery: GET /api/list-endpoints, cached; a 409 endpoints_hash_mismatch refetches and retries once.
  endpoints(): Promise<Record<string, string>>;

  // Accounts (paths come from the endpoint map, so `auth.paths` on the server moves them).
  register(email: string, password: string, passwordConfirm?: string): Promise<void>;
  /**
   * Sends a verification code; resolves to the verification token to give `confirmVerification`. An account that is
   * verified already gets no code: MonoliteError `already_verified` (status 202), sign in instead.
   */
  requestVerification(email: string, password: string): Promise<string>;
  /** Confirms the emailed code and signs in. */
  confirmVerification(code: string, verificationToken: string): Promise<Session>;
  /** 403 `email_verification_required` for an account whose email is not verified yet. */
  login(email: string, password: string): Promise<Session>;
  /** A new token for the session (the SDK also does this by itself, see `refreshBefore`); a 401 clears the store. */
  refresh(): Promise<Session>;
  /** Step 1 of 3: mails a code when the account exists; resolves to the verification token. */
  requestPasswordReset(email: string): Promise<string>;
  /** Step 2 of 3: resolves to the reset grant. */
  verifyPasswordReset(code: string, verificationToken: string): Promise<string>;
  /**
   * Step 3 of 3. Every session of the account ends; a client signed in as it finds out at its next request (401),
   * which clears its store.
   */
  confirmPasswordReset(grant: string, password: string, passwordConfirm?: string): Promise<void>;
  /** Resolves to the verification token; the code goes to the new address. */
  requestEmailChange(newEmail: string, password: string): Promise<string>;
  /** Changes the email; every session ends, the store is cleared. */
  confirmEmailChange(code: string, verificationToken: string): Promise<void>;
  oauth2Providers(): Promise<OAuth2Provider[]>;
  /** Keeps the provider's state and code verifier in sessionStorage and sends the browser to the provider. */
  oauth2Redirect(provider: OAuth2Provider): void;
  /**
   * On the callback page: reads `code` and `state` from the URL (default `location.href`), checks the state against the
   * one `oauth2Redirect` kept (and forgets it), and signs in.
   */
  oauth2Complete(url?: string): Promise<Session>;
  /** The account (also refreshes `auth.record`). */
  me(): Promise<UserRecord>;
  /** Changes name and/or avatar (an https URL, or ''); resolves to the account, also kept in `auth.record`. */
  updateMe(values: { name?: string; avatar?: string }): Promise<UserRecord>;
  /** Forgets the session locally. */
  logout(): void;
  /** Ends every session of the account on the server, then forgets it locally. */
  logoutAll(): Promise<void>;
  deleteMe(password: string): Promise<void>;

  // Data.
  /** The REST databases the server exposes (GET /api/databases). */
  databases(): Promise<{ name: string; title: string }[]>;
  db(name: string): Database;
  /** Declared endpoints: `call('GET /articles/{id}', {id: 1, …})`; path parameters are filled from `args` (percent-encoded),
   *  the rest is the query (GET, DELETE; an array repeats the key) or the JSON body (others); a FormData body is sent as
   *  multipart. The path is the mounted one (with `api.prefix`). A missing path parameter rejects with a TypeError. */
  readonly api: { call<T = unknown>(route: string, args?: Record<string, unknown> | FormData): Promise<T> };

  /**
   * A request with the session's token (refreshed first when it is about to expire), problem+json turned into
   * MonoliteError; the parsed body (null for 204). `body` is sent as JSON, except FormData, URLSearchParams and Blob,
   * which go as they are. An array in `query` repeats the key. A 401 saying the token is dead (`token_expired`,
   * `token_invalid`, `token_signature`…, `session_too_old`) clears the store.
   */
  /** As `send`, for answers that are not JSON (downloads, event streams): the 2xx/304 Response, unread; `signal` aborts. */
  request(method: string, path: string, options?: { body?: unknown; query?: Record<string, string | number | boolean | (string | number | boolean)[]>; headers?: Record<string, string>; signal?: AbortSignal }): Promise<Response>;

  send<T = unknown>(method: string, path: string, options?: { body?: unknown; query?: Record<string, string | number | boolean | (string | number | boolean)[]>; headers?: Record<string, string> }): Promise<T>;
}
