// The per-request context handed to middleware and handlers: request facts, lazily parsed query and body, the
// client IP, and the response helpers (JSON, raw bytes, problem+json).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { HttpError, problemBody, PROBLEM_CONTENT_TYPE } from './errors.ts';
import { parseBody, readBody, type BodyParser } from './body.ts';
import type { ClientIpResolver } from './client-ip.ts';
import type { Logger } from '../log/logger.ts';

export type Handler = (ctx: Context) => void | Promise<void>;

/**
 * Headers every response gets unless its handler set them: one flat `[name, value, …]` list for HTML responses, one
 * for everything else (JSON, problems, bytes), and HSTS for responses on TLS connections (src/middleware/security-headers.ts).
 */
export interface DefaultHeaders {
  html: string[];
  other: string[];
  tls: string[];
}

/** What every context of one server shares; built once at startup, updated in place by a config reload. */
export interface ContextShared {
  bodyLimit: number;
  bodyParsers: Map<string, BodyParser>;
  clientIp: ClientIpResolver;
  log: Logger;
  defaultHeaders: DefaultHeaders;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const EMPTY_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

// Request ids: a per-process random prefix and a counter — unique, cheap, and sortable within one process.
const idPrefix = randomBytes(6).toString('base64url');
let idCounter = 0;

/** A fresh request id (also used for responses the server writes before any Context exists). */
export function newRequestId(): string {
  return idPrefix + '-' + (++idCounter).toString(36);
}

export class Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly shared: ContextShared;
  /** Carried by the `X-Request-Id` response header and every log line about this request. */
  readonly id: string;
  readonly method: string;
  /** The raw (still percent-encoded) path, without the query. */
  readonly path: string;
  /** The raw query string, without `?` ('' when absent). */
  readonly rawQuery: string;
  /** Route parameters, percent-decoded. */
  params: Record<string, string> = EMPTY_PARAMS;
  /** The registered pattern that matched (`/users/:id`), for metrics and logs; '' before routing. */
  route = '';
  /** Largest body `body()`/`rawBody()` accept (413 above): the server's, or a path's or route's own. */
  bodyLimit: number;
  /** Body bytes of a response sent whole (send/json/problem), for logs; null for streamed ones. */
  responseBytes: number | null = null;
  /** Set by authentication. */
  user: unknown = null;
  claims: Record<string, unknown> | null = null;
  /**
   * A presented token that failed verification: thrown (401) once routing has found the route, so that an unknown
   * path still answers 404 and a wrong method 405. Middleware after authentication sees the request as anonymous.
   */
  authError: HttpError | null = null;
  #query: URLSearchParams | undefined;
  #ip: string | undefined;
  #body: Promise<unknown> | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, shared: ContextShared) {
    this.req = req;
    this.res = res;
    this.shared = shared;
    this.id = newRequestId();
    this.bodyLimit = shared.bodyLimit;
    this.method = req.method ?? 'GET';
    let url = req.url ?? '/';
    if (url.charCodeAt(0) !== 47 /* / */) url = originForm(url);
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.rawQuery = q === -1 ? '' : url.slice(q + 1);
  }

  /** The query string parsed on first use. */
  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.rawQuery));
  }

  /** The client address (the peer, or a trusted proxy's forwarded address). */
  get ip(): string {
    return (this.#ip ??= this.shared.clientIp(this.req));
  }

  /** The parsed body (JSON or urlencoded), read once within the configured limit; undefined when there is none. */
  body(): Promise<unknown> {
    return (this.#body ??= parseBody(this.req, this.bodyLimit, this.shared.bodyParsers));
  }

  /** The raw body bytes within the configured limit. */
  rawBody(): Promise<Buffer> {
    return readBody(this.req, this.bodyLimit);
  }

  /** Sends `value` as JSON with `status`. */
  json(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value), JSON_TYPE);
  }

  /** Sends a complete body. */
  send(status: number, body: string | Buffer, contentType: string, headers?: Record<string, string>): void {
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    this.responseBytes = length;
    const res = this.res;
    if (res.getHeaderNames().length === 0) {
      // The hot path: one writeHead with a flat list, no per-header setHeader validation and bookkeeping. The
      // handler's headers win over the defaults (compared in lower case, as HTTP names are), never over the length.
      const flat = ['x-request-id', this.id, 'content-type', contentType, 'content-length', String(length)];
      let own: string[] | null = null;
      if (headers !== undefined) {
        own = [];
        for (const name in headers) {
          const lower = name.toLowerCase();
          if (lower === 'content-type' || lower === 'content-length') continue;
          if (lower === 'x-request-id') flat[1] = headers[name];
          else flat.push(name, headers[name]);
          own.push(lower);
        }
      }
      const defaults = this.#defaultHeaders(contentType);
      for (let i = 0; i < defaults.length; i += 2) if (own === null || !own.includes(defaults[i])) flat.push(defaults[i], defaults[i + 1]);
      const tls = this.shared.defaultHeaders.tls;
      if (tls.length > 0 && (this.req.socket as { encrypted?: boolean }).encrypted && (own === null || !own.includes(tls[0]))) flat.push(tls[0], tls[1]);
      res.writeHead(status, flat);
    } else {
      this.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(length) });
    }
    res.end(body);
  }

  /** Sends a status with no body (204, 304, redirects). */
  empty(status: number, headers?: Record<string, string>): void {
    this.writeHead(status, headers);
    this.res.end();
  }

  /**
   * Writes the status line and headers (plus `X-Request-Id`) for a response whose body the caller streams.
   * Every response goes through here or through send/json/empty/problem, which is what puts the request id on all.
   */
  writeHead(status: number, headers?: Record<string, string | number>): void {
    const res = this.res;
    res.setHeader('x-request-id', this.id);
    if (headers !== undefined) for (const name in headers) res.setHeader(name, headers[name]);
    const type = res.getHeader('content-type');
    const defaults = this.#defaultHeaders(typeof type === 'string' ? type : '');
    for (let i = 0; i < defaults.length; i += 2) if (!res.hasHeader(defaults[i])) res.setHeader(defaults[i], defaults[i + 1]);
    const tls = this.shared.defaultHeaders.tls;
    if (tls.length > 0 && (this.req.socket as { encrypted?: boolean }).encrypted && !res.hasHeader(tls[0])) res.setHeader(tls[0], tls[1]);
    res.writeHead(status);
  }

  #defaultHeaders(contentType: string): string[] {
    return contentType.startsWith('text/html') ? this.shared.defaultHeaders.html : this.shared.defaultHeaders.other;
  }

  /**
   * Renders `err` as problem+json. An HttpError is shown as it is; anything else is logged with the request id and
   * answered 500 `internal` with no detail of its own (no stack, no SQL) — or 507 `insufficient_storage` when the
   * disk is full (SQLite's SQLITE_FULL, or ENOSPC), which the client may retry later.
   */
  problem(err: unknown): void {
    let http: HttpError;
    if (err instanceof HttpError) http = err;
    else {
      this.shared.log.error('Unhandled error', { request_id: this.id, method: this.method, path: this.path, err });
      http = isDiskFull(err)
        ? new HttpError(507, 'insufficient_storage', `The server is out of storage space; try again later (request id ${this.id})`)
        : new HttpError(500, 'internal', `Internal server error; the log has the details under request id ${this.id}`);
    }
    const res = this.res;
    if (res.headersSent) {
      // Too late for a problem document: cut the response so the client sees it failed, not a truncated success.
      res.destroy();
      return;
    }
    // What a handler set for the success it did not deliver (caching, cookies, its own headers) must not ride on the
    // error; what middleware set for every response (CORS, security headers, connection) stays.
    for (const name of res.getHeaderNames()) if (!keptOnError(name)) res.removeHeader(name);
    this.send(http.status, problemBody(http), PROBLEM_CONTENT_TYPE, http.headers);
  }
}

/** SQLITE_FULL (13, any extended code) from node:sqlite, or ENOSPC from the file system. */
function isDiskFull(err: unknown): boolean {
  const e = err as { errcode?: unknown; code?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  return (typeof e.errcode === 'number' && (e.errcode & 0xff) === 13) || e.code === 'ENOSPC';
}

const KEPT_ON_ERROR = new Set([
  'connection', 'vary', 'strict-transport-security', 'content-security-policy', 'x-content-type-options',
  'x-frame-options', 'referrer-policy', 'permissions-policy',
]);

function keptOnError(name: string): boolean {
  return KEPT_ON_ERROR.has(name) || name.startsWith('access-control-') || name.startsWith('cross-origin-');
}

/** `http://host/p?q` (absolute-form, RFC 9112 §3.2.2) → `/p?q`; `*` and other forms become an unroutable path. */
function originForm(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  if (m === null) return url;
  const rest = url.slice(m[0].length);
  return rest === '' || rest[0] === '?' ? '/' + rest : rest;
}
