// @ts-check
// The monolite browser SDK: one ES module without dependencies, for browsers and Node >= 24. A persisted auth store
// that refreshes the session before it expires, every account flow, a query builder for the automatic REST API and
// calls to declared endpoints. The types are in monolite.d.ts beside this file.

/** @typedef {import('./monolite.d.ts').UserRecord} UserRecord */
/** @typedef {import('./monolite.d.ts').Session} Session */
/** @typedef {import('./monolite.d.ts').StorageLike} StorageLike */
/** @typedef {import('./monolite.d.ts').MonoliteOptions} MonoliteOptions */
/** @typedef {import('./monolite.d.ts').OAuth2Provider} OAuth2Provider */
/** @typedef {import('./monolite.d.ts').WhereOperator} WhereOperator */
/** @typedef {import('./monolite.d.ts').AuthStore} AuthStore */
/** @typedef {import('./monolite.d.ts').Monolite} MonoliteContract */
/** @typedef {import('./monolite.d.ts').Database} Database */
/** @typedef {import('./monolite.d.ts').MonoliteError} MonoliteErrorContract */
/** @template Row @typedef {import('./monolite.d.ts').TableQuery<Row>} TableQuery */
/** @typedef {{ field: string, code: string, message: string }} FieldError */
/** @typedef {Record<string, string | number | boolean | (string | number | boolean)[]>} Query */
/**
 * How a request carries the session: not at all, the stored token as it is (refresh-auth itself), or the stored
 * token refreshed first when it is about to expire.
 * @typedef {'none' | 'raw' | 'session'} TokenUse
 */
/**
 * @typedef {object} Exchange
 * @property {unknown} [body]
 * @property {Query} [query]
 * @property {Record<string, string>} [headers]
 * @property {TokenUse} [token]
 * @property {string} [hash]
 * @property {AbortSignal} [signal]
 */
/** @typedef {(method: string, path: string, options: Exchange) => Promise<Response>} Exchanger */

const DEFAULT_STORAGE_KEY = 'monolite.auth';
const DEFAULT_ENDPOINTS_PATH = '/api/list-endpoints';
const HASH_HEADER = 'x-monolite-endpoints-hash';
// 401 codes that mean the token itself is dead (src/lib/jwt.ts, src/auth/session.ts): the stored session goes.
const DEAD_TOKEN = /^(token_\w+|session_too_old)$/;

/**
 * A problem+json answer (RFC 9457), a network failure or a check the SDK made itself.
 * @implements {MonoliteErrorContract}
 */
export class MonoliteError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} detail
   * @param {FieldError[]} [errors]
   * @param {number} [retryAfter]
   */
  constructor(status, code, detail, errors = [], retryAfter) {
    super(detail);
    // Set by hand: a minifier may rename the class.
    this.name = 'MonoliteError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = errors;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The auth store.

/** A StorageLike kept in memory: where there is no localStorage (Node, a sandboxed frame). */
function memoryStorage() {
  /** @type {Map<string, string>} */
  const items = new Map();
  return {
    /** @param {string} key */
    getItem: (key) => items.get(key) ?? null,
    /** @param {string} key @param {string} value */
    setItem: (key, value) => { items.set(key, String(value)); },
    /** @param {string} key */
    removeItem: (key) => { items.delete(key); },
  };
}

/** `localStorage` when this environment has a usable one; reading it throws in some sandboxed frames. */
function defaultStorage() {
  try {
    const storage = /** @type {any} */ (globalThis).localStorage;
    if (storage && typeof storage.getItem === 'function') return /** @type {StorageLike} */ (storage);
  } catch { /* no access: keep the session in memory */ }
  return memoryStorage();
}

/**
 * The claims of a JWT, read without verification (the server verifies; the client only needs `exp` and `scope`);
 * `{}` when the token is malformed. The payload is base64url, and UTF-8 once decoded.
 * @param {string} token
 * @returns {Record<string, unknown>}
 */
function jwtClaims(token) {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? claims : {};
  } catch {
    return {};
  }
}

const nowSeconds = () => Date.now() / 1000;

/**
 * The signed-in state, persisted as JSON `{token, record}` under one storage key. Another tab's change arrives as a
 * `storage` event, which reloads the state and tells the listeners.
 * @implements {AuthStore}
 */
class PersistedAuthStore {
  /** @type {StorageLike} */ #storage;
  /** @type {string} */ #key;
  #token = '';
  /** @type {UserRecord | null} */ #record = null;
  /** @type {Record<string, unknown>} */ #claims = {};
  /** @type {Set<(token: string, record: UserRecord | null) => void>} */ #listeners = new Set();

  /** @param {StorageLike} storage @param {string} key */
  constructor(storage, key) {
    this.#storage = storage;
    this.#key = key;
    this.#load();
    const win = /** @type {any} */ (globalThis).window;
    if (win && typeof win.addEventListener === 'function') {
      win.addEventListener('storage', (/** @type {{ key: string | null }} */ event) => {
        // key null: the other tab cleared the whole storage.
        if (event.key !== null && event.key !== this.#key) return;
        this.#load();
        this.#emit();
      });
    }
  }

  get token() { return this.#token; }
  get record() { return this.#record; }
  get expiresAt() { return typeof this.#claims.exp === 'number' ? this.#claims.exp : 0; }
  get isValid() { return this.#token !== '' && this.expiresAt > nowSeconds(); }
  get scopes() {
    const scope = this.#claims.scope;
    return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
  }

  /** The token's lifetime as issued (`exp - iat`), in seconds; 0 when unknown. */
  get lifetime() {
    const { exp, iat } = this.#claims;
    return typeof exp === 'number' && typeof iat === 'number' ? exp - iat : 0;
  }

  /** @param {string} token @param {UserRecord | null} record */
  save(token, record) {
    this.#set(String(token ?? ''), record ?? null);
    try {
      if (this.#token === '') this.#storage.removeItem(this.#key);
      else this.#storage.setItem(this.#key, JSON.stringify({ token: this.#token, record: this.#record }));
    } catch { /* storage full or refused: the session still lives in memory for this page */ }
    this.#emit();
  }

  clear() {
    this.save('', null);
  }

  /** @param {(token: string, record: UserRecord | null) => void} listener */
  onChange(listener) {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  #load() {
    let saved = null;
    try {
      const text = this.#storage.getItem(this.#key);
      saved = text === null ? null : JSON.parse(text);
    } catch { /* unreadable or corrupt: signed out */ }
    const token = saved !== null && typeof saved === 'object' && typeof saved.token === 'string' ? saved.token : '';
    const record = token !== '' && saved.record !== null && typeof saved.record === 'object' ? saved.record : null;
    this.#set(token, record);
  }

  /** @param {string} token @param {UserRecord | null} record */
  #set(token, record) {
    this.#token = token;
    this.#record = token === '' ? null : record;
    this.#claims = token === '' ? {} : jwtClaims(token);
  }

  #emit() {
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.#token, this.#record);
      } catch (err) {
        // One failing listener must not stop the others, nor the sign-in that saved the session.
        queueMicrotask(() => { throw err; });
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP: URLs, bodies, answers and errors.

/**
 * The text of a query or where value; objects other than dates have no text form.
 * @param {unknown} value
 * @returns {string}
 */
function scalarText(value) {
  if (value === null) return 'null';
  if (value instanceof Date) return value.toISOString();
  switch (typeof value) {
    case 'string': return value;
    case 'number': case 'bigint': case 'boolean': return String(value);
    default: throw new TypeError(`Cannot send ${value === undefined ? 'undefined' : JSON.stringify(value)} as a query value; expected a string, number, boolean, null or Date`);
  }
}

/**
 * An element of an `in` list as src/rest/query.ts reads it: double-quoted (with `""` for a quote) when it holds a
 * comma or a quote, is empty, or has surrounding whitespace the server would trim.
 * @param {unknown} value
 */
function listElement(value) {
  const text = scalarText(value);
  return text === '' || /[",]/.test(text) || text.trim() !== text ? `"${text.replace(/"/g, '""')}"` : text;
}

/** @param {unknown} value @returns {value is FormData} */
function isFormData(value) {
  return typeof FormData !== 'undefined' && value instanceof FormData;
}

/** Bodies fetch sends as they are (and sets their Content-Type itself). @param {unknown} value */
function isRawBody(value) {
  return isFormData(value) || (typeof URLSearchParams !== 'undefined' && value instanceof URLSearchParams) || (typeof Blob !== 'undefined' && value instanceof Blob);
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. @param {string | null} value */
function retryAfterSeconds(value) {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * The MonoliteError of a failed answer: problem+json gives its code, detail and errors; any other body gets the code
 * `http_<status>`.
 * @param {Response} res
 */
async function errorFrom(res) {
  const retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
  const type = res.headers.get('content-type') ?? '';
  let text = '';
  try {
    text = await res.text();
  } catch { /* the body broke off: the status says enough */ }
  /** @type {any} */
  let problem = null;
  if (/json/i.test(type)) {
    try {
      problem = JSON.parse(text);
    } catch { /* not JSON after all */ }
  }
  if (problem !== null && typeof problem === 'object' && typeof problem.code === 'string') {
    const detail = typeof problem.detail === 'string' ? problem.detail : String(problem.title ?? res.statusText);
    const errors = Array.isArray(problem.errors) ? problem.errors : [];
    return new MonoliteError(res.status, problem.code, detail, errors, retryAfter);
  }
  const plain = /^text\/plain/i.test(type) ? text.trim().slice(0, 300) : '';
  const detail = plain || `The server answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}`;
  return new MonoliteError(res.status, `http_${res.status}`, detail, [], retryAfter);
}

/**
 * The body of a successful answer: JSON parsed, other text as it is, null when empty (204, 304).
 * @param {Response} res
 * @returns {Promise<any>}
 */
async function readBody(res) {
  if (res.status === 204 || res.status === 205 || res.status === 304) return null;
  const text = await res.text();
  if (text === '') return null;
  if (!/json/i.test(res.headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new MonoliteError(res.status, 'invalid_json', `The server's answer is not valid JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
}

/**
 * `Content-Range` as PostgREST writes it: `0-24/3573`, `0-24/*`, `*​/0`. An empty page (`*​/n`) starts at the offset
 * asked for and has `to = from - 1`.
 * @param {string | null} value
 * @param {number} offset
 */
function parseContentRange(value, offset) {
  const match = value === null ? null : /^\s*(?:items\s+)?(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (match === null) return null;
  const total = match[3] === '*' ? null : Number(match[3]);
  if (match[1] === undefined) return { from: offset, to: offset - 1, total };
  return { from: Number(match[1]), to: Number(match[2]), total };
}

// ---------------------------------------------------------------------------------------------------------------
// REST over SQLite.

const OPERATORS = new Set(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'like', 'ilike', 'is', 'in']);

/**
 * A query on one table: every method but the last returns the builder, `get`/`rows`/`count`/`create`/`update`/
 * `delete` send it.
 * @template [Row=Record<string, unknown>]
 * @implements {TableQuery<Row>}
 */
class TableQueryBuilder {
  /** @type {Exchanger} */ #exchange;
  /** @type {string} */ #path;
  /** @type {string[]} */ #select = [];
  /** @type {[string, string][]} */ #where = [];
  /** @type {string[]} */ #order = [];
  /** @type {number | undefined} */ #limit;
  /** @type {number | undefined} */ #offset;
  /** @type {string | undefined} */ #etag;
  /** @type {string[]} */ #prefer = [];

  /** @param {Exchanger} exchange @param {string} path */
  constructor(exchange, path) {
    this.#exchange = exchange;
    this.#path = path;
  }

  /** @param {string[]} fields */
  select(...fields) {
    this.#select.push(...fields);
    return this;
  }

  /** @param {string} field @param {WhereOperator} op @param {unknown} value @param {boolean} [not] */
  where(field, op, value, not = false) {
    if (!OPERATORS.has(op)) throw new TypeError(`Unknown operator ${JSON.stringify(op)}; expected one of ${[...OPERATORS].join(', ')}`);
    let text;
    if (op === 'in') {
      if (!Array.isArray(value)) throw new TypeError(`"in" takes an array of values, got ${JSON.stringify(value)}`);
      text = value.map(listElement).join(',');
    } else {
      text = scalarText(value);
    }
    this.#where.push([`where.${not ? 'not.' : ''}${op}.${field}`, text]);
    return this;
  }

  /** @param {string[]} fields */
  order(...fields) {
    this.#order.push(...fields);
    return this;
  }

  /** @param {number} n */
  limit(n) {
    this.#limit = n;
    return this;
  }

  /** @param {number} n */
  offset(n) {
    this.#offset = n;
    return this;
  }

  /** @param {string} etag */
  ifNoneMatch(etag) {
    this.#etag = etag;
    return this;
  }

  /** @param {string[]} tokens */
  prefer(...tokens) {
    this.#prefer.push(...tokens);
    return this;
  }

  async get() {
    const headers = this.#headers(['count=exact']);
    if (this.#etag !== undefined) headers['if-none-match'] = this.#etag;
    const res = await this.#exchange('GET', this.#path, { query: this.#readQuery(), headers });
    if (res.status === 304) return null;
    /** @type {Row[]} */
    const rows = await readBody(res);
    return { rows, range: parseContentRange(res.headers.get('content-range'), this.#offset ?? 0), etag: res.headers.get('etag') };
  }

  async rows() {
    const res = await this.#exchange('GET', this.#path, { query: this.#readQuery(), headers: this.#headers([]) });
    return /** @type {Row[]} */ (await readBody(res));
  }

  async count() {
    const query = this.#whereQuery();
    query.select = 'count()';
    const res = await this.#exchange('GET', this.#path, { query, headers: this.#headers([]) });
    const rows = await readBody(res);
    return Number(rows?.[0]?.count ?? 0);
  }

  /** @param {Partial<Row> | Partial<Row>[]} values */
  async create(values) {
    // Always an array: the server answers an object for an object, and this resolves to rows either way.
    const body = Array.isArray(values) ? values : [values];
    const res = await this.#exchange('POST', this.#path, { body, headers: this.#headers([]) });
    return /** @type {Row[]} */ (await readBody(res));
  }

  /** @param {Partial<Row>} values */
  async update(values) {
    const res = await this.#exchange('PATCH', this.#path, { query: this.#whereQuery(), body: values, headers: this.#headers([]) });
    const answer = await readBody(res);
    return Number(answer?.updated ?? 0);
  }

  async delete() {
    const res = await this.#exchange('DELETE', this.#path, { query: this.#whereQuery(), headers: this.#headers(['return=representation']) });
    return /** @type {Row[]} */ ((await readBody(res)) ?? []);
  }

  /** @param {string[]} first @returns {Record<string, string>} */
  #headers(first) {
    const tokens = [...first, ...this.#prefer];
    return tokens.length === 0 ? {} : { prefer: tokens.join(', ') };
  }

  /** Where pairs are kept as an array: the same key may be given twice (`amount > 1 and amount > 5`). */
  #whereQuery() {
    /** @type {Query} */
    const query = {};
    for (const [key, value] of this.#where) {
      const previous = query[key];
      query[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    return query;
  }

  #readQuery() {
    const query = this.#whereQuery();
    if (this.#select.length > 0) query.select = this.#select.join(',');
    if (this.#order.length > 0) query.ordering = this.#order.join(',');
    if (this.#limit !== undefined) query.limit = String(this.#limit);
    if (this.#offset !== undefined) query.offset = String(this.#offset);
    return query;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The client.

/**
 * The monolite client: accounts, REST databases and declared endpoints of one server.
 * @implements {MonoliteContract}
 */
export class Monolite {
  /** @type {typeof fetch} */ #fetch;
  /** @type {PersistedAuthStore} */ #auth;
  /** @type {number} */ #refreshBefore;
  /** @type {string} */ #storageKey;
  /** @type {string} */ #endpointsPath;
  /** @type {Promise<{ map: Record<string, string>, hash: string }> | null} */ #discovery = null;
  /** @type {Promise<Session> | null} */ #refreshing = null;

  /** @param {string} [baseUrl] @param {MonoliteOptions} [options] */
  constructor(baseUrl = '', options = {}) {
    /** Where the server is: '' for the page's own origin. */
    this.baseUrl = String(baseUrl).replace(/\/+$/, '');
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function') throw new TypeError('No fetch in this environment; pass options.fetch');
    // Called unbound: browsers refuse a fetch called as a method of another object.
    this.#fetch = (input, init) => fetchFn(input, init);
    this.#storageKey = options.storageKey ?? DEFAULT_STORAGE_KEY;
    this.#auth = new PersistedAuthStore(options.storage ?? defaultStorage(), this.#storageKey);
    this.#refreshBefore = options.refreshBefore ?? 60;
    this.#endpointsPath = options.endpointsPath ?? DEFAULT_ENDPOINTS_PATH;
    /** Declared endpoints (the `[api]` definition). */
    this.api = Object.freeze({
      /**
       * @template [T=unknown]
       * @param {string} route
       * @param {Record<string, unknown> | FormData} [args]
       * @returns {Promise<T>}
       */
      call: (route, args) => this.#callDeclared(route, args ?? {}),
    });
  }

  /** The signed-in state. */
  get auth() { return this.#auth; }

  // -- Endpoint discovery ------------------------------------------------------------------------------------

  /** The account endpoints as `{key: "METHOD /path"}`, fetched once and kept until the server says they changed. */
  async endpoints() {
    return { ...(await this.#endpointMap()).map };
  }

  #endpointMap() {
    if (this.#discovery === null) {
      const discovery = this.#exchange('GET', this.#endpointsPath, { token: 'none' }).then(readBody).then((body) => {
        if (body === null || typeof body !== 'object' || body.endpoints === null || typeof body.endpoints !== 'object') {
          throw new MonoliteError(0, 'invalid_endpoints', `GET ${this.#endpointsPath} did not answer {endpoints, hash}`);
        }
        return { map: /** @type {Record<string, string>} */ (body.endpoints), hash: typeof body.hash === 'string' ? body.hash : '' };
      });
      // A failed discovery is not kept: the next call tries again.
      discovery.catch(() => { if (this.#discovery === discovery) this.#discovery = null; });
      this.#discovery = discovery;
    }
    return this.#discovery;
  }

  /**
   * Calls the account endpoint `key` of the published map with the map's hash; a 409 endpoints_hash_mismatch
   * refetches the map and tries once more.
   * @param {string} key
   * @param {unknown} [body]
   * @param {TokenUse} [token]
   * @returns {Promise<any>}
   */
  async #account(key, body, token = 'none') {
    for (let attempt = 0; ; attempt++) {
      const discovery = this.#endpointMap();
      const { map, hash } = await discovery;
      const spec = map[key];
      const space = typeof spec === 'string' ? spec.indexOf(' ') : -1;
      if (space < 0) throw new MonoliteError(0, 'unknown_endpoint', `The server publishes no endpoint "${key}"`);
      try {
        const res = await this.#exchange(spec.slice(0, space), spec.slice(space + 1), { body, token, hash });
        return await readBody(res);
      } catch (err) {
        if (attempt > 0 || !(err instanceof MonoliteError) || err.code !== 'endpoints_hash_mismatch') throw err;
        if (this.#discovery === discovery) this.#discovery = null;
      }
    }
  }

  // -- Accounts ----------------------------------------------------------------------------------------------

  /** @param {string} email @param {string} password @param {string} [passwordConfirm] */
  async register(email, password, passwordConfirm = password) {
    await this.#account('register_with_password', { identity: email, password, password_confirm: passwordConfirm });
  }

  /** @param {string} email @param {string} password @returns {Promise<string>} */
  async requestVerification(email, password) {
    const answer = await this.#account('request_email_verification_otp', { email, password });
    if (answer?.code === 'already_verified') throw new MonoliteError(202, 'already_verified', String(answer.detail ?? 'This email address is already verified'));
    return answer.verification_token;
  }

  /** @param {string} code @param {string} verificationToken @returns {Promise<Session>} */
  async confirmVerification(code, verificationToken) {
    return this.#signedIn(await this.#account('confirm_email_verification_otp', { otp: code, verification_token: verificationToken }));
  }

  /** @param {string} email @param {string} password @returns {Promise<Session>} */
  async login(email, password) {
    return this.#signedIn(await this.#account('auth_with_password', { identity: email, password }));
  }

  /**
   * A new token for the stored session; concurrent calls (and automatic refreshes) share one request. A 401 clears
   * the store: the session cannot be renewed any more.
   * @returns {Promise<Session>}
   */
  refresh() {
    if (this.#refreshing === null) {
      const sent = this.#auth.token;
      const refreshing = this.#account('refresh_auth', undefined, 'raw').then(
        (session) => this.#signedIn(session),
        (err) => {
          if (err instanceof MonoliteError && err.status === 401 && this.#auth.token === sent) this.#auth.clear();
          throw err;
        },
      ).finally(() => { if (this.#refreshing === refreshing) this.#refreshing = null; });
      this.#refreshing = refreshing;
    }
    return this.#refreshing;
  }

  /** @param {string} email @returns {Promise<string>} */
  async requestPasswordReset(email) {
    return (await this.#account('request_password_reset_otp', { email })).verification_token;
  }

  /** @param {string} code @param {string} verificationToken @returns {Promise<string>} */
  async verifyPasswordReset(code, verificationToken) {
    return (await this.#account('verify_password_reset_otp', { otp: code, verification_token: verificationToken })).token;
  }

  /** @param {string} grant @param {string} password @param {string} [passwordConfirm] */
  async confirmPasswordReset(grant, password, passwordConfirm = password) {
    await this.#account('confirm_password_reset_otp', { token: grant, password, password_confirm: passwordConfirm });
  }

  /** @param {string} newEmail @param {string} password @returns {Promise<string>} */
  async requestEmailChange(newEmail, password) {
    return (await this.#account('request_email_change_otp', { new_email: newEmail, password }, 'session')).verification_token;
  }

  /** @param {string} code @param {string} verificationToken */
  async confirmEmailChange(code, verificationToken) {
    await this.#account('confirm_email_change_otp', { otp: code, verification_token: verificationToken }, 'session');
    // The token was signed with a key derived from the old email: it is dead now.
    this.#auth.clear();
  }

  /** @returns {Promise<OAuth2Provider[]>} */
  async oauth2Providers() {
    return (await this.#account('list_oauth2_providers')).providers;
  }

  /** @param {OAuth2Provider} provider */
  oauth2Redirect(provider) {
    const { sessionStorage, location } = browserGlobals('oauth2Redirect');
    const pending = { provider: provider.name, state: provider.state, codeVerifier: provider.codeVerifier, redirectURL: provider.redirectURL };
    sessionStorage.setItem(this.#oauth2Key, JSON.stringify(pending));
    location.assign(provider.authURL);
  }

  /** @param {string} [url] @returns {Promise<Session>} */
  async oauth2Complete(url) {
    const g = /** @type {any} */ (globalThis);
    const storage = g.sessionStorage;
    if (!storage) throw new TypeError('oauth2Complete needs sessionStorage (a browser)');
    const href = url ?? g.location?.href;
    if (typeof href !== 'string') throw new TypeError('oauth2Complete needs the callback URL (or a browser location)');
    const params = new URL(href, g.location?.href).searchParams;
    let pending = null;
    try {
      pending = JSON.parse(storage.getItem(this.#oauth2Key) ?? 'null');
    } catch { /* corrupt: treated as missing */ }
    // A code works once: whatever happens next, this attempt is over.
    storage.removeItem(this.#oauth2Key);
    const denied = params.get('error');
    if (denied !== null) throw new MonoliteError(0, 'oauth2_denied', params.get('error_description') || `The provider refused the sign-in: ${denied}`);
    const code = params.get('code');
    const state = params.get('state');
    if (code === null || state === null) throw new MonoliteError(0, 'oauth2_no_code', `No code and state in the callback URL ${JSON.stringify(href)}`);
    if (pending === null || typeof pending !== 'object' || typeof pending.state !== 'string') {
      throw new MonoliteError(0, 'oauth2_not_started', 'No OAuth2 sign-in was started in this tab (oauth2Redirect stores its state in sessionStorage)');
    }
    if (pending.state !== state) throw new MonoliteError(0, 'oauth2_state_mismatch', 'The state in the callback URL is not the one this tab sent to the provider');
    return this.#signedIn(await this.#account('auth_with_oauth2', {
      provider: pending.provider, code, code_verifier: pending.codeVerifier, state, redirect_uri: pending.redirectURL,
    }));
  }

  /** @returns {Promise<UserRecord>} */
  async me() {
    return this.#keepRecord(await this.#account('me', undefined, 'session'));
  }

  /** @param {{ name?: string, avatar?: string }} values @returns {Promise<UserRecord>} */
  async updateMe(values) {
    return this.#keepRecord(await this.#account('update_me', values, 'session'));
  }

  logout() {
    this.#auth.clear();
  }

  async logoutAll() {
    await this.#account('logout_all', undefined, 'session');
    this.#auth.clear();
  }

  /** @param {string} password */
  async deleteMe(password) {
    await this.#account('delete_me', { password }, 'session');
    this.#auth.clear();
  }

  get #oauth2Key() {
    return `${this.#storageKey}.oauth2`;
  }

  /** Stores a session answer and hands it on. @param {Session} session */
  #signedIn(session) {
    this.#auth.save(session.access_token, session.record);
    return session;
  }

  /** The fresh account record goes into the store (same token). @param {UserRecord} record */
  #keepRecord(record) {
    if (this.#auth.token !== '') this.#auth.save(this.#auth.token, record);
    return record;
  }

  // -- Data --------------------------------------------------------------------------------------------------

  /** @returns {Promise<{ name: string, title: string }[]>} */
  async databases() {
    return (/** @type {{ databases: { name: string, title: string }[] }} */ (await this.send('GET', '/api/databases'))).databases;
  }

  /** @param {string} name @returns {Database} */
  db(name) {
    const base = `/api/${encodeURIComponent(name)}`;
    // The table builder's requests are request()s: with the session's token.
    /** @type {Exchanger} */
    const exchange = (method, path, options) => this.request(method, path, options);
    return {
      name,
      table: (table) => new TableQueryBuilder(exchange, `${base}/${encodeURIComponent(table)}/`),
      rpc: (fn, args) => this.send('POST', `${base}/rpc/${encodeURIComponent(fn)}/`, { body: args ?? {} }),
      schema: () => this.send('GET', `${base}/openapi.json`),
    };
  }

  /**
   * @param {string} route
   * @param {Record<string, unknown> | FormData} args
   * @returns {Promise<any>}
   */
  async #callDeclared(route, args) {
    const match = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(route);
    if (match === null) throw new TypeError(`Invalid route ${JSON.stringify(route)}; expected "METHOD /path", e.g. "GET /articles/{id}"`);
    const method = match[1].toUpperCase();
    const form = isFormData(args) ? args : null;
    /** @type {Record<string, unknown>} */
    const rest = form === null ? { ...args } : {};
    /** @type {Set<string>} */
    const used = new Set();
    const path = match[2].replace(/\{([^{}]+)\}/g, (_, name) => {
      const value = form !== null ? form.get(name) : rest[name];
      if (value === undefined || value === null) throw new TypeError(`Missing path parameter "${name}" for ${route}`);
      used.add(name);
      delete rest[name];
      return encodeURIComponent(scalarText(value));
    });
    const bodyless = method === 'GET' || method === 'DELETE' || method === 'HEAD';
    /** @type {Exchange} */
    const options = { token: 'session' };
    if (form !== null) {
      if (bodyless) throw new TypeError(`A FormData body needs POST, PUT or PATCH, not ${method}`);
      const body = new FormData();
      for (const [key, value] of form) if (!used.has(key)) body.append(key, value);
      options.body = body;
    } else if (bodyless) {
      /** @type {Query} */
      const query = {};
      for (const [key, value] of Object.entries(rest)) {
        if (value === undefined) continue;
        query[key] = Array.isArray(value) ? value.map(scalarText) : scalarText(value);
      }
      options.query = query;
    } else if (Object.keys(rest).length > 0) {
      options.body = rest;
    }
    return readBody(await this.#exchange(method, path, options));
  }

  /**
   * A request with the session's token; the parsed body (null for 204). A 401 that says the token is dead
   * (`token_expired`, `token_invalid`, `token_signature`…, `session_too_old`) clears the store.
   * @template [T=unknown]
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, query?: Query, headers?: Record<string, string> }} [options]
   * @returns {Promise<T>}
   */
  async send(method, path, options = {}) {
    return readBody(await this.#exchange(method, path, { ...options, token: 'session' }));
  }

  /**
   * As `send`, for an answer that is not a JSON document (a file to download, an event stream): resolves to the
   * Response itself when it is 2xx or 304, unread. `signal` aborts the request (the abort's own error is thrown).
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, query?: Query, headers?: Record<string, string>, signal?: AbortSignal }} [options]
   * @returns {Promise<Response>}
   */
  request(method, path, options = {}) {
    return this.#exchange(method, path, { ...options, token: 'session' });
  }

  // -- The one place requests are made -----------------------------------------------------------------------

  /**
   * Sends a request and resolves to the Response when it is 2xx or 304; throws MonoliteError otherwise.
   * @param {string} method
   * @param {string} path
   * @param {Exchange} options
   * @returns {Promise<Response>}
   */
  async #exchange(method, path, options) {
    const headers = new Headers(options.headers);
    /** @type {any} */
    let body;
    if (options.body !== undefined) {
      if (isRawBody(options.body)) body = options.body;
      else {
        body = JSON.stringify(options.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
    }
    const sent = options.token === 'session' ? await this.#sessionToken() : options.token === 'raw' ? this.#auth.token : '';
    if (sent !== '') headers.set('authorization', `Bearer ${sent}`);
    if (options.hash) headers.set(HASH_HEADER, options.hash);
    const url = this.#url(path, options.query);
    let res;
    try {
      res = await this.#fetch(url, { method, headers, body, signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new MonoliteError(0, 'network_error', `${method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (res.ok || res.status === 304) return res;
    const error = await errorFrom(res);
    if (sent !== '' && res.status === 401 && DEAD_TOKEN.test(error.code) && this.#auth.token === sent) this.#auth.clear();
    throw error;
  }

  /**
   * The token to send: '' when there is no valid session. One about to expire is refreshed first: `refreshBefore`
   * seconds before its expiry, or at half its lifetime when that is shorter (so that short-lived tokens are not
   * refreshed by every request).
   */
  async #sessionToken() {
    const auth = this.#auth;
    if (!auth.isValid) return '';
    const lifetime = auth.lifetime;
    const early = lifetime > 0 ? Math.min(this.#refreshBefore, lifetime / 2) : this.#refreshBefore;
    if (this.#refreshBefore > 0 && auth.expiresAt - nowSeconds() < early) {
      try {
        await this.refresh();
      } catch {
        // A 401 cleared the store (the request goes without a token); any other failure leaves the current token,
        // which is still valid.
      }
    }
    return auth.isValid ? auth.token : '';
  }

  /** @param {string} path @param {Query} [query] */
  #url(path, query) {
    let url = this.baseUrl + path;
    if (query !== undefined) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        for (const item of Array.isArray(value) ? value : [value]) params.append(key, scalarText(item));
      }
      const text = params.toString();
      if (text !== '') url += (url.includes('?') ? '&' : '?') + text;
    }
    return url;
  }
}

/**
 * sessionStorage and location, which only the OAuth2 redirect needs.
 * @param {string} what
 * @returns {{ sessionStorage: StorageLike, location: { assign(url: string): void } }}
 */
function browserGlobals(what) {
  const g = /** @type {any} */ (globalThis);
  if (!g.sessionStorage || !g.location) throw new TypeError(`${what} needs sessionStorage and location (a browser)`);
  return { sessionStorage: g.sessionStorage, location: g.location };
}
