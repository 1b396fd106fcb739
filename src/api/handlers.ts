// Loads an app's handlers module (default export: handlers keyed "METHOD /path"; named export `types`: custom
// types) and matches its handlers against the definition's services, every mismatch reported.
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { customTypeNameProblem, type CustomTypeFn } from './types.ts';
import type { ApiHandler } from './context.ts';

export interface LoadedHandlers {
  handlers: Map<string, ApiHandler>;
  /** Every key of the default export, functions or not. */
  keys: string[];
  types: Map<string, CustomTypeFn>;
  /** False when the module could not be imported: its custom types are then unknown. */
  loaded: boolean;
  /** Whether the default export is an object of handlers (else matching handlers to services means nothing). */
  hasHandlers: boolean;
  problems: string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value === 'function' ? 'a function' : `${typeof value} ${JSON.stringify(value)}`;
}

/** Imports `file` and reads its exports; problems instead of exceptions. */
export async function loadHandlers(file: string): Promise<LoadedHandlers> {
  const result: LoadedHandlers = { handlers: new Map(), keys: [], types: new Map(), loaded: false, hasHandlers: false, problems: [] };
  const cannot = (why: string) => {
    result.problems.push(`Cannot load the handlers module "${file}": ${why}`);
    return result;
  };
  try {
    if (statSync(file).isDirectory()) return cannot('it is a directory (set api.handlers to the module file)');
  } catch {
    return cannot('no such file');
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    return cannot(err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
  result.loaded = true;
  const handlers = mod.default;
  if (handlers === undefined) {
    result.problems.push(`The handlers module "${file}" has no default export (an object of handlers keyed "METHOD /path")`);
  } else if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers)) {
    result.problems.push(`The default export of "${file}" must be an object of handlers keyed "METHOD /path", got ${describe(handlers)}`);
  } else {
    result.hasHandlers = true;
    for (const [key, handler] of Object.entries(handlers)) {
      result.keys.push(key);
      if (typeof handler !== 'function') result.problems.push(`Handler "${key}" must be a function (input, ctx) => output, got ${describe(handler)}`);
      else result.handlers.set(key, handler as ApiHandler);
    }
  }
  const types = mod.types;
  if (types !== undefined) {
    if (typeof types !== 'object' || types === null || Array.isArray(types)) {
      result.problems.push(`The "types" export of "${file}" must be an object of custom types ({ name: (raw) => value }), got ${describe(types)}`);
    } else {
      for (const [name, fn] of Object.entries(types)) {
        const problem = customTypeNameProblem(name);
        if (problem !== null) result.problems.push(`Custom type "${name}": ${problem}`);
        else if (typeof fn !== 'function') result.problems.push(`Custom type "${name}" must be a function (raw) => value, got ${describe(fn)}`);
        else result.types.set(name, fn as CustomTypeFn);
      }
    }
  }
  return result;
}

/** Services without a handler and handlers without a service (`ids`: every service's `METHOD /path`). */
export function checkHandlers(ids: readonly string[], keys: readonly string[]): string[] {
  const problems: string[] = [];
  const known = new Set(ids);
  const exported = new Set(keys);
  for (const id of ids) {
    if (!exported.has(id)) problems.push(`${id}: no handler (the handlers module's default export needs a function under "${id}")`);
  }
  const loose = (key: string) => key.toUpperCase().replace(/\{[^}]*\}/g, '{}').replace(/\s+/g, ' ').trim();
  for (const key of keys) {
    if (known.has(key)) continue;
    const near = ids.find((id) => loose(id) === loose(key));
    problems.push(`Handler "${key}" matches no service of the definition${near === undefined ? '' : ` (did you mean "${near}"?)`}`);
  }
  return problems;
}
