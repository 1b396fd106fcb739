// Context variables (EasyREST §3): the per-request context map, and the substitution of whole values written
// `erctx.<flat_key>` or `request.<dot.path>` in where values, `in` elements, select literals and write bodies.
import type { IncomingHttpHeaders } from 'node:http';

export interface ContextInput {
  claims: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  method: string;
  path: string;
  query: string;
  timezone: string;
  prefer: Record<string, string>;
}

/** Nesting deeper than this in claims is not flattened nor walked (a token is small; this bounds the recursion). */
const MAX_DEPTH = 32;

/**
 * The nested context map (EasyREST §3.1: claims with top-level keys lower-cased, headers lower-cased and multi-values
 * joined with ", ", method, path, query, timezone, prefer). Null-prototype objects, so no key reaches a prototype.
 */
export function buildContext(input: ContextInput): Record<string, unknown> {
  const claims: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(input.claims)) claims[key.toLowerCase()] = input.claims[key];
  const headers: Record<string, string> = Object.create(null);
  for (const name of Object.keys(input.headers)) {
    const value = input.headers[name];
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const prefer: Record<string, string> = Object.create(null);
  for (const key of Object.keys(input.prefer)) prefer[key] = input.prefer[key];
  const context: Record<string, unknown> = Object.create(null);
  context.claims = claims;
  context.headers = headers;
  context.method = input.method;
  context.path = input.path;
  context.query = input.query;
  context.timezone = input.timezone;
  context.prefer = prefer;
  return context;
}

/**
 * Resolves whole values: `erctx.<flat_key>` and `request.<dot.path>`; anything else, or an unresolvable reference, is
 * returned unchanged. Built once per request; flattening lazily on first erctx use.
 */
export class ContextResolver {
  readonly #context: Record<string, unknown>;
  #flat: Map<string, string> | null = null;

  constructor(context: Record<string, unknown>) {
    this.#context = context;
  }

  /** The value `text` refers to, as text; `text` itself when it is no reference or refers to nothing. */
  resolve(text: string): string {
    const first = text.charCodeAt(0);
    if (first === 0x65 /* e */ && text.startsWith('erctx.')) {
      // EasyREST lower-cases the key and maps `-` to `_` but keeps dots: `erctx.claims.sub` does not resolve.
      const key = text.slice(6).toLowerCase().replaceAll('-', '_');
      return this.#flatMap().get(key) ?? text;
    }
    if (first === 0x72 /* r */ && text.startsWith('request.')) {
      const found = walk(this.#context, text.slice(8).split('.'));
      return found === undefined ? text : found;
    }
    return text;
  }

  #flatMap(): Map<string, string> {
    if (this.#flat === null) {
      this.#flat = new Map();
      flatten(this.#context, '', this.#flat, 0);
    }
    return this.#flat;
  }
}

/**
 * Flattens as EasyREST §3.2: keys joined with `_`, each segment lower-cased with `.` and `-` → `_`, array elements
 * `_0`, `_1`…, scalars as text; nulls are left out (they resolve to nothing). EasyREST also drops values containing
 * `;` or `--` as an injection guard; monolite does not need it (values are always bound parameters, never spliced
 * into SQL), so such values resolve like any other.
 */
function flatten(value: unknown, prefix: string, out: Map<string, string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) flatten(value[i], prefix === '' ? String(i) : `${prefix}_${i}`, out, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const segment = key.toLowerCase().replace(/[.-]/g, '_');
      flatten(record[key], prefix === '' ? segment : `${prefix}_${segment}`, out, depth + 1);
    }
    return;
  }
  const text = scalarText(value);
  if (text !== undefined && prefix !== '' && !out.has(prefix)) out.set(prefix, text);
}

/** `request.<path>`: walked through the nested map case-sensitively; own keys only; arrays by index. */
function walk(root: Record<string, unknown>, path: string[]): string | undefined {
  let current: unknown = root;
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9]\d*)$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  if (current !== null && typeof current === 'object') {
    try {
      return JSON.stringify(current);
    } catch {
      return undefined;
    }
  }
  return scalarText(current);
}

/** Strings as they are, numbers as plain decimals (no exponent, as EasyREST), booleans `true`/`false`. */
function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': return value;
    case 'boolean': return value ? 'true' : 'false';
    case 'bigint': return value.toString();
    case 'number': return Number.isFinite(value) ? plainDecimal(value) : undefined;
    default: return undefined;
  }
}

/** `1e21` → `1000000000000000000000`, `1.5e-7` → `0.00000015`: the shortest round-trip digits, without an exponent. */
function plainDecimal(n: number): string {
  const text = String(n);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}
