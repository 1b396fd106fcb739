// The static file server: answers GET and HEAD from one folder with MIME types, index.html, precompressed .br/.gz
// variants chosen by Accept-Encoding, strong ETags and Last-Modified (304), single byte ranges (206/416), caching by
// file name, and an optional SPA fallback. Paths are checked before the filesystem is touched, and again after it.
import { open, realpath, stat } from 'node:fs/promises';
import { constants, realpathSync, type BigIntStats } from 'node:fs';
import { join, sep } from 'node:path';
import type { Context, Handler } from './context.ts';
import { HttpError, shorten } from './errors.ts';
import { notFound } from './dispatch.ts';
import { contentTypeFor } from '../lib/mime.ts';
import type { Coding } from '../lib/accept-encoding.ts';
import { describe, O_NOFOLLOW, sameFile, sendFile, type FileEntry, type Variant } from './static-response.ts';

export { STATIC_ROUTE } from './static-response.ts';

export interface StaticOptions {
  /** The folder served; it must exist. */
  root: string;
  /** Unknown GET/HEAD paths outside /api/ whose Accept lists text/html get the root index.html (single-page apps). */
  spaFallback?: boolean;
  /** Files up to this many bytes are held in memory and sent from there (default 256 KiB; 0: none). */
  memoryFileBytes?: number;
  /** At most this many bytes of files are held in memory; later files are streamed from disk (default 32 MiB). */
  memoryTotalBytes?: number;
  /** How long what is known of a path (its files, their stat and bytes) is trusted before it is checked again (ms). */
  revalidateMs?: number;
}

/**
 * A handler serving `options.root`; throws the router's 404 (`not_found`) for what it does not serve. Throws an
 * Error at once when the root cannot be resolved.
 */
export function serveStatic(options: StaticOptions): Handler {
  return new StaticFiles(options).handler;
}

interface DirEntry {
  kind: 'dir';
  checkedAt: number;
}

type Entry = FileEntry | DirEntry;

const IMMUTABLE = 'public, max-age=31536000, immutable';
// Everything without a content hash in its name may change under the same URL, HTML above all: the browser keeps it
// but asks each time, and the ETag makes that a 304 with no body. A max-age on /sdk/monolite.js or /favicon.ico would
// leave users with the old file after an upgrade, for as long as the max-age.
const REVALIDATE = 'no-cache';
// A path with nothing to decode and no backslash or control character (the common case of relativePath).
const PLAIN_PATH = /^[^%\\\x00-\x1f\x7f]*$/;
// `<stem>.<8–16 lowercase hex>.<ext>`: what the asset pipeline writes (`name.<10 hex>.ext`) and common bundlers too.
const HASHED_NAME = /^[^/]+\.[0-9a-f]{8,16}\.[A-Za-z0-9]+$/;

class StaticFiles {
  readonly #root: string;
  readonly #spa: boolean;
  readonly #memoryFileBytes: number;
  readonly #memoryTotalBytes: number;
  readonly #revalidateMs: number;
  #memoryBytes = 0;
  // Keyed by the decoded relative path; only paths that exist get an entry, so the map is bounded by the folder's
  // contents, not by what clients ask for.
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Entry | null>>();

  constructor(options: StaticOptions) {
    this.#root = realpathSync(options.root);
    this.#spa = options.spaFallback ?? false;
    // Small files are sent from memory: for the 10 KB bench asset that cost ~60 µs of CPU per request (full pipeline)
    // against ~300 µs when each request opened, read and closed the file, at 64 connections. Larger files are
    // streamed, so memory stays bounded by the budget below, not by what the folder holds.
    this.#memoryFileBytes = options.memoryFileBytes ?? 256 * 1024;
    this.#memoryTotalBytes = options.memoryTotalBytes ?? 32 * 1024 * 1024;
    // One second: edits show at the next request after it, and a busy file costs no syscall in between. The check is
    // a realpath and a stat of the file and of each variant; made on every request it cost 5× the CPU per request
    // with one client at a time (~340 µs against ~65 µs for the 10 KB bench asset, full pipeline), 1.5× with eight.
    this.#revalidateMs = options.revalidateMs ?? 1000;
  }

  readonly handler: Handler = (ctx) => {
    const method = ctx.method;
    if (method !== 'GET' && method !== 'HEAD') {
      throw new HttpError(405, 'method_not_allowed', `Method ${method} is not allowed on static files; allowed: GET, HEAD`, { headers: { allow: 'GET, HEAD' } });
    }
    const rel = relativePath(ctx.path);
    if (rel === null) throw notFound(ctx);
    // Trailing slash: the folder's index.html. The root is '' (path '/').
    const key = rel === '' || rel.endsWith('/') ? rel + 'index.html' : rel;
    if (isApiPath(key)) throw notFound(ctx);
    const entry = this.#lookup(key);
    return entry instanceof Promise ? entry.then((loaded) => this.#answer(ctx, key, loaded)) : this.#answer(ctx, key, entry);
  };

  /** What is known of `key` while it is fresh, else a read of it from disk. */
  #lookup(key: string): Entry | null | Promise<Entry | null> {
    const entry = this.#entries.get(key);
    if (entry !== undefined && performance.now() - entry.checkedAt < this.#revalidateMs) return entry;
    return this.#load(key);
  }

  #answer(ctx: Context, key: string, entry: Entry | null): void | Promise<void> {
    if (entry !== null && entry.kind === 'file') return sendFile(ctx, entry, null);
    if (entry !== null) {
      if (ctx.path.endsWith('/')) throw notFound(ctx); // `dir/` whose index.html is itself a folder
      // A folder asked for without its slash: relative links in its index.html resolve against the slash form.
      // The path passed relativePath (no empty segment, no backslash), so the location cannot be `//host` elsewhere.
      ctx.empty(301, { location: ctx.path + '/' + (ctx.rawQuery === '' ? '' : '?' + ctx.rawQuery), 'content-length': '0' });
      return;
    }
    if (this.#spa && acceptsHtml(ctx.req.headers.accept)) {
      const sendIndex = (index: Entry | null): void | Promise<void> => {
        if (index === null || index.kind !== 'file') throw notFound(ctx);
        return sendFile(ctx, index, 'Accept');
      };
      const index = this.#lookup('index.html');
      return index instanceof Promise ? index.then(sendIndex) : sendIndex(index);
    }
    throw notFound(ctx);
  }

  /** The entry for `key`, read from disk; one read at a time per key, whatever the number of waiting requests. */
  #load(key: string): Promise<Entry | null> {
    let pending = this.#loading.get(key);
    if (pending === undefined) {
      pending = this.#read(key).then((entry) => {
        this.#loading.delete(key);
        this.#account(this.#entries.get(key), entry);
        if (entry === null) this.#entries.delete(key);
        else this.#entries.set(key, entry);
        return entry;
      }, (err: unknown) => {
        this.#loading.delete(key);
        throw err;
      });
      this.#loading.set(key, pending);
    }
    return pending;
  }

  async #read(key: string): Promise<Entry | null> {
    const path = join(this.#root, key);
    const found = await this.#resolve(path);
    if (found === null) return null;
    if (found.stats.isDirectory()) return { kind: 'dir', checkedAt: performance.now() };
    const previous = this.#entries.get(key);
    const old = previous?.kind === 'file' ? previous : undefined;
    const [identity, br, gzip] = await Promise.all([
      this.#variant('identity', found, old?.identity),
      this.#resolve(path + '.br').then((f) => (f === null ? null : this.#variant('br', f, old?.br))),
      this.#resolve(path + '.gz').then((f) => (f === null ? null : this.#variant('gzip', f, old?.gzip))),
    ]);
    if (identity === null) return null;
    const base = key.slice(key.lastIndexOf('/') + 1);
    return {
      kind: 'file',
      contentType: contentTypeFor(base),
      cacheControl: HASHED_NAME.test(base) ? IMMUTABLE : REVALIDATE,
      identity,
      br,
      gzip,
      vary: br !== null || gzip !== null ? 'Accept-Encoding' : null,
      checkedAt: performance.now(),
    };
  }

  /**
   * The real path and stat of `path` when it is a regular file or a folder inside the root, reached through no
   * hidden (dot) folder even by a symlink; else null. Symlinks inside the root are followed, ones leaving it are not.
   */
  async #resolve(path: string): Promise<{ file: string; stats: BigIntStats } | null> {
    let file: string;
    let stats: BigIntStats;
    try {
      file = await realpath(path);
      stats = await stat(file, { bigint: true });
    } catch {
      return null; // missing, not a folder on the way (ENOTDIR), a symlink loop, no permission: all a 404
    }
    if (file !== this.#root) {
      if (!file.startsWith(this.#root + sep)) return null;
      for (const segment of file.slice(this.#root.length + 1).split(sep)) if (segment.charCodeAt(0) === 46 /* . */) return null;
    }
    // FIFOs, sockets and devices are refused: reading one could block or never end.
    return stats.isFile() || stats.isDirectory() ? { file, stats } : null;
  }

  /** A variant for a resolved file, reusing `old` (and its bytes) when the file has not changed. */
  async #variant(coding: Coding, found: { file: string; stats: BigIntStats }, old: Variant | null | undefined): Promise<Variant | null> {
    const { file, stats } = found;
    if (!stats.isFile()) return null;
    if (old != null && old.file === file && sameFile(old, stats)) return old;
    const size = Number(stats.size);
    if (size > this.#memoryFileBytes || this.#memoryBytes + size > this.#memoryTotalBytes) return describe(coding, file, stats, null);
    // Bytes and stat from one open file, so that the ETag (a hash of the bytes) and Last-Modified describe what is sent.
    let handle;
    try {
      handle = await open(file, constants.O_RDONLY | O_NOFOLLOW);
    } catch {
      return null;
    }
    try {
      const [fresh, body] = await Promise.all([handle.stat({ bigint: true }), handle.readFile()]);
      if (body.length !== Number(fresh.size)) return describe(coding, file, fresh, null); // written while read: stream it
      return describe(coding, file, fresh, body);
    } finally {
      await handle.close();
    }
  }

  /** Counts the bytes `next` holds in memory and `previous` did not, and gives back those only `previous` held. */
  #account(previous: Entry | undefined, next: Entry | null): void {
    const held = (e: Entry | null | undefined) => (e != null && e.kind === 'file' ? [e.identity, e.br, e.gzip] : []);
    const before = held(previous);
    const after = held(next);
    for (const v of before) if (v !== null && v.body !== null && !after.includes(v)) this.#memoryBytes -= v.body.length;
    for (const v of after) if (v !== null && v.body !== null && !before.includes(v)) this.#memoryBytes += v.body.length;
  }
}

/**
 * The decoded path relative to the root (folders end with '/'), or null when the path is refused before any
 * filesystem access: empty, `.` or `..` segments, hidden names (`.git`, `.env`), and segments whose decoded form holds
 * a slash (`%2F`), a backslash, NUL or another control character. A malformed escape is a 400, as for routes.
 */
function relativePath(raw: string): string | null {
  if (raw.charCodeAt(0) !== 47 /* / */) return null;
  // The common case: nothing to decode, no dot or empty segment, no backslash or control character.
  if (PLAIN_PATH.test(raw) && raw.indexOf('/.') === -1 && raw.indexOf('//') === -1) return raw.slice(1);
  const segments = raw.slice(1).split('/');
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    let segment = segments[i];
    if (segment === '') {
      if (i === last) continue; // a trailing slash
      return null;
    }
    if (segment.indexOf('%') !== -1) {
      // Behind the router this cannot throw (it answers a malformed escape with its own 400 first); the handler may
      // be mounted elsewhere, though.
      try {
        segment = decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, 'bad_path', `Malformed percent-encoding in path "${shorten(raw)}"`);
      }
      segments[i] = segment;
    }
    if (segment.charCodeAt(0) === 46 /* . */) return null;
    for (let c = 0; c < segment.length; c++) {
      const code = segment.charCodeAt(c);
      if (code < 32 || code === 127 || code === 47 /* / */ || code === 92 /* \ */) return null;
    }
  }
  return segments.join('/');
}

/** `/api/` belongs to the routes: an unknown API path stays a problem+json 404, never a file or the SPA page. */
function isApiPath(rel: string): boolean {
  return rel === 'api' || rel.startsWith('api/');
}

/** True when `accept` lists text/html (or text/*) with a non-zero q: a browser navigating, not a script fetching. */
function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const item of accept.split(',')) {
    const semi = item.indexOf(';');
    const type = (semi === -1 ? item : item.slice(0, semi)).trim().toLowerCase();
    if (type !== 'text/html' && type !== 'text/*') continue;
    const q = semi === -1 ? null : /(?:^|;)\s*q\s*=\s*([0-9.]+)/i.exec(item.slice(semi));
    if (q === null || Number(q[1]) > 0) return true;
  }
  return false;
}
