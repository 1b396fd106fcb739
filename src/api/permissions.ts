// A service's `scope`: an OR of ANDs of permissions (`[["A","B"],["C"]]`: A and B, or C) matched against the
// request token's scopes, where `[id]` in a permission is replaced by the raw text of the path parameter `id`.
import type { Context } from '../http/context.ts';
import { requestScopes, authRequired } from '../http/scopes.ts';
import { ApiError } from './errors.ts';

/** A permission with its `[name]` references split out: literal text and path parameter names, alternating. */
interface Template {
  text: string;
  /** [literal, name, literal, name, …, literal]; null when the permission has no reference. */
  parts: string[] | null;
}

/** The checked scope of a service: alternatives (OR) of permissions (AND), empty ones dropped. */
export interface ParsedScope {
  alternatives: string[][];
  problems: string[];
}

const REFERENCE = /\[([^[\]]+)\]/g;

/**
 * Checks a definition's `scope` value. `pathParams` are the client-facing names of the service's path parameters,
 * the only names `[x]` may refer to. Absent, null, `[]` and `[[]]` mean no permission is needed.
 */
export function parseScope(raw: unknown, pathParams: readonly string[]): ParsedScope {
  const problems: string[] = [];
  const alternatives: string[][] = [];
  if (raw === undefined || raw === null) return { alternatives, problems };
  if (!Array.isArray(raw)) {
    return { alternatives, problems: [`scope must be an array of arrays of permissions ([["A","B"],["C"]]: A and B, or C), got ${JSON.stringify(raw)}`] };
  }
  raw.forEach((inner: unknown, i) => {
    if (!Array.isArray(inner)) {
      problems.push(`scope[${i}] must be an array of permissions, got ${JSON.stringify(inner)}`);
      return;
    }
    const all: string[] = [];
    inner.forEach((permission: unknown, j) => {
      const where = `scope[${i}][${j}]`;
      if (typeof permission !== 'string' || permission === '') {
        problems.push(`${where} must be a non-empty string, got ${JSON.stringify(permission)}`);
        return;
      }
      if (/\s/.test(permission)) {
        problems.push(`${where} "${permission}" holds whitespace; a token's scopes are separated by spaces, so it could never match`);
        return;
      }
      for (const m of permission.matchAll(REFERENCE)) {
        if (!pathParams.includes(m[1])) {
          const expected = pathParams.length === 0 ? 'the service has no path parameter' : `expected one of ${pathParams.map((p) => `[${p}]`).join(', ')}`;
          problems.push(`${where} "${permission}" refers to [${m[1]}], which is not a path parameter (${expected})`);
        }
      }
      all.push(permission);
    });
    if (all.length > 0) alternatives.push(all);
  });
  return { alternatives, problems };
}

function template(permission: string): Template {
  const parts = permission.split(REFERENCE);
  return { text: permission, parts: parts.length === 1 ? null : parts };
}

function resolve(t: Template, params: Record<string, string>, keys: ReadonlyMap<string, string>): string {
  if (t.parts === null) return t.text;
  let out = '';
  for (let i = 0; i < t.parts.length; i++) out += i % 2 === 0 ? t.parts[i] : params[keys.get(t.parts[i])!];
  return out;
}

/** Whether `granted` holds every permission of at least one alternative. */
export function permitted(alternatives: readonly (readonly string[])[], granted: readonly string[]): boolean {
  if (alternatives.length === 0) return true;
  for (const all of alternatives) {
    let ok = true;
    for (const permission of all) {
      if (!granted.includes(permission)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

/** `"a" and "b"`, `("a" and "b") or "c"`: what would satisfy a rule, for 401 and 403 details. */
export function describeScope(alternatives: readonly (readonly string[])[]): string {
  const several = alternatives.length > 1;
  return alternatives
    .map((all) => {
      const and = all.map((p) => JSON.stringify(p)).join(' and ');
      return several && all.length > 1 ? `(${and})` : and;
    })
    .join(' or ');
}

/**
 * The permission check of a service, or null when it needs none: 401 `auth_required` without a token, 403
 * `forbidden` (naming the alternatives, `[id]` resolved) when the token's scopes satisfy none. `paramKeys` maps a
 * path parameter's client-facing name to its key in `ctx.params`.
 */
export function scopeGuard(alternatives: string[][], paramKeys: ReadonlyMap<string, string>): ((ctx: Context) => void) | null {
  if (alternatives.length === 0) return null;
  const templates = alternatives.map((all) => all.map(template));
  const dynamic = templates.some((all) => all.some((t) => t.parts !== null));
  return (ctx) => {
    const granted = requestScopes(ctx);
    const needed = dynamic ? templates.map((all) => all.map((t) => resolve(t, ctx.params, paramKeys))) : alternatives;
    if (granted === null) {
      throw authRequired(`Sign in first: this service needs the permission ${describeScope(needed)}`);
    }
    if (!permitted(needed, granted)) throw new ApiError('forbidden', `Missing permission: this service needs ${describeScope(needed)}`);
  };
}
