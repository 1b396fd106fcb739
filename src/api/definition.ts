// Reads and checks an API definition (aicra's JSON format): every service, path, parameter, type and scope, with
// every problem collected, each naming its service ("GET /articles/{id}: in \"{id}\": unknown type \"uintt\"").
import { readFileSync } from 'node:fs';
import { locateJsonError } from '../lib/json-error.ts';
import { acceptsEmptyText, containsFile, parseType, TypeMismatch, type ApiType, type CustomTypeFn } from './types.ts';
import { parseScope } from './permissions.ts';

export type ParamSource = 'path' | 'query' | 'body';

/** One input parameter of a service. */
export interface InputParam {
  /** The key as written in `in` (`{id}`, `GET@fields`, `title`). */
  key: string;
  source: ParamSource;
  /** The client-facing name: the path parameter, the query key or the body key (used in errors). */
  field: string;
  /** The key of the handler's input object (`name`, default: `field`). */
  name: string;
  info: string;
  type: ApiType;
  /** The type as written, `?` included. */
  typeText: string;
  optional: boolean;
  hasDefault: boolean;
  /** The default, converted (custom types) and checked. */
  defaultValue: unknown;
  /** An empty text value is a value (strings, any), not "absent". */
  emptyIsValue: boolean;
}

/** One declared output: the response key and the key of the handler's result object. */
export interface OutputField {
  key: string;
  name: string;
  info: string;
  type: ApiType;
  typeText: string;
  optional: boolean;
}

export type Segment = { kind: 'text'; text: string } | { kind: 'param'; name: string };

/** A checked service. */
export interface ServiceDef {
  method: string;
  /** The path as written (`/articles/{id}`). */
  path: string;
  /** `METHOD /path`: names the service in messages and keys its handler. */
  id: string;
  info: string;
  segments: Segment[];
  /** Alternatives (OR) of permissions (AND); empty: none needed. */
  scope: string[][];
  inputs: InputParam[];
  /** null: no `out`, the service answers 204. */
  outputs: OutputField[] | null;
}

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const SERVICE_FIELDS = ['method', 'path', 'info', 'scope', 'in', 'out'];
const INPUT_FIELDS = ['info', 'type', 'name', 'default'];
const OUTPUT_FIELDS = ['info', 'type', 'name'];
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Reads `file` as JSON: the document, or a problem (unreadable, or malformed with its line and column). */
export function readDefinition(file: string): { doc: unknown; problem: string | null } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { doc: undefined, problem: `Cannot read the definition "${file}": ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}` };
  }
  try {
    return { doc: JSON.parse(text), problem: null };
  } catch {
    const where = locateJsonError(text);
    return { doc: undefined, problem: `The definition "${file}" is not valid JSON${where ? ` (line ${where.line}, column ${where.column}: ${where.message})` : ''}` };
  }
}

export interface CheckOptions {
  /** The app's custom types. */
  types: ReadonlyMap<string, CustomTypeFn>;
  /** False when the custom types could not be loaded: unknown type names are then not reported. */
  typesKnown?: boolean;
}

export interface CheckedDefinition {
  /** The services without a problem of their own. */
  services: ServiceDef[];
  /** `METHOD /path` of every service whose method and path are strings, broken or not (for the handler check). */
  ids: string[];
  problems: string[];
}

/** Checks a parsed definition, collecting every problem. */
export function checkDefinition(doc: unknown, options: CheckOptions): CheckedDefinition {
  const problems: string[] = [];
  const services: ServiceDef[] = [];
  const ids: string[] = [];
  if (!Array.isArray(doc)) {
    return { services, ids, problems: [`The definition must be a JSON array of services, got ${describe(doc)}`] };
  }
  const shapes = new Map<string, string>();
  doc.forEach((raw: unknown, index) => {
    if (isObject(raw) && typeof raw.method === 'string' && typeof raw.path === 'string') ids.push(`${raw.method} ${raw.path}`);
    const own: string[] = [];
    const service = checkService(raw, index, options, own);
    problems.push(...own);
    if (service === null) return;
    // Same method and the same path up to parameter names: the router could not tell them apart.
    const shape = service.method + ' ' + service.segments.map((s) => (s.kind === 'param' ? '{}' : s.text)).join('/');
    const other = shapes.get(shape);
    if (other !== undefined) {
      problems.push(`${service.id}: collides with ${other} (same method, equivalent path)`);
      return;
    }
    shapes.set(shape, service.id);
    if (own.length === 0) services.push(service);
  });
  return { services, ids, problems };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? text.slice(0, 36) + '…' : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one service, pushing its problems; returns null when it is too broken to take part in collision checks. */
function checkService(raw: unknown, index: number, options: CheckOptions, problems: string[]): ServiceDef | null {
  const at = `service #${index + 1}`;
  if (!isObject(raw)) {
    problems.push(`${at} must be an object with method, path, in and out, got ${describe(raw)}`);
    return null;
  }
  const { method, path } = raw;
  const methodOk = typeof method === 'string' && (METHODS as readonly string[]).includes(method);
  const pathOk = typeof path === 'string';
  const id = typeof method === 'string' && pathOk ? `${method} ${path}` : typeof method === 'string' ? `${at} (${method})` : pathOk ? `${at} (${path})` : at;
  const fail = (problem: string) => problems.push(`${id}: ${problem}`);
  if (method === undefined) fail('missing "method"');
  else if (!methodOk) fail(`method ${describe(method)} is not one of ${METHODS.join(', ')}`);
  if (path === undefined) fail('missing "path"');
  else if (!pathOk) fail(`path must be a string, got ${describe(path)}`);
  for (const key of Object.keys(raw)) {
    if (!SERVICE_FIELDS.includes(key)) fail(`unknown field "${key}" (expected ${SERVICE_FIELDS.join(', ')})`);
  }
  if (raw.info !== undefined && typeof raw.info !== 'string') fail(`"info" must be a string, got ${describe(raw.info)}`);
  const segments = pathOk ? parsePath(path, fail) : null;

  const captures = segments === null ? [] : segments.flatMap((s) => (s.kind === 'param' ? [s.name] : []));
  const inputs: InputParam[] = [];
  if (raw.in !== undefined && raw.in !== null && !isObject(raw.in)) fail(`"in" must be an object of parameters, got ${describe(raw.in)}`);
  else if (isObject(raw.in)) {
    for (const [key, spec] of Object.entries(raw.in)) {
      const param = checkInput(key, spec, options, (p) => fail(`in "${key}": ${p}`));
      if (param === null) continue;
      if (param.source === 'path' && segments !== null && !captures.includes(param.field)) {
        fail(`in "${key}": path parameter {${param.field}} is absent from the path "${path as string}"`);
      }
      inputs.push(param);
    }
  }
  if (segments !== null && (raw.in === undefined || raw.in === null || isObject(raw.in))) {
    // Declared but broken parameters were reported already.
    const declared = new Set(Object.keys(raw.in ?? {}).filter((k) => k.startsWith('{') && k.endsWith('}')).map((k) => k.slice(1, -1)));
    for (const name of captures) {
      if (!declared.has(name)) fail(`path parameter {${name}} is not declared in "in" (add "{${name}}": {"type": "…"})`);
    }
  }
  checkNames(inputs.map((p) => [p.key, p.name]), (p) => fail(`in ${p}`));

  let outputs: OutputField[] | null = null;
  if (raw.out !== undefined && raw.out !== null && !isObject(raw.out)) fail(`"out" must be an object of outputs, got ${describe(raw.out)}`);
  else if (isObject(raw.out) && Object.keys(raw.out).length > 0) {
    outputs = [];
    for (const [key, spec] of Object.entries(raw.out)) {
      const field = checkOutput(key, spec, options, (p) => fail(`out "${key}": ${p}`));
      if (field !== null) outputs.push(field);
    }
    checkNames(outputs.map((o) => [o.key, o.name]), (p) => fail(`out ${p}`));
  }

  const scope = parseScope(raw.scope, captures);
  for (const p of scope.problems) fail(p);
  if (!methodOk || segments === null) return null;
  return { method: method as string, path: path as string, id, info: typeof raw.info === 'string' ? raw.info : '', segments, scope: scope.alternatives, inputs, outputs };
}

/** `/articles/{id}` → segments; null (problems reported) when the path is malformed. */
function parsePath(path: string, fail: (problem: string) => void): Segment[] | null {
  let broken = false;
  const report = (p: string) => {
    broken = true;
    fail(p);
  };
  if (!path.startsWith('/')) {
    report(`path "${path}" must start with "/"`);
    return null;
  }
  if (/[?#\s]/.test(path)) report(`path "${path}" must not hold "?", "#" or whitespace`);
  if (path === '/') return broken ? null : [];
  if (path.endsWith('/')) report(`path "${path}" must not end with "/"`);
  const segments: Segment[] = [];
  const seen = new Set<string>();
  const parts = path.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    const segment = parts[i];
    if (segment === '') {
      // A trailing slash was reported above.
      if (i < parts.length - 1) report(`path "${path}" has an empty segment ("//")`);
      continue;
    }
    if (segment === '.' || segment === '..') {
      report(`path "${path}" has a dot segment "${segment}"`);
      continue;
    }
    const capture = /^\{(.*)\}$/.exec(segment);
    if (capture !== null) {
      const name = capture[1];
      if (!PARAM_NAME.test(name)) report(`path parameter {${name}} must be named with letters, digits, "_" and "-", starting with a letter or "_"`);
      else if (seen.has(name)) report(`path parameter {${name}} appears twice`);
      seen.add(name);
      segments.push({ kind: 'param', name });
      continue;
    }
    if (/[{}]/.test(segment)) report(`path segment "${segment}" mixes text and braces; a path parameter takes a whole segment ({name})`);
    else if (/[:*]/.test(segment)) report(`path segment "${segment}" holds ":" or "*", which the router reserves; write path parameters as {name}`);
    segments.push({ kind: 'text', text: segment });
  }
  return broken ? null : segments;
}

/** Reports names used twice (`in "b": name "x" is also the name of "a"`). */
function checkNames(pairs: [key: string, name: string][], fail: (problem: string) => void): void {
  const byName = new Map<string, string>();
  for (const [key, name] of pairs) {
    const other = byName.get(name);
    if (other !== undefined) fail(`"${key}": name "${name}" is also the name of "${other}"`);
    else byName.set(name, key);
  }
}

interface CommonParam {
  info: string;
  type: ApiType;
  typeText: string;
  optional: boolean;
  name: string | undefined;
}

/** Checks the fields every parameter shares (info, type, name); null when the type is unusable. */
function checkCommon(spec: unknown, allowed: string[], options: CheckOptions, fail: (problem: string) => void): CommonParam | null {
  if (!isObject(spec)) {
    fail(`must be an object like {"type": "string"}, got ${describe(spec)}`);
    return null;
  }
  for (const key of Object.keys(spec)) if (!allowed.includes(key)) fail(`unknown field "${key}" (expected ${allowed.join(', ')})`);
  if (spec.info !== undefined && typeof spec.info !== 'string') fail(`"info" must be a string, got ${describe(spec.info)}`);
  let name: string | undefined;
  if (spec.name !== undefined) {
    if (typeof spec.name !== 'string' || spec.name === '') fail(`"name" must be a non-empty string, got ${describe(spec.name)}`);
    else if (spec.name === '__proto__') fail('name "__proto__" is reserved');
    else name = spec.name;
  }
  if (spec.type === undefined) {
    fail('missing "type"');
    return null;
  }
  if (typeof spec.type !== 'string') {
    fail(`"type" must be a string, got ${describe(spec.type)}`);
    return null;
  }
  const optional = spec.type.startsWith('?');
  const text = optional ? spec.type.slice(1) : spec.type;
  if (text === '') {
    fail(optional ? 'missing type after "?"' : 'missing "type"');
    return null;
  }
  let type: ApiType;
  try {
    type = parseType(text, options.types);
  } catch (err) {
    if (options.typesKnown === false && /^unknown type/.test((err as Error).message)) return null;
    fail((err as Error).message);
    return null;
  }
  if (containsFile(type) && type.kind !== 'file' && !(type.kind === 'array' && type.element!.kind === 'file')) {
    fail(`type "${text}": a file can only be a parameter itself or the element of []file`);
    return null;
  }
  return { info: typeof spec.info === 'string' ? spec.info : '', type, typeText: spec.type, optional, name };
}

function checkInput(key: string, spec: unknown, options: CheckOptions, fail: (problem: string) => void): InputParam | null {
  if (key === '') {
    fail('a parameter needs a non-empty key');
    return null;
  }
  let source: ParamSource = 'body';
  let field = key;
  const path = /^\{(.*)\}$/.exec(key);
  if (path !== null) {
    source = 'path';
    field = path[1];
    if (!PARAM_NAME.test(field)) {
      fail(`path parameter {${field}} must be named with letters, digits, "_" and "-", starting with a letter or "_"`);
      return null;
    }
  } else if (key.startsWith('GET@')) {
    source = 'query';
    field = key.slice(4);
    if (field === '') {
      fail('a query parameter needs a name after "GET@"');
      return null;
    }
  }
  if (field === '__proto__') {
    fail('"__proto__" is reserved');
    return null;
  }
  const common = checkCommon(spec, INPUT_FIELDS, options, fail);
  if (common === null) return null;
  const { type, optional } = common;
  let ok = true;
  const bad = (problem: string) => {
    ok = false;
    fail(problem);
  };
  if (source === 'path') {
    if (optional) bad('a path parameter cannot be optional');
    if (type.kind === 'file') bad('a file can only come in a multipart body, not in the path');
    else if (type.kind === 'array' || type.kind === 'map') bad(`a path parameter holds one text value, not ${type.name}`);
  } else if (source === 'query') {
    if (containsFile(type)) bad('a file can only come in a multipart body, not in the query');
    else if (type.kind === 'map' || (type.kind === 'array' && (type.element!.kind === 'array' || type.element!.kind === 'map'))) {
      bad(`${type.name} needs a JSON body; query values are text (repeat a key for []T)`);
    }
  }
  const s = spec as Record<string, unknown>;
  let hasDefault = false;
  let defaultValue: unknown;
  if (s.default !== undefined) {
    if (!optional) bad(`a default needs an optional type ("?${common.typeText}")`);
    else if (containsFile(type)) bad('a file cannot have a default');
    else if (s.default === null) bad('the default cannot be null (leave it out: a missing optional is absent)');
    else {
      try {
        defaultValue = type.fromJson(s.default, 'default');
        hasDefault = true;
      } catch (err) {
        if (!(err instanceof TypeMismatch)) throw err;
        bad(err.message);
      }
    }
  }
  if (!ok) return null;
  return {
    key, source, field, name: common.name ?? field, info: common.info, type, typeText: common.typeText, optional,
    hasDefault, defaultValue, emptyIsValue: acceptsEmptyText(type),
  };
}

function checkOutput(key: string, spec: unknown, options: CheckOptions, fail: (problem: string) => void): OutputField | null {
  if (key === '') {
    fail('an output needs a non-empty key');
    return null;
  }
  const common = checkCommon(spec, OUTPUT_FIELDS, options, fail);
  if (common === null) return null;
  if (common.name === undefined && key === '__proto__') {
    fail('key "__proto__" needs a "name"');
    return null;
  }
  if (containsFile(common.type)) {
    fail('a file cannot be an output');
    return null;
  }
  return { key, name: common.name ?? key, info: common.info, type: common.type, typeText: common.typeText, optional: common.optional };
}
