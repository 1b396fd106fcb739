// Reads a request body within a byte limit and parses it by media type (JSON, urlencoded; more parsers can be added).
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';
import { locateDeepNesting, locateJsonError } from '../lib/json-error.ts';
import type { Context } from './context.ts';

/** Turns the raw bytes of a body with a known media type into a value. */
export type BodyParser = (raw: Buffer, contentType: ParsedContentType) => unknown;

export interface ParsedContentType {
  mediaType: string;
  params: Record<string, string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses `type/subtype; a=b; c="d"` (lower-cased type and parameter names). */
export function parseContentType(header: string): ParsedContentType {
  const parts = header.split(';');
  const params: Record<string, string> = Object.create(null);
  for (let i = 1; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq === -1) continue;
    const value = parts[i].slice(eq + 1).trim();
    params[parts[i].slice(0, eq).trim().toLowerCase()] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return { mediaType: parts[0].trim().toLowerCase(), params };
}

/** Reads the whole body; 413 as soon as the declared or received size passes `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const onAborted = () => { cleanup(); reject(new HttpError(400, 'body_incomplete', 'The request body ended before its declared length')); };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** The 413 for a body above `limit` bytes. */
export function tooLarge(limit: number): HttpError {
  // The connection cannot be reused: the rest of the body is never read.
  return new HttpError(413, 'body_too_large', `The request body is larger than the limit of ${limit} bytes`, { headers: { connection: 'close' } });
}

/** The bytes as UTF-8 text; 400 `invalid_encoding` when they are not UTF-8. */
export function decodeUtf8(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new HttpError(400, 'invalid_encoding', 'The request body is not valid UTF-8');
  }
}

function checkCharset(type: ParsedContentType): void {
  const charset = type.params.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(415, 'unsupported_charset', `Charset "${type.params.charset}" is not supported; send UTF-8`);
  }
}

// JSON.parse takes any nesting, but what handles the value next recurses (JSON.stringify of a reply, type checks):
// past a few thousand levels that overflows the stack, a 500. No real document nests this deep.
const MAX_JSON_DEPTH = 512;

/** JSON (RFC 8259: UTF-8). Malformed input is a 400 naming the line and column. */
export const parseJsonBody: BodyParser = (raw, type) => {
  checkCharset(type);
  const text = decodeUtf8(raw);
  if (text.trim() === '') throw new HttpError(400, 'malformed_json', 'The request body is empty; expected a JSON document');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const where = locateJsonError(text);
    // JSON.parse and the locator agree on RFC 8259; the fallback only guards against a disagreement.
    const detail = where ? `Malformed JSON at line ${where.line}, column ${where.column}: ${where.message}` : 'Malformed JSON';
    throw new HttpError(400, 'malformed_json', detail);
  }
  const deep = locateDeepNesting(text, MAX_JSON_DEPTH);
  if (deep !== null) throw new HttpError(400, 'malformed_json', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels at line ${deep.line}, column ${deep.column}`);
  return value;
};

/** `a=1&b=2&b=3` → `{a: "1", b: ["2", "3"]}` (a null-prototype object, so any key is safe). */
export const parseUrlencodedBody: BodyParser = (raw, type) => {
  checkCharset(type);
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(decodeUtf8(raw))) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
};

/** The parsers `ctx.body()` knows, by media type; `+json` suffixes use the JSON parser. */
export function defaultBodyParsers(): Map<string, BodyParser> {
  return new Map([
    ['application/json', parseJsonBody],
    ['application/x-www-form-urlencoded', parseUrlencodedBody],
  ]);
}

/** False when the request declares no body: no Transfer-Encoding and no or a zero Content-Length. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Reads and parses a request body; `undefined` when there is none. */
export async function parseBody(req: IncomingMessage, limit: number, parsers: Map<string, BodyParser>): Promise<unknown> {
  const header = req.headers['content-type'];
  // No body at all, or an empty one with no type: nothing to parse. An empty body *with* a type is parsed (an empty
  // JSON document is an error, an empty form is {}).
  if (!hasBody(req) && header === undefined) return undefined;
  if (header === undefined) {
    throw new HttpError(415, 'unsupported_media_type', `A request body needs a Content-Type; supported: ${[...parsers.keys()].join(', ')}`);
  }
  const type = parseContentType(header);
  const parser = parsers.get(type.mediaType) ?? (type.mediaType.endsWith('+json') ? parsers.get('application/json') : undefined);
  if (parser === undefined) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Type "${type.mediaType}" is not supported; supported: ${[...parsers.keys()].join(', ')}`);
  }
  return parser(await readBody(req, limit), type);
}

/** The JSON object of a request: 415 `invalid_content_type` for another content type, 400 for anything but an object. */
export async function readJsonObject(ctx: Context): Promise<Record<string, unknown>> {
  if (parseContentType(ctx.req.headers['content-type'] ?? '').mediaType !== 'application/json') {
    throw new HttpError(415, 'invalid_content_type', 'Send the request body as application/json');
  }
  const body = await ctx.body();
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid_input', 'The body must be a JSON object');
  return body as Record<string, unknown>;
}
