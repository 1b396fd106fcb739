// The configuration schema: every setting of the framework with its type, default and description. Later issues add
// their sections here; the Config type follows from this table.
import { duration, integer, size, string, stringList, type Setting, type SettingValue } from './settings.ts';

export const schema = {
  server: {
    host: string('127.0.0.1', { description: 'Address to listen on; "0.0.0.0" or "::" to accept connections from other machines (containers)' }),
    port: integer(8080, { min: 0, max: 65535 }, { description: 'TCP port to listen on (0 picks a free one)' }),
    headers_timeout: duration('10s', { min: 100, description: 'Time allowed to receive the request headers' }),
    request_timeout: duration('60s', { min: 100, description: 'Time allowed to receive a whole request' }),
    keep_alive_timeout: duration('5s', { description: 'How long an idle keep-alive connection stays open' }),
    max_header_size: size('16KiB', { min: 1024, description: 'Largest request head (431 above it)' }),
    body_limit: size('10MiB', { description: 'Largest request body (413 above it)' }),
    shutdown_timeout: duration('10s', { description: 'On SIGTERM/SIGINT, how long in-flight requests may take before connections are cut' }),
    trusted_proxies: stringList([], { description: 'IPs/CIDRs of reverse proxies whose client_ip_header is believed' }),
    client_ip_header: string('X-Forwarded-For', { description: 'Header carrying the client address when the peer is a trusted proxy (X-Forwarded-For, Forwarded, X-Real-IP…)' }),
    tls_cert: string('', { description: 'PEM certificate file; with tls_key, serve HTTPS' }),
    tls_key: string('', { description: 'PEM private key file' }),
    redirect_http_port: integer(0, { min: 0, max: 65535 }, { description: 'With TLS, a plain HTTP port that redirects to HTTPS (0: none)' }),
    public_dir: string('public', { description: 'Folder of static pages served at /; a relative path is resolved against the project root' }),
  },
  log: {
    level: string('info', { choices: ['debug', 'info', 'warn', 'error'], description: 'Lowest level written' }),
    format: string('auto', { choices: ['auto', 'json', 'pretty'], description: 'auto: pretty on a terminal, JSON lines otherwise' }),
  },
} satisfies Record<string, Record<string, Setting<unknown>>>;

export type Schema = typeof schema;
export type Config = { [S in keyof Schema]: { [K in keyof Schema[S]]: SettingValue<Schema[S][K]> } };
/**
 * Overrides for any subset of settings (command-line flags, tests): typed values or their text form (`"9000"`,
 * `"10s"`), validated like environment values.
 */
export type PartialConfig = { [S in keyof Config]?: { [K in keyof Config[S]]?: Config[S][K] | string } };
