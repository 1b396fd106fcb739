// The parameter types of a definition (`int`, `?[]string(1,20)`, `map[float]`, `file`, app types): parsed once at
// boot into converters for text values (path, query, forms), for JSON values, and checkers for handler outputs.

/** A custom type of the app: converts a raw value (text, or a JSON value) or throws an Error saying what was expected. */
export type CustomTypeFn = (raw: unknown) => unknown;

export type TypeKind = 'any' | 'bool' | 'int' | 'uint' | 'float' | 'string' | 'file' | 'array' | 'map' | 'custom';

/** A resolved type (without the optional marker `?`). Converters throw a TypeMismatch for a bad value. */
export interface ApiType {
  /** The type as written (`[]int`, `string(1,20)`). */
  readonly name: string;
  readonly kind: TypeKind;
  /** Element type of `[]T` and `map[T]`; null for the others. */
  readonly element: ApiType | null;
  /** Length bounds of `string(…)` in code points (0 and Infinity for a plain string). */
  readonly minLength: number;
  readonly maxLength: number;
  /** Whether a JSON value of this type is handed over unchanged (no custom type inside): arrays are then not copied. */
  readonly plainJson: boolean;
  /** Converts one text value (path segment, query or form value); `label` names it in errors. */
  fromText(text: string, label: string): unknown;
  /** Checks (and for custom types converts) a JSON value. */
  fromJson(value: unknown, label: string): unknown;
  /** Checks a handler's output value: a problem sentence, or null when it has the type. */
  checkOutput(value: unknown, label: string): string | null;
}

/** A value that does not have the expected type; `message` names the value's label ("id: expected uint, got \"-1\""). */
export class TypeMismatch {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** The built-in type names; custom types may not reuse them. */
export const BUILTIN_TYPES = ['any', 'bool', 'int', 'uint', 'float', 'string', 'file'] as const;
const CUSTOM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set<string>([...BUILTIN_TYPES, 'map']);

/**
 * Parses `spec` (no leading `?`) against the built-in types and the app's `custom` ones. Throws a TypeError whose
 * message says what is wrong with the name (`unknown type "strin"`).
 */
export function parseType(spec: string, custom: ReadonlyMap<string, CustomTypeFn>): ApiType {
  if (spec.startsWith('[]')) {
    const element = parseType(spec.slice(2), custom);
    return arrayType(spec, element);
  }
  if (spec.startsWith('map[') && spec.endsWith(']')) {
    const element = parseType(spec.slice(4, -1), custom);
    return mapType(spec, element);
  }
  const string = /^string\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(spec);
  if (string !== null) {
    const min = Number(string[1]);
    const max = string[2] === undefined ? min : Number(string[2]);
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) throw new TypeError(`invalid type "${spec}": lengths must be integers below 2^53`);
    if (min > max) throw new TypeError(`invalid type "${spec}": the minimum length ${min} is above the maximum ${max}`);
    return stringType(spec, min, max);
  }
  if (spec.startsWith('string(')) throw new TypeError(`invalid type "${spec}": expected string(N) or string(MIN,MAX) with lengths in characters`);
  switch (spec) {
    case 'any': return ANY;
    case 'bool': return BOOL;
    case 'int': return INT;
    case 'uint': return UINT;
    case 'float': return FLOAT;
    case 'string': return STRING;
    case 'file': return FILE;
  }
  const fn = custom.get(spec);
  if (fn !== undefined) return customType(spec, fn);
  if (spec === '') throw new TypeError('missing type');
  throw new TypeError(`unknown type "${spec}"`);
}

/** Why `name` cannot be a custom type's name, or null when it can. */
export function customTypeNameProblem(name: string): string | null {
  if (!CUSTOM_NAME.test(name)) return `custom type name "${name}" must match ${CUSTOM_NAME.source}`;
  if (RESERVED.has(name)) return `custom type name "${name}" is a built-in type`;
  return null;
}

/** Whether `type` contains a `file` anywhere. */
export function containsFile(type: ApiType): boolean {
  return type.kind === 'file' || (type.element !== null && containsFile(type.element));
}

/** Whether an empty text value is a value of `type` (strings and `any`, whose text is a string) rather than "no value". */
export function acceptsEmptyText(type: ApiType): boolean {
  return type.kind === 'string' || type.kind === 'any';
}

/** How a value is shown in error messages: JSON text, cut short. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  const text = JSON.stringify(value);
  return text.length > 60 ? text.slice(0, 56) + '…"' : text;
}

function mismatch(label: string, expected: string, value: unknown): TypeMismatch {
  return new TypeMismatch(`${label}: expected ${expected}, got ${showValue(value)}`);
}

/** Code points of `s` (a surrogate pair counts once). */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const MAX = Number.MAX_SAFE_INTEGER;

/** `[+-]?digits` within ±(2^53 − 1), or NaN. */
function parseInteger(text: string): number {
  const len = text.length;
  let i = 0;
  const first = text.charCodeAt(0);
  if (first === 43 /* + */ || first === 45 /* - */) i = 1;
  if (i === len) return NaN;
  for (let j = i; j < len; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return NaN;
  }
  const n = Number(text);
  if (n > MAX || n < -MAX) return NaN;
  return n === 0 ? 0 : n; // "-0" is 0
}

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function outputOf(type: Pick<ApiType, 'fromJson'>): (value: unknown, label: string) => string | null {
  return (value, label) => {
    try {
      type.fromJson(value, label);
      return null;
    } catch (err) {
      if (err instanceof TypeMismatch) return err.message;
      throw err;
    }
  };
}

function scalar(name: TypeKind, fromText: ApiType['fromText'], fromJson: ApiType['fromJson']): ApiType {
  const type = { name, kind: name, element: null, minLength: 0, maxLength: Infinity, plainJson: true, fromText, fromJson } as Omit<ApiType, 'checkOutput'>;
  return { ...type, checkOutput: outputOf(type) };
}

const ANY: ApiType = {
  name: 'any', kind: 'any', element: null, minLength: 0, maxLength: Infinity, plainJson: true,
  fromText: (text) => text,
  fromJson: (value) => value,
  checkOutput: (value, label) => (value === undefined || typeof value === 'function' ? `${label}: expected any JSON value, got ${showValue(value)}` : null),
};

const BOOL = scalar('bool', (text, label) => {
  if (text.length === 4 || text.length === 5 || text.length === 1) {
    const t = text.length === 1 ? text : text.toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  throw mismatch(label, 'bool (true, false, 1 or 0)', text);
}, (value, label) => {
  if (typeof value === 'boolean') return value;
  throw mismatch(label, 'bool', value);
});

const INT = scalar('int', (text, label) => {
  const n = parseInteger(text);
  if (n === n) return n;
  throw mismatch(label, 'int', text);
}, (value, label) => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
  throw mismatch(label, 'int', value);
});

const UINT = scalar('uint', (text, label) => {
  const n = parseInteger(text);
  if (n >= 0) return n;
  throw mismatch(label, 'uint', text);
}, (value, label) => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value === 0 ? 0 : value;
  throw mismatch(label, 'uint', value);
});

const FLOAT = scalar('float', (text, label) => {
  if (FLOAT_TEXT.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  throw mismatch(label, 'float', text);
}, (value, label) => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw mismatch(label, 'float', value);
});

const STRING = scalar('string', (text) => text, (value, label) => {
  if (typeof value === 'string') return value;
  throw mismatch(label, 'string', value);
});

const FILE: ApiType = {
  name: 'file', kind: 'file', element: null, minLength: 0, maxLength: Infinity, plainJson: false,
  fromText: (_text, label) => { throw new TypeMismatch(`${label}: expected a file (send multipart/form-data), got a text value`); },
  fromJson: (_value, label) => { throw new TypeMismatch(`${label}: expected a file (send multipart/form-data), got a JSON value`); },
  checkOutput: (_value, label) => `${label}: a file cannot be an output`,
};

function stringType(name: string, min: number, max: number): ApiType {
  const what = min === max ? `${name} (${min} character${min === 1 ? '' : 's'})` : `${name} (${min} to ${max} characters)`;
  const check = (text: string, label: string): string => {
    // A string has at most as many code points as UTF-16 units and at least half as many: most are decided uncounted.
    const units = text.length;
    if (units <= max && units >= 2 * min) return text;
    const n = codePoints(text);
    if (n >= min && n <= max) return text;
    throw new TypeMismatch(`${label}: expected ${what}, got ${showValue(text)} (${n} character${n === 1 ? '' : 's'})`);
  };
  const type: Omit<ApiType, 'checkOutput'> = {
    name, kind: 'string', element: null, minLength: min, maxLength: max, plainJson: true,
    fromText: check,
    fromJson: (value, label) => {
      if (typeof value !== 'string') throw mismatch(label, name, value);
      return check(value, label);
    },
  };
  return { ...type, checkOutput: outputOf(type) };
}

function arrayType(name: string, element: ApiType): ApiType {
  return {
    name, kind: 'array', element, minLength: 0, maxLength: Infinity, plainJson: element.plainJson,
    // One text value of a `[]T` parameter: the element conversion (repeated keys make the array).
    fromText: (text, label) => element.fromText(text, label),
    fromJson: (value, label) => {
      if (!Array.isArray(value)) throw mismatch(label, name, value);
      if (element.plainJson) {
        for (let i = 0; i < value.length; i++) element.fromJson(value[i], `${label}[${i}]`);
        return value;
      }
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = element.fromJson(value[i], `${label}[${i}]`);
      return out;
    },
    checkOutput: (value, label) => {
      if (!Array.isArray(value)) return `${label}: expected ${name}, got ${showValue(value)}`;
      for (let i = 0; i < value.length; i++) {
        const problem = element.checkOutput(value[i], `${label}[${i}]`);
        if (problem !== null) return problem;
      }
      return null;
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function memberLabel(label: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${label}.${key}` : `${label}[${JSON.stringify(key)}]`;
}

function mapType(name: string, element: ApiType): ApiType {
  return {
    name, kind: 'map', element, minLength: 0, maxLength: Infinity, plainJson: element.plainJson,
    fromText: (text, label) => { throw new TypeMismatch(`${label}: expected ${name} (a JSON object: send a JSON body), got ${showValue(text)}`); },
    fromJson: (value, label) => {
      if (!isPlainObject(value)) throw mismatch(label, `${name} (an object)`, value);
      if (element.plainJson) {
        for (const key of Object.keys(value)) element.fromJson(value[key], memberLabel(label, key));
        return value;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        // defineProperty: a "__proto__" key stays a key instead of replacing the prototype.
        Object.defineProperty(out, key, { value: element.fromJson(value[key], memberLabel(label, key)), enumerable: true, writable: true, configurable: true });
      }
      return out;
    },
    checkOutput: (value, label) => {
      if (!isPlainObject(value)) return `${label}: expected ${name} (an object), got ${showValue(value)}`;
      for (const key of Object.keys(value)) {
        const problem = element.checkOutput(value[key], memberLabel(label, key));
        if (problem !== null) return problem;
      }
      return null;
    },
  };
}

function customType(name: string, fn: CustomTypeFn): ApiType {
  const convert = (raw: unknown, label: string): unknown => {
    try {
      return fn(raw);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TypeMismatch(`${label}: ${why || `expected ${name}`}, got ${showValue(raw)}`);
    }
  };
  return {
    name, kind: 'custom', element: null, minLength: 0, maxLength: Infinity, plainJson: false,
    fromText: convert,
    fromJson: convert,
    // The converter goes from raw to converted values, so it cannot judge an output: any JSON value passes.
    checkOutput: (value, label) => (value === undefined ? `${label}: expected ${name}, got nothing` : null),
  };
}
