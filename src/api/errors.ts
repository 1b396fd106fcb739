// ApiError: the error declared endpoints throw, with aicra's catalogue of codes mapped to HTTP statuses (fixed where
// aicra mapped them oddly) plus any code an app defines with its own status; rendered as problem+json.
import { HttpError, type FieldError } from '../http/errors.ts';

/** The built-in codes and their statuses (aicra's errors, snake_case, with monolite's statuses). */
export const API_ERRORS = {
  failure: { status: 500, detail: 'It failed' },
  not_found: { status: 404, detail: 'Not found' },
  already_exists: { status: 409, detail: 'It already exists' },
  conflict: { status: 409, detail: 'Conflict with the current state of the resource' },
  create_failed: { status: 500, detail: 'Could not create it' },
  update_failed: { status: 500, detail: 'Could not update it' },
  delete_failed: { status: 500, detail: 'Could not delete it' },
  transaction_failed: { status: 500, detail: 'The transaction failed' },
  unknown_service: { status: 404, detail: 'No such service' },
  not_implemented: { status: 501, detail: 'Not implemented' },
  unauthorized: { status: 401, detail: 'Unauthorized' },
  forbidden: { status: 403, detail: 'Forbidden' },
  missing_param: { status: 400, detail: 'Missing parameter' },
  invalid_param: { status: 400, detail: 'Invalid parameter' },
  invalid_output: { status: 500, detail: 'The service answered with output that does not match its definition' },
  body_too_large: { status: 413, detail: 'The request body is too large' },
} as const satisfies Record<string, { status: number; detail: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorOptions {
  /** Per-field problems (`{field, code, message}`), listed in the problem document's `errors`. */
  errors?: FieldError[];
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/**
 * `throw new ApiError('not_found', 'No article 7')`: a catalogue code with its status, or an app's own code with
 * `{ status }` (`new ApiError('quota_exceeded', 'Monthly quota used up', { status: 429 })`).
 */
export class ApiError extends HttpError {
  override name = 'ApiError';

  constructor(code: ApiErrorCode, detail?: string, options?: ApiErrorOptions);
  constructor(code: string, detail: string | undefined, options: ApiErrorOptions & { status: number });
  constructor(code: string, detail?: string, options: ApiErrorOptions & { status?: number } = {}) {
    const known = Object.hasOwn(API_ERRORS, code) ? API_ERRORS[code as ApiErrorCode] : undefined;
    const status = options.status ?? known?.status;
    if (status === undefined) throw new TypeError(`ApiError code "${code}" is not in the catalogue; pass { status } for an app-defined code`);
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`ApiError status ${status} of "${code}" is not an error status (400–599)`);
    super(status, code, detail ?? known?.detail ?? 'Error', { errors: options.errors, headers: options.headers });
  }
}

/**
 * What a handler threw, as the error to render: HttpErrors (ApiError included) as they are; any object with a
 * numeric `status` (400–599) and a string `code` with that status and code; null for anything else (a 500 whose
 * details stay in the log).
 */
export function thrownByHandler(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (typeof err !== 'object' || err === null) return null;
  const { status, code, message, errors } = err as { status?: unknown; code?: unknown; message?: unknown; errors?: unknown };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) return null;
  if (typeof code !== 'string' || code === '') return null;
  const fieldErrors = Array.isArray(errors) && errors.every(isFieldError) ? (errors as FieldError[]) : undefined;
  return new HttpError(status, code, typeof message === 'string' && message !== '' ? message : code.replaceAll('_', ' '), { errors: fieldErrors });
}

function isFieldError(e: unknown): boolean {
  const f = e as FieldError;
  return typeof f === 'object' && f !== null && typeof f.field === 'string' && typeof f.code === 'string' && typeof f.message === 'string';
}
