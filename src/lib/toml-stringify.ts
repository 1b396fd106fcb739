// TOML writer: a table back to a document (stringify) or one value in inline syntax (formatValue) that parse()
// reads back to the same values.
import { TomlDateTime, type TomlTable, type TomlValue } from './toml-datetime.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Writes a table as a TOML document: its plain keys first (`key = value`), then each sub-table under a `[a.b]`
 * header and each array of tables as `[[a.b]]` elements. A number that is a safe integer is written as an integer
 * (JS cannot tell 1.0 from 1); any other number so that it reads back as a float. A Date is written in UTC (`…Z`).
 * Throws TypeError for what TOML cannot hold (null, undefined, functions, symbols, class instances, cycles) and
 * RangeError for integers beyond 64 bits and dates outside years 0000-9999.
 */
export function stringify(table: TomlTable | Record<string, unknown>): string {
  if (!isTable(table)) throw new TypeError(`Expected a table (a plain object) to stringify but got ${jsKind(table)}`);
  const lines: string[] = [];
  writeTable(lines, table, '', [], new Set());
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** One value in inline TOML syntax, as stringify writes it after `key = ` (tables as inline tables). */
export function formatValue(value: TomlValue): string {
  return formatInline(value, [], new Set());
}

/** A key as TOML writes it: bare when it is only A-Z a-z 0-9 _ -, else a quoted basic string. */
export function formatKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : formatString(key);
}

type Path = (string | number)[];

function writeTable(lines: string[], table: Record<string, unknown>, header: string, path: Path, open: Set<object>): void {
  if (open.has(table)) throw new TypeError(`Cannot stringify a circular reference at ${pathText(path)}`);
  open.add(table);
  const nested: string[] = [];
  for (const key of Object.keys(table)) {
    const value = table[key];
    if (isTable(value) || isArrayOfTables(value)) {
      nested.push(key);
      continue;
    }
    path.push(key);
    lines.push(`${formatKey(key)} = ${formatInline(value, path, open)}`);
    path.pop();
  }
  for (const key of nested) {
    const value = table[key] as Record<string, unknown> | Record<string, unknown>[];
    const name = header === '' ? formatKey(key) : `${header}.${formatKey(key)}`;
    path.push(key);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        if (lines.length > 0) lines.push('');
        lines.push(`[[${name}]]`);
        writeTable(lines, value[i], name, path, open);
        path.pop();
      }
    } else {
      if (lines.length > 0) lines.push('');
      lines.push(`[${name}]`);
      writeTable(lines, value, name, path, open);
    }
    path.pop();
  }
  open.delete(table);
}

function formatInline(value: unknown, path: Path, open: Set<object>): string {
  switch (typeof value) {
    case 'string': return formatString(value);
    case 'number': return formatNumber(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'bigint':
      if (value > INT64_MAX || value < INT64_MIN) throw new RangeError(`Cannot stringify ${value}${at(path)}: TOML integers are 64-bit`);
      return String(value);
    case 'object': {
      if (value === null) throw new TypeError(`Cannot stringify null${at(path)}: TOML has no null (leave the key out)`);
      if (value instanceof TomlDateTime) return value.value;
      if (value instanceof Date) return formatDate(value, path);
      if (open.has(value)) throw new TypeError(`Cannot stringify a circular reference${at(path)}`);
      if (Array.isArray(value)) {
        open.add(value);
        const items = value.map((item, i) => {
          path.push(i);
          const text = formatInline(item, path, open);
          path.pop();
          return text;
        });
        open.delete(value);
        return `[${items.join(', ')}]`;
      }
      if (isTable(value)) {
        open.add(value);
        const pairs = Object.keys(value).map((key) => {
          path.push(key);
          const text = `${formatKey(key)} = ${formatInline(value[key], path, open)}`;
          path.pop();
          return text;
        });
        open.delete(value);
        return pairs.length === 0 ? '{}' : `{ ${pairs.join(', ')} }`;
      }
      throw new TypeError(`Cannot stringify ${jsKind(value)}${at(path)}: expected a string, number, bigint, boolean, Date, TomlDateTime, `
        + 'array or plain object');
    }
    default:
      throw new TypeError(`Cannot stringify ${jsKind(value)}${at(path)}: TOML has no ${
        typeof value === 'undefined' ? 'undefined (leave the key out)' : `${typeof value}s`}`);
  }
}

/** Integers that a double holds exactly are written as integers; every other number so that it reads back as a float. */
function formatNumber(value: number): string {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (value !== value) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function formatDate(date: Date, path: Path): string {
  if (Number.isNaN(date.getTime())) throw new RangeError(`Cannot stringify an invalid Date${at(path)}`);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`Cannot stringify the Date ${date.toISOString()}${at(path)}: TOML years are 0000 to 9999`);
  const text = date.toISOString();
  return text.endsWith('.000Z') ? `${text.slice(0, -5)}Z` : text;
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

function formatString(text: string): string {
  if (!text.isWellFormed()) throw new TypeError(`Cannot stringify ${JSON.stringify(text)}: it has a lone surrogate, which TOML (UTF-8) cannot hold`);
  const escaped = text.replace(/["\\\x00-\x1f\x7f]/g, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  return `"${escaped}"`;
}

function isTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function isArrayOfTables(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every(isTable);
}

function jsKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value !== 'object') return String(value);
  return `a ${value.constructor?.name ?? 'object'}`;
}

function at(path: Path): string {
  return path.length === 0 ? '' : ` at ${pathText(path)}`;
}

/** `a.b[2]."c d"`: where in the table a value sits, for error messages. */
function pathText(path: Path): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${formatKey(part)}`;
  return quote(text);
}

/** Quotes a key path for a message; single quotes when it holds double ones (`'"odd key".f'`). */
function quote(text: string): string {
  return text.includes('"') ? `'${text}'` : `"${text}"`;
}
