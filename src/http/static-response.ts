// Writes a static file's response: the variant (by Accept-Encoding, or the plain file for a Range), conditional
// requests (If-None-Match, If-Modified-Since → 304), ranges (If-Range, 206, 416), the headers, and the bytes — from
// memory, or streamed from one open file whose own stat gives the headers.
import { open } from 'node:fs/promises';
import { constants, type BigIntStats } from 'node:fs';
import { hash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Context } from './context.ts';
import { HttpError, shorten } from './errors.ts';
import { notFound } from './dispatch.ts';
import { chooseEncoding, type Coding } from '../lib/accept-encoding.ts';
import { parseRange } from '../lib/byte-range.ts';
import { noneMatch } from '../lib/etag.ts';

/** The route label (metrics, request log) of requests the static server answered: file paths never become labels. */
export const STATIC_ROUTE = '(static)';

/**
 * Flag for opening a resolved real path: a symlink put in its place since it was checked is refused, not followed
 * (0 where the platform has no O_NOFOLLOW).
 */
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** One stored form of a file: the plain file or a precompressed sibling. */
export interface Variant {
  coding: Coding;
  /** Real path (symlinks resolved, checked to lie inside the root). */
  file: string;
  size: number;
  mtimeNs: bigint;
  ino: bigint;
  etag: string;
  lastModified: string;
  /** Whole seconds of the modification time, what Last-Modified and If-Modified-Since compare. */
  mtimeSeconds: number;
  /** The bytes, when the file is small enough to be held in memory; else it is streamed from disk. */
  body: Buffer | null;
}

export interface FileEntry {
  kind: 'file';
  contentType: string;
  cacheControl: string;
  identity: Variant;
  br: Variant | null;
  gzip: Variant | null;
  /** `Accept-Encoding` when a compressed variant exists (responses then differ by it), else null. */
  vary: string | null;
  checkedAt: number;
}

/** True when `stats` still describe the file `v` was made from. */
export function sameFile(v: Variant, stats: BigIntStats): boolean {
  return v.size === Number(stats.size) && v.mtimeNs === stats.mtimeNs && v.ino === stats.ino;
}

/** A variant of `file` from its stat, with its bytes when they are held in memory. */
export function describe(coding: Coding, file: string, stats: BigIntStats, body: Buffer | null): Variant {
  const size = Number(stats.size);
  const mtimeMs = Number(stats.mtimeNs / 1_000_000n);
  // Strong validators: a hash of the bytes when they are in memory (the same bytes keep their tag across deploys),
  // else inode, size and nanosecond mtime (a changed file gets a new mtime, a replaced one a new inode). The coding
  // is part of either, so no two variants share a tag.
  const tag = body !== null
    ? hash('sha256', body, 'base64url').slice(0, 22)
    : `${stats.ino.toString(36)}-${size.toString(36)}-${stats.mtimeNs.toString(36)}`;
  return {
    coding,
    file,
    size,
    mtimeNs: stats.mtimeNs,
    ino: stats.ino,
    etag: `"${tag}${coding === 'identity' ? '' : '-' + coding}"`,
    lastModified: new Date(mtimeMs).toUTCString(),
    mtimeSeconds: Math.floor(mtimeMs / 1000),
    body,
  };
}

/**
 * Answers with `entry`: the variant negotiated by Accept-Encoding — or, for a GET with Range, the plain file, whole or
 * ranged (ranges are offsets into the plain bytes; a client resuming a compressed download gets a whole 200 through
 * If-Range, as the plain file's tag differs) — then If-None-Match / If-Modified-Since (304), If-Range and Range.
 */
export function sendFile(ctx: Context, entry: FileEntry, varyAlso: string | null): void | Promise<void> {
  const headers = ctx.req.headers;
  const ranged = ctx.method === 'GET' && headers.range !== undefined;
  const variant = ranged ? entry.identity : pick(entry, chooseEncoding(headers['accept-encoding'], { br: entry.br !== null, gzip: entry.gzip !== null }));
  ctx.route = STATIC_ROUTE;
  if (variant.body !== null) return reply(ctx, entry, variant, varyAlso, ranged);
  return stream(ctx, entry, variant, varyAlso, ranged);
}

function pick(entry: FileEntry, coding: Coding): Variant {
  return coding === 'br' ? entry.br! : coding === 'gzip' ? entry.gzip! : entry.identity;
}

/** The response headers of `variant` that every status shares (200, 206, 304). */
function commonHeaders(entry: FileEntry, variant: Variant, varyAlso: string | null): Record<string, string> {
  const out: Record<string, string> = {
    // Also on a 304: caches merge its headers into the stored response, and the content type is what selects the
    // security headers (a 304 of a page must carry the page's CSP, not the one of API responses).
    'content-type': entry.contentType,
    etag: variant.etag,
    'last-modified': variant.lastModified,
    'cache-control': entry.cacheControl,
  };
  const vary = entry.vary === null ? varyAlso : varyAlso === null ? entry.vary : `${entry.vary}, ${varyAlso}`;
  if (vary !== null) out.vary = vary;
  if (variant.coding !== 'identity') out['content-encoding'] = variant.coding;
  return out;
}

/** A byte range to send (inclusive offsets); null for the whole file. */
type Span = { start: number; end: number } | null;

/**
 * What to send of `variant`: 304 (returns 'not-modified'), the whole, or a span; throws 416 for a range past the end.
 * If-None-Match (weak comparison, RFC 9110 §13.1.2) wins over If-Modified-Since; If-Range (strong comparison, or the
 * exact Last-Modified date) gates Range.
 */
function decide(ctx: Context, variant: Variant, ranged: boolean): Span | 'not-modified' {
  const h = ctx.req.headers;
  const inm = h['if-none-match'];
  if (inm !== undefined) {
    if (noneMatch(inm, variant.etag)) return 'not-modified';
  } else {
    const ims = h['if-modified-since'];
    if (ims !== undefined) {
      const since = Date.parse(ims);
      if (!Number.isNaN(since) && variant.mtimeSeconds <= Math.floor(since / 1000)) return 'not-modified';
    }
  }
  if (!ranged) return null;
  const ifRange = h['if-range'];
  if (ifRange !== undefined) {
    const value = String(ifRange).trim();
    const holds = value.startsWith('"') ? value === variant.etag : value.startsWith('W/') ? false : Date.parse(value) === variant.mtimeSeconds * 1000;
    if (!holds) return null;
  }
  const range = parseRange(h.range!, variant.size);
  if (range === 'unsatisfiable') {
    throw new HttpError(416, 'range_not_satisfiable', `Range "${shorten(h.range!)}" is outside the file's ${variant.size} bytes`, {
      headers: { 'content-range': `bytes */${variant.size}` },
    });
  }
  return range;
}

function reply(ctx: Context, entry: FileEntry, variant: Variant, varyAlso: string | null, ranged: boolean): void {
  const span = decide(ctx, variant, ranged);
  const headers = commonHeaders(entry, variant, varyAlso);
  if (span === 'not-modified') return ctx.empty(304, headers);
  const body = variant.body!;
  headers['accept-ranges'] = 'bytes';
  const part = span === null ? body : body.subarray(span.start, span.end + 1);
  if (span !== null) headers['content-range'] = `bytes ${span.start}-${span.end}/${variant.size}`;
  headers['content-length'] = String(part.length);
  ctx.writeHead(span === null ? 200 : 206, headers);
  if (ctx.method === 'HEAD') ctx.res.end();
  else {
    ctx.responseBytes = part.length;
    ctx.res.end(part);
  }
}

/**
 * Opens the file once and streams it: the stat of the open file gives the headers, so they describe the bytes
 * sent even if the file was replaced since the entry was read.
 */
async function stream(ctx: Context, entry: FileEntry, known: Variant, varyAlso: string | null, ranged: boolean): Promise<void> {
  let handle;
  try {
    handle = await open(known.file, constants.O_RDONLY | O_NOFOLLOW);
  } catch {
    throw notFound(ctx); // gone since the entry was read
  }
  let streaming = false;
  try {
    const stats = await handle.stat({ bigint: true });
    const variant = sameFile(known, stats) ? known : describe(known.coding, known.file, stats, null);
    const span = decide(ctx, variant, ranged);
    const headers = commonHeaders(entry, variant, varyAlso);
    if (span === 'not-modified') return ctx.empty(304, headers);
    headers['accept-ranges'] = 'bytes';
    const start = span === null ? 0 : span.start;
    const end = span === null ? variant.size - 1 : span.end;
    if (span !== null) headers['content-range'] = `bytes ${start}-${end}/${variant.size}`;
    headers['content-length'] = String(end - start + 1);
    // The client may have gone while the file was opened: then nothing is written and the file is closed below.
    if (ctx.res.destroyed) return;
    ctx.writeHead(span === null ? 200 : 206, headers);
    if (ctx.method === 'HEAD' || end < start) {
      ctx.res.end();
      return;
    }
    const body = handle.createReadStream({ start, end, autoClose: true });
    streaming = true; // the stream owns the handle now, and closes it however it ends
    try {
      await pipeline(body, ctx.res);
      // A file cut short while it was read ended the body early: the client must not wait for the promised rest.
      if (body.bytesRead < end - start + 1) ctx.req.socket.destroy();
    } catch (err) {
      body.destroy();
      ctx.res.destroy();
      // A client that hung up is not a failure; a read that failed is (the head is sent: the cut response says so).
      if (!(err as NodeJS.ErrnoException).code?.startsWith('ERR_STREAM_')) {
        ctx.shared.log.warn('Static file read failed', { request_id: ctx.id, file: variant.file, err });
      }
    }
  } finally {
    if (!streaming) await handle.close();
  }
}
