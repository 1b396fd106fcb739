// The one error type handlers throw, and its rendering as RFC 9457 application/problem+json.
// getBuiltinModule, not `import`: the ESM wrapper of node:http loads undici at start (see src/http/server.ts).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** A per-field problem, listed in the problem document's `errors`. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/**
 * An error with an HTTP status and a stable snake_case `code` (clients and tests match on the code, never on the
 * prose in `detail`). `headers` are added to the response (e.g. `Allow`, `Retry-After`).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: string, detail: string, options: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

/** The problem document for `err` (RFC 9457 members plus `code` and, when present, `errors`). */
export function problemBody(err: HttpError): string {
  const doc: Record<string, unknown> = {
    type: 'about:blank',
    title: STATUS_CODES[err.status] ?? 'Error',
    status: err.status,
    code: err.code,
    detail: err.message,
  };
  if (err.errors !== undefined && err.errors.length > 0) doc.errors = err.errors;
  return JSON.stringify(doc);
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** `text` cut to 200 characters (an ellipsis marks the cut), for quoting a request's path or header in a detail. */
export function shorten(text: string): string {
  return text.length > 200 ? text.slice(0, 200) + '…' : text;
}
