// Reads the body of a request to a declared endpoint by its Content-Type: JSON (an object of parameters),
// urlencoded, or multipart (files spooled to a temp dir and removed once the response is done).
import type { Context } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { hasBody, parseContentType } from '../http/body.ts';
import { boundaryOf, MultipartError, parseMultipart, type MultipartFile } from '../lib/multipart.ts';
import type { Logger } from '../log/logger.ts';

export interface BodySettings {
  maxFileBytes: number;
  maxParts: number;
  maxFieldBytes: number;
  /** Where multipart files are spooled. */
  tmpDir: string;
  /**
   * Largest JSON or urlencoded body, for services whose route limit is an upload's (their text parameters need far
   * less); null: the route's limit.
   */
  textLimit: number | null;
  log: Logger;
}

export type RequestBody =
  | { kind: 'json'; value: Record<string, unknown> }
  | { kind: 'form'; value: Record<string, string | string[]> }
  | { kind: 'multipart'; texts: Map<string, string[]>; files: Map<string, MultipartFile[]> };

const SUPPORTED = 'application/json, application/x-www-form-urlencoded or multipart/form-data';

/** The request's body parameters, or null when it has no body. */
export async function readRequestBody(ctx: Context, settings: BodySettings): Promise<RequestBody | null> {
  const header = ctx.req.headers['content-type'];
  if (!hasBody(ctx.req)) return null;
  if (header === undefined) throw new HttpError(415, 'unsupported_media_type', `A request body needs a Content-Type; send ${SUPPORTED}`);
  const type = parseContentType(header);
  const media = type.mediaType;
  if (media === 'multipart/form-data') return readMultipart(ctx, header, settings);
  if (media === 'application/json' || media.endsWith('+json')) {
    if (settings.textLimit !== null) ctx.bodyLimit = Math.min(ctx.bodyLimit, settings.textLimit);
    const value = await ctx.body();
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
      throw new HttpError(400, 'invalid_body', `The JSON body must be an object of parameters, got ${got}`);
    }
    return { kind: 'json', value: value as Record<string, unknown> };
  }
  if (media === 'application/x-www-form-urlencoded') {
    if (settings.textLimit !== null) ctx.bodyLimit = Math.min(ctx.bodyLimit, settings.textLimit);
    return { kind: 'form', value: (await ctx.body()) as Record<string, string | string[]> };
  }
  throw new HttpError(415, 'unsupported_media_type', `Content-Type "${media}" is not supported; send ${SUPPORTED}`);
}

/**
 * A parser error as the response: its status and code; the connection closes, since the rest is left unread. A
 * client that went away mid-body is not the server's failure either.
 */
function multipartProblem(ctx: Context, err: unknown): unknown {
  if (err instanceof MultipartError) return new HttpError(err.status, err.code, err.message, { headers: { connection: 'close' } });
  if (ctx.req.readableAborted || ctx.req.destroyed) return new HttpError(400, 'body_incomplete', 'The request body ended before it was complete');
  return err;
}

async function readMultipart(ctx: Context, header: string, settings: BodySettings): Promise<RequestBody> {
  let result;
  try {
    const boundary = boundaryOf(header);
    result = await parseMultipart(ctx.req, boundary, {
      maxParts: settings.maxParts,
      maxFieldBytes: Math.min(settings.maxFieldBytes, ctx.bodyLimit),
      maxFileBytes: Math.min(settings.maxFileBytes, ctx.bodyLimit),
      // Content-Length was checked against it by routing; a chunked body is cut here.
      maxTotalBytes: ctx.bodyLimit,
    }, { tmpDir: settings.tmpDir });
  } catch (err) {
    throw multipartProblem(ctx, err);
  }
  const cleanup = () => {
    result.cleanup().catch((err: unknown) => settings.log.warn('Could not remove uploaded temp files', { request_id: ctx.id, err }));
  };
  if (ctx.res.closed) cleanup();
  else ctx.res.once('close', cleanup);
  const texts = new Map<string, string[]>();
  for (const field of result.fields) {
    const list = texts.get(field.name);
    if (list === undefined) texts.set(field.name, [field.value]);
    else list.push(field.value);
  }
  const files = new Map<string, MultipartFile[]>();
  for (const file of result.files) {
    const list = files.get(file.name);
    if (list === undefined) files.set(file.name, [file]);
    else list.push(file);
  }
  return { kind: 'multipart', texts, files };
}
