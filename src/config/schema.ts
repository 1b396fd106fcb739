// The configuration schema: every setting of the framework with its type, default, description and whether it
// changes on a running server. Later issues add their sections here; the Config type follows from this tree.
import { addressList, boolean, duration, integer, pattern, secret, size, sizeMap, string, stringList, table, type Setting } from './settings.ts';
// The imports from a feature folder: the OAuth2 provider and endpoint path tables are checked when the configuration
// loads (a bad one refuses the reload), and only auth knows their rules. The parsers are pure; no auth code runs here.
import { parseProviders, providersToToml } from '../auth/oauth2.ts';
import { parsePaths } from '../auth/endpoints.ts';
// Likewise the REST databases: their tables are checked by the rest folder's pure parser.
import { parseRestDatabases, restDatabasesToToml } from '../rest/databases.ts';

const SECURITY = ['tls', 'starttls', 'none'] as const;
const SMTP_AUTH = ['auto', 'plain', 'login', 'cram-md5'] as const;
const HTTP_URL = { test: /^https?:\/\/[^\s/?#]+[^\s]*$/, expected: 'http(s) URL' };

export const schema = {
  server: {
    host: string('127.0.0.1', { description: 'Address to listen on; "0.0.0.0" or "::" to accept connections from other machines (containers)' }),
    port: integer(8080, { min: 0, max: 65535 }, { description: 'TCP port to listen on (0 picks a free one)' }),
    headers_timeout: duration('10s', { min: 100, description: 'Time allowed to receive the request headers' }),
    request_timeout: duration('60s', { min: 100, description: 'Time allowed to receive a whole request' }),
    keep_alive_timeout: duration('5s', { description: 'How long an idle keep-alive connection stays open' }),
    max_header_size: size('16KiB', { min: 1024, description: 'Largest request head (431 above it)' }),
    body_limit: size('10MiB', { live: true, description: 'Largest request body (413 above it)' }),
    body_limit_paths: sizeMap({ live: true, description: 'Other body limits by path prefix, longest prefix wins ({ "/api/upload" = "1GiB" })' }),
    shutdown_timeout: duration('10s', { live: true, description: 'On SIGTERM/SIGINT, how long in-flight requests may take before connections are cut' }),
    trusted_proxies: addressList([], { live: true, description: 'IPs/CIDRs of reverse proxies whose client_ip_header is believed' }),
    client_ip_header: string('X-Forwarded-For', { live: true, description: 'Header carrying the client address when the peer is a trusted proxy (X-Forwarded-For, Forwarded, X-Real-IP…)' }),
    tls_cert: string('', { description: 'PEM certificate file; with tls_key, serve HTTPS' }),
    tls_key: string('', { description: 'PEM private key file' }),
    redirect_http_port: integer(0, { min: 0, max: 65535 }, { description: 'With TLS, a plain HTTP port that redirects to HTTPS (0: none)' }),
  },
  static: {
    enabled: boolean(true, { live: true, description: 'Serve the files of dir for GET and HEAD requests no route matched' }),
    dir: string('public', { live: true, description: 'Folder served at /; a relative path is resolved against the project root' }),
    spa_fallback: boolean(false, { live: true, description: 'Unknown paths outside /api/ requested as HTML get dir/index.html (single-page apps)' }),
  },
  log: {
    level: string('info', { live: true, choices: ['debug', 'info', 'warn', 'error'], description: 'Lowest level written' }),
    format: string('auto', { choices: ['auto', 'json', 'pretty'], description: 'auto: pretty on a terminal, JSON lines otherwise' }),
    store: boolean(true, { description: 'Also keep log records in <data-dir>/logs.db (read them with `monolite logs`)' }),
    queue_size: integer(10_000, { min: 1, max: 10_000_000 }, { description: 'Records waiting for the logs.db writer; when full, records are dropped and counted, never waited for' }),
    flush_records: integer(500, { min: 1, max: 1_000_000 }, { description: 'Write to logs.db once this many records wait…' }),
    flush_interval: duration('1s', { min: 10, description: '…or this long after the first one waited' }),
    retention: duration('30d', { live: true, min: 60_000, description: 'Records older than this are pruned from logs.db' }),
  },
  request_log: {
    enabled: boolean(true, { live: true, description: 'One log record per request (method, route, path, status, bytes, duration, IP, user agent, referer, user, request id)' }),
    console: boolean(false, { description: 'Also print request records on stderr (they always go to logs.db when log.store is on)' }),
    max_path: integer(512, { min: 16, max: 65_536 }, { live: true, description: 'Longer paths (with the query) are cut to this many characters' }),
    max_user_agent: integer(256, { min: 16, max: 65_536 }, { live: true, description: 'Longer user agents are cut to this many characters' }),
    max_referer: integer(512, { min: 16, max: 65_536 }, { live: true, description: 'Longer referers are cut to this many characters' }),
  },
  block_ip: {
    enabled: boolean(true, { live: true, description: 'Block an IP that sends more than its share of recent traffic while traffic is high (429)' }),
    level: string('medium', { live: true, choices: ['low', 'medium', 'high', 'custom'], description: 'Preset of window, activation rate and share (see the README); custom: the three settings below' }),
    window: integer(1000, { min: 10, max: 10_000_000 }, { live: true, description: 'custom: how many recent requests the shares are counted over' }),
    activation_rps: integer(500, { min: 0, max: 10_000_000 }, { live: true, description: 'custom: blocking starts only while traffic is above this many requests/s' }),
    max_share: integer(35, { min: 1, max: 100 }, { live: true, description: 'custom: percent of the window one IP may send before it is blocked' }),
    block_for: duration('3m', { live: true, min: 1000, description: 'How long a blocked IP stays blocked' }),
    allow: addressList(['127.0.0.1', '::1'], { live: true, description: 'IPs and CIDRs never blocked' }),
  },
  block_host: {
    enabled: boolean(true, { live: true, description: 'Refuse requests whose Host is not in allowed_hosts (421); an empty list allows every host' }),
    allowed_hosts: stringList([], { live: true, description: 'Host names (port ignored), exact or "*.example.com" for any subdomain' }),
  },
  block_ua: {
    enabled: boolean(true, { live: true, description: 'Refuse requests whose User-Agent matches pattern (403)' }),
    pattern: pattern('', { live: true, description: 'Regular expression (JavaScript syntax) tested against User-Agent; empty: none' }),
  },
  security_headers: {
    enabled: boolean(true, { live: true, description: 'Safe response headers by content type (nosniff, frame denial, CSP, caching)' }),
    hsts: boolean(true, { live: true, description: 'Strict-Transport-Security on HTTPS responses' }),
    hsts_max_age: duration('730d', { live: true, description: 'HSTS max-age' }),
  },
  maintenance: {
    enabled: boolean(false, { live: true, description: 'Answer 503 with Retry-After to everything but /api/health and allow_ips' }),
    allow_ips: addressList([], { live: true, description: 'IPs and CIDRs that still reach the app during maintenance' }),
    retry_after: duration('10m', { live: true, description: 'Retry-After of the 503' }),
  },
  cors: {
    enabled: boolean(false, { live: true, description: 'Answer cross-origin requests from origins' }),
    origins: stringList([], { live: true, description: 'Allowed origins: exact ("https://app.example.com"), "https://*.example.com", or "*"' }),
    methods: stringList(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], { live: true, description: 'Methods a preflight allows' }),
    headers: stringList(['Authorization', 'Content-Type', 'Prefer', 'If-None-Match', 'If-Match'], { live: true, description: 'Request headers a preflight allows' }),
    expose_headers: stringList(['X-Request-Id', 'ETag', 'Retry-After'], { live: true, description: 'Response headers scripts may read' }),
    credentials: boolean(false, { live: true, description: 'Allow cookies and Authorization (never with origin "*")' }),
    max_age: duration('10m', { live: true, description: 'How long browsers may cache a preflight' }),
  },
  metrics: {
    enabled: boolean(true, { live: true, description: 'Serve Prometheus metrics at path' }),
    path: string('/metrics', { pattern: /^\/[A-Za-z0-9._~\/-]*$/, description: 'Path of the metrics endpoint' }),
    allow_ips: addressList(['127.0.0.1', '::1'], { live: true, description: 'IPs and CIDRs that may read the metrics (others get 404)' }),
  },
  jobs: {
    poll_interval: duration('1s', { min: 10, description: 'How often the queue is checked for jobs due later or enqueued by other processes (jobs enqueued here start at once)' }),
    retry_base: duration('5s', { live: true, min: 1, description: 'Delay before the first retry of a failed job; doubled for each further attempt, with jitter' }),
    retry_max: duration('1h', { live: true, min: 1, description: 'Longest delay between two attempts' }),
    lease_margin: duration('30s', { min: 10, description: 'A running job\'s lease is its handler timeout plus this; a job whose process died is claimed again once it expires' }),
    retention: duration('7d', { live: true, min: 60_000, description: 'Finished jobs (done or dead) older than this are pruned hourly' }),
  },
  backup: {
    enabled: boolean(true, { live: true, description: 'Back up app.db every `interval` (a recurrent job)' }),
    interval: duration('1d', { live: true, min: 60_000, description: 'Time between two scheduled backups' }),
    dir: string('', { live: true, description: 'Folder of the backups; empty: <data-dir>/backups; a relative path is resolved against the data directory' }),
    mode: string('online', { live: true, choices: ['online', 'vacuum'], description: 'online: SQLite backup API in steps over one read snapshot; vacuum: VACUUM INTO, a compact copy (writers keep going in both)' }),
    compress: boolean(true, { live: true, description: 'gzip the backup (.db.gz)' }),
    pages_per_step: integer(100, { min: 1, max: 1_000_000 }, { live: true, description: 'online: pages copied per step' }),
    step_pause: duration('10ms', { live: true, description: 'online: pause between steps, so live traffic keeps its share of the disk' }),
    keep: integer(7, { min: 0, max: 1_000_000 }, { live: true, description: 'Keep this many newest backups (0: no count limit)…' }),
    max_age: duration('0s', { live: true, description: '…and/or those younger than this (0s: no age limit); a backup is pruned when a set limit excludes it' }),
  },
  auth: {
    secret: secret({ generate: true, minLength: 32, description: 'Server secret that session and one-time tokens are derived from; generated with the data directory. Changing it signs everyone out' }),
    token_lifetime: duration('45m', { live: true, min: 60_000, description: 'Lifetime of a session token (POST /api/refresh-auth renews it)' }),
    refresh_max: duration('30d', { live: true, min: 60_000, description: 'Refreshes stop this long after the login that started the session' }),
    otp_lifetime: duration('15m', { live: true, min: 60_000, description: 'How long an emailed code (email verification, email change) stays valid' }),
    password_reset_lifetime: duration('1h', { live: true, min: 60_000, description: 'How long a password reset code, and the grant it earns, stay valid' }),
    otp_cooldown: duration('2m', { live: true, min: 1_000, description: 'Least time between two codes of one flow mailed to one address (429 otp_cooldown inside it)' }),
    login_limit: integer(10, { min: 1, max: 1_000_000 }, { live: true, description: 'Failed logins (or password checks) allowed per account within limit_window, five times as many per IP (then 429)' }),
    otp_limit: integer(10, { min: 1, max: 1_000_000 }, { live: true, description: 'Wrong codes allowed per account within limit_window, five times as many per IP (then 429)' }),
    limit_window: duration('15m', { live: true, min: 1_000, description: 'Window of login_limit and otp_limit' }),
    external_secrets: secret({ live: true, pattern: { test: /^\s*[^,\s]{32,}\s*(,\s*[^,\s]{32,}\s*)*$/, expected: 'list of secrets, comma-separated, each at least 32 characters' }, description: 'Secrets (comma-separated, each ≥ 32 characters) of HS256 tokens issued elsewhere that are accepted too (EasyREST model): ctx.user = {id: sub, scopes: scope claim, external: true}; empty: none' }),
    external_issuer: string('', { live: true, description: 'With external_secrets: the iss claim they must carry; empty: not checked' }),
    external_audience: string('', { live: true, description: 'With external_secrets: a value their aud claim must hold; empty: not checked' }),
    paths: table({}, {
      type: 'table of endpoint paths', parse: parsePaths, toToml: (v) => v,
      description: 'Other paths for the account endpoints, by key ({ auth_with_password = "/api/login" }); keys as in GET /api/list-endpoints',
    }),
    oauth2: table(parseProviders(undefined), {
      type: 'table of OAuth2 providers', live: true, secret: true, parse: parseProviders, toToml: providersToToml,
      description: 'Sign-in providers, one table each: [auth.oauth2.google], [auth.oauth2.github] or any OpenID Connect [auth.oauth2.<key>] with kind = "oidc" (see the README)',
    }),
  },
  mail: {
    host: string('', { live: true, description: 'SMTP server; empty: no mail is sent' }),
    port: integer(587, { min: 1, max: 65535 }, { live: true, description: 'SMTP port (465 for implicit TLS, 587 for STARTTLS)' }),
    security: string('starttls', { live: true, choices: SECURITY, description: 'tls: implicit TLS; starttls: upgrade, required; none: plain text (loopback relays only)' }),
    username: string('', { live: true, description: 'SMTP user name; empty: no AUTH' }),
    password: secret({ live: true, description: 'SMTP password' }),
    auth: string('auto', { live: true, choices: SMTP_AUTH, description: 'AUTH mechanism; auto picks the strongest the server offers' }),
    from: string('', { live: true, description: 'Sender address of every message' }),
    from_name: string('monolite', { live: true, description: 'Sender display name' }),
    allow_plaintext_auth: boolean(false, { live: true, description: 'With security "none", still send the username and password (only for a relay on a trusted network)' }),
    timeout: duration('30s', { live: true, min: 100, description: 'Time allowed to connect and for each reply (the message data gets 4× as long)' }),
    tls_verify: boolean(true, { live: true, description: 'Verify the server certificate' }),
    ca_file: string('', { live: true, description: 'PEM file of extra CA certificates to trust' }),
    dkim_domain: string('', { live: true, description: 'DKIM signing domain (d=); with dkim_selector and dkim_key_file, messages are signed' }),
    dkim_selector: string('', { live: true, description: 'DKIM selector (s=)' }),
    dkim_key_file: string('', { live: true, description: 'PEM RSA private key for DKIM' }),
  },
  notify: {
    discord_webhook: secret({ live: true, pattern: HTTP_URL, description: 'Discord webhook URL that alarms are posted to (IP blocks, dead jobs, failed backups); empty: none' }),
    webhook_url: secret({ live: true, pattern: HTTP_URL, description: 'URL that receives each notification as JSON {type, source, message, fields, time}; empty: none' }),
    webhook_authorization: secret({ live: true, description: 'Authorization header sent to webhook_url (e.g. "Bearer …"); empty: none' }),
    interval: duration('2s', { live: true, min: 1, description: 'Each target sends at most one message per interval…' }),
    burst: integer(1, { min: 1, max: 1000 }, { live: true, description: '…after a burst of this many; what comes faster is dropped and counted' }),
    timeout: duration('10s', { live: true, min: 100, description: 'Time allowed for one delivery' }),
  },
  rest: {
    check_scope: boolean(true, { description: 'Table and function requests need a token with <table>-read / <table>-write / <func>-write (or read / write) scopes; public resources excepted' }),
    token_user_search: string('sub', { description: 'Claim of the token that holds the user id handed to plugins and context variables' }),
    databases: table(parseRestDatabases({}), {
      type: 'table of databases', parse: parseRestDatabases, toToml: restDatabasesToToml,
      description: 'Databases served as automatic REST at /api/<name>/, one table each: [rest.databases.<name>] uri = "sqlite://./shop.db" (see the README)',
    }),
  },
  api: {
    definition: string('', { description: 'JSON file declaring the typed endpoints (aicra format); empty: none. A relative path is resolved against the project root' }),
    handlers: string('', { description: 'ES module whose default export holds the endpoint handlers keyed "METHOD /path"; relative to the project root' }),
    prefix: string('', { pattern: /^(\/[A-Za-z0-9._~-]+)*$/, description: 'Path prefix the declared endpoints are mounted under ("/v1"); empty: as written' }),
    max_file_bytes: size('32MiB', { min: 1, description: 'Largest file in a multipart upload to a declared endpoint (413 above it)' }),
    max_parts: integer(100, { min: 1, max: 100_000 }, { description: 'Most parts in one multipart body (413 above it)' }),
    max_field_bytes: size('1MiB', { min: 1, description: 'Largest non-file field of a multipart body (413 above it)' }),
  },
};

/** A node of the schema tree: a setting, or a group of nodes. */
export type SchemaNode = Setting<unknown> | { [key: string]: SchemaNode };
export type Schema = typeof schema;

type ConfigOf<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : ConfigOf<S[K]> };
type PartialOf<S> = { [K in keyof S]?: S[K] extends Setting<infer T> ? T | string : PartialOf<S[K]> };

export type Config = ConfigOf<Schema>;
/**
 * Overrides for any subset of settings (command-line flags, tests): typed values or their text form (`"9000"`,
 * `"10s"`), validated like environment values.
 */
export type PartialConfig = PartialOf<Schema>;

/** True for a leaf of the schema tree. */
export function isSetting(node: unknown): node is Setting<unknown> {
  return typeof (node as Setting<unknown>).parse === 'function';
}

/** Every setting by its dotted path (`server.port`), in schema order. */
export const SETTINGS: ReadonlyMap<string, Setting<unknown>> = (() => {
  const all = new Map<string, Setting<unknown>>();
  const walk = (node: { [key: string]: SchemaNode }, prefix: string) => {
    for (const [key, child] of Object.entries(node)) {
      if (isSetting(child)) all.set(prefix + key, child);
      else walk(child, `${prefix}${key}.`);
    }
  };
  walk(schema as { [key: string]: SchemaNode }, '');
  return all;
})();
