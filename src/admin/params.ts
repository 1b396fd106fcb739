// The inputs of the admin API checked in one way: query parameters and path ids (400 `invalid_input` naming the
// parameter and what was expected), and JSON object bodies (415 for another type, 400 for anything but an object).
import type { Context } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';

/** A 400 `invalid_input` about one input, listed in the problem's `errors` too. */
export function invalidInput(field: string, message: string): HttpError {
  return new HttpError(400, 'invalid_input', message, { errors: [{ field, code: 'invalid', message }] });
}

/** Refuses query parameters the route does not know, so a misspelt filter is an error rather than ignored. */
export function checkQueryNames(ctx: Context, known: readonly string[]): void {
  for (const name of ctx.query.keys()) {
    if (!known.includes(name)) {
      throw invalidInput(name, `Unknown query parameter "${name}"; expected ${known.length === 0 ? 'none' : known.map((k) => `"${k}"`).join(', ')}`);
    }
  }
}

/** A query parameter's text; undefined when absent or empty. */
export function queryText(ctx: Context, name: string, maxLength = 200): string | undefined {
  const value = ctx.query.get(name);
  if (value === null || value === '') return undefined;
  if (value.length > maxLength) throw invalidInput(name, `Query parameter "${name}" is longer than ${maxLength} characters`);
  return value;
}

/** A whole-number query parameter within [min, max]; `fallback` when absent or empty. */
export function queryInteger(ctx: Context, name: string, fallback: number, min: number, max: number): number;
export function queryInteger(ctx: Context, name: string, fallback: undefined, min: number, max: number): number | undefined;
export function queryInteger(ctx: Context, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const text = ctx.query.get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!/^\d{1,16}$/.test(text) || value < min || value > max) {
    throw invalidInput(name, `Invalid ${name} "${text}": expected a whole number from ${min} to ${max}`);
  }
  return value;
}

/** One of `choices` (compared lower-cased); undefined when absent or empty. */
export function queryChoice<T extends string>(ctx: Context, name: string, choices: readonly T[]): T | undefined {
  const text = ctx.query.get(name);
  if (text === null || text === '') return undefined;
  const value = text.toLowerCase() as T;
  if (!choices.includes(value)) throw invalidInput(name, `Invalid ${name} "${text}": expected ${choices.map((c) => `"${c}"`).join(', ')}`);
  return value;
}

/** A time query parameter (ISO 8601, e.g. 2026-01-31T12:00:00Z) as stored timestamps are: UTC with milliseconds. */
export function queryTime(ctx: Context, name: string): string | undefined {
  const text = ctx.query.get(name);
  if (text === null || text === '') return undefined;
  const time = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) throw invalidInput(name, `Invalid ${name} "${text}": expected an ISO 8601 time such as "2026-01-31T12:00:00Z"`);
  return new Date(time).toISOString();
}

/** The path parameter `name` as a positive id; 404 `not_found` for anything else (no such resource can exist). */
export function pathId(ctx: Context, name: string, what: string): number {
  const text = ctx.params[name];
  const id = Number(text);
  if (!/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(id)) throw new HttpError(404, 'not_found', `No ${what} "${text}"`);
  return id;
}
