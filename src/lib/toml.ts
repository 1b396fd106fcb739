// TOML 1.0.0 reader. parse() is one pass over the text's char codes that builds null-prototype tables; errors carry
// line, column and an excerpt with a caret. The writer (stringify) is in toml-stringify.ts, re-exported here.
import { TomlDateTime, type TomlTable, type TomlValue } from './toml-datetime.ts';

export { TomlDateTime, type TomlDateTimeKind, type TomlTable, type TomlValue } from './toml-datetime.ts';
export { formatKey, formatValue, stringify } from './toml-stringify.ts';

/** A document or value that is not valid TOML 1.0.0; `line` and `column` (1-based) point at the problem. */
export class TomlSyntaxError extends SyntaxError {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(message);
    this.name = 'TomlSyntaxError';
    this.line = line;
    this.column = column;
  }
}

// ---------------------------------------------------------------------------------------------------- parsing ---

// How a table was made, kept beside the output so the tables stay plain: only these tables can be reopened,
// and only in their own way. Inline tables are absent, which makes them (and everything in them) closed.
const IMPLICIT = 1; // created on the way to a [header]: a later [header] may still define it
const EXPLICIT = 2; // defined by a [header] or as an [[array]] element (and the root)
const DOTTED = 3; // created by a dotted key: more dotted keys may add to it, headers may not define it

const MAX_DEPTH = 1000;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The parser's state lives in the module: one parse runs at a time and never calls out, and plain variables are
// cheaper than fields of a state object passed around.
let src = '';
let pos = 0;
let end = 0;
/** Levels from the root to where the parser is: [header] parts, dotted key parts, arrays and inline tables. */
let depth = 0;
/** The levels of the last [header]: the depth its key/value lines start at. */
let headerDepth = 0;
let kinds = new Map<object, number>();
let tableArrays = new Set<unknown>();
/** Where each key and [header] first appeared; kept only while re-running a document to word a conflict error. */
let firstSeen: { keys: Map<object, Map<string, number>>; headers: Map<object, number> } | null = null;
// Scratch results of readTime(), so that a time needs no object of its own.
let timeHour = 0;
let timeMinute = 0;
let timeSecond = 0;
let timeFraction = '';

/** Thrown when a conflict is found without positions; parse runs again keeping them, to name the first line. */
const RERUN_WITH_POSITIONS = Symbol('rerun');

/** Parses a TOML 1.0.0 document (one leading BOM is skipped) into a table; throws TomlSyntaxError when invalid. */
export function parse(text: string): TomlTable {
  return run(text, readDocument);
}

/** Parses one TOML value on its own, as written after `key = ` (e.g. `8080`, `"x"`, `[1, 2]`, `{ a = 1 }`). */
export function parseValue(text: string): TomlValue {
  return run(text, readLoneValue);
}

function run<T>(text: string, body: () => T): T {
  if (typeof text !== 'string') throw new TypeError(`Expected TOML text as a string but got ${typeof text}`);
  try {
    return runOnce(text, body, false);
  } catch (err) {
    if (err !== RERUN_WITH_POSITIONS) throw err;
    return runOnce(text, body, true);
  }
}

function runOnce<T>(text: string, body: () => T, trackPositions: boolean): T {
  src = text;
  pos = 0;
  end = text.length;
  depth = 0;
  headerDepth = 0;
  kinds = new Map();
  tableArrays = new Set();
  firstSeen = trackPositions ? { keys: new Map(), headers: new Map() } : null;
  try {
    // TOML is UTF-8, which cannot hold a lone surrogate: such text did not come from a document, and stringify could
    // not write its strings back.
    if (!text.isWellFormed()) {
      const at = /[\uD800-\uDFFF]/u.exec(text)!.index;
      fail(`Lone surrogate ${codePoint(text.charCodeAt(at))} is not allowed (TOML text is UTF-8)`, at);
    }
    return body();
  } finally {
    src = '';
    kinds = new Map();
    tableArrays = new Set();
    firstSeen = null;
  }
}

function readDocument(): TomlTable {
  const root: TomlTable = Object.create(null);
  kinds.set(root, EXPLICIT);
  let table = root;
  if (src.charCodeAt(0) === 0xfeff) pos = 1;
  while (pos < end) {
    const c = src.charCodeAt(pos);
    if (c === 10 || c === 32 || c === 9) pos++;
    else if (c === 35) skipComment();
    else if (c === 13) skipCrlf();
    else {
      const start = pos;
      if (c === 91) table = readHeader(root);
      else {
        depth = headerDepth;
        readKeyValue(table);
      }
      endStatement(start, c === 91);
    }
  }
  return root;
}

function readLoneValue(): TomlValue {
  skipBlank();
  if (pos >= end) fail('Expected a value but found nothing', pos);
  const value = readValue();
  skipBlank();
  if (pos < end) fail(`Expected the end of the value but found ${found(pos)}`, pos);
  return value;
}

/** Skips spaces, tabs and newlines (parseValue allows them around the value). */
function skipBlank(): void {
  for (let c = src.charCodeAt(pos); c === 32 || c === 9 || c === 10 || c === 13; c = src.charCodeAt(++pos));
}

function skipWhitespace(): void {
  for (let c = src.charCodeAt(pos); c === 32 || c === 9; c = src.charCodeAt(++pos));
}

function skipCrlf(): void {
  if (src.charCodeAt(pos + 1) !== 10) fail('Expected a newline after a carriage return (a lone CR is not a line break)', pos);
  pos += 2;
}

/** Skips a comment up to (not over) its newline; comments may hold any character but controls other than tab. */
function skipComment(): void {
  for (let c = src.charCodeAt(++pos); pos < end; c = src.charCodeAt(++pos)) {
    if (c < 32 || c === 127) {
      if (c === 10) return;
      if (c === 13 && src.charCodeAt(pos + 1) === 10) return;
      if (c !== 9) fail(`Control character ${codePoint(c)} is not allowed in a comment`, pos);
    }
  }
}

/** After a key/value pair or a header: only whitespace and a comment may follow on the line. */
function endStatement(start: number, header: boolean): void {
  skipWhitespace();
  const c = src.charCodeAt(pos);
  if (c === 10) pos++;
  else if (c === 35) skipComment();
  else if (c === 13) skipCrlf();
  else if (pos < end) {
    const what = header ? `the table header ${quote(src.slice(start, pos).trim())}` : `the value of key ${quote(keyText(start))}`;
    fail(`Expected a newline or comment after ${what} but found ${found(pos)}`, pos);
  }
}

function readHeader(root: TomlTable): TomlTable {
  const isArray = src.charCodeAt(++pos) === 91;
  if (isArray) pos++;
  skipWhitespace();
  const nameStart = pos;
  let table = root;
  let at = pos;
  let key = readKey();
  skipWhitespace();
  headerDepth = 1;
  while (src.charCodeAt(pos) === 46) {
    // Bounded like nesting: the writer (and any reader of the result) recurses once per level.
    if (++headerDepth > MAX_DEPTH) fail(`Table name has too many parts (more than ${MAX_DEPTH})`, pos);
    table = enterHeaderTable(table, key, at, nameStart);
    pos++;
    skipWhitespace();
    at = pos;
    key = readKey();
    skipWhitespace();
  }
  const nameEnd = pos;
  if (src.charCodeAt(pos) !== 93 || (isArray && src.charCodeAt(pos + 1) !== 93)) {
    fail(`Expected "${isArray ? ']]' : ']'}" after the table name ${quote(src.slice(nameStart, pos).trim())} but found ${found(pos)}`, pos);
  }
  pos += isArray ? 2 : 1;
  return isArray ? addArrayTable(table, key, at, nameStart, nameEnd) : defineTable(table, key, at, nameStart, nameEnd);
}

/** Steps through one part of a header's name: into a table, or into the last table of an array of tables. */
function enterHeaderTable(table: TomlTable, key: string, at: number, nameStart: number): TomlTable {
  const value = table[key];
  if (value === undefined) {
    const created: TomlTable = Object.create(null);
    table[key] = created;
    kinds.set(created, IMPLICIT);
    if (firstSeen !== null) noteKey(table, key, at);
    return created;
  }
  if (typeof value === 'object') {
    if (Array.isArray(value)) {
      if (tableArrays.has(value)) return value[value.length - 1] as TomlTable;
    } else if (kinds.has(value)) return value as TomlTable;
  }
  const part = quote(src.slice(nameStart, pos).trim());
  return conflict(at, table, key, (line) => `Cannot define table ${quote(headerText(nameStart))}: ${part} is already ${describe(value)}${line}`);
}

function defineTable(table: TomlTable, key: string, at: number, nameStart: number, nameEnd: number): TomlTable {
  const value = table[key];
  if (value === undefined) {
    const created: TomlTable = Object.create(null);
    table[key] = created;
    kinds.set(created, EXPLICIT);
    if (firstSeen !== null) noteKey(table, key, at);
    return created;
  }
  if (typeof value === 'object' && kinds.get(value) === IMPLICIT) {
    kinds.set(value, EXPLICIT);
    if (firstSeen !== null) firstSeen.headers.set(value, at);
    return value as TomlTable;
  }
  const name = quote(src.slice(nameStart, nameEnd).trim());
  if (typeof value === 'object' && kinds.get(value) === EXPLICIT) {
    return conflict(at, table, key, (line) => `Duplicate table ${name}${line.replace('defined', 'first defined')}`);
  }
  return conflict(at, table, key, (line) => `Cannot define table ${name}: it is already ${describe(value)}${line}`);
}

function addArrayTable(table: TomlTable, key: string, at: number, nameStart: number, nameEnd: number): TomlTable {
  let array = table[key];
  if (array === undefined) {
    array = [];
    table[key] = array;
    tableArrays.add(array);
    if (firstSeen !== null) noteKey(table, key, at);
  } else if (!tableArrays.has(array)) {
    const existing = array;
    const name = quote(src.slice(nameStart, nameEnd).trim());
    return conflict(at, table, key, (line) => `Cannot define array of tables ${name}: it is already ${describe(existing)}${line}`);
  }
  const element: TomlTable = Object.create(null);
  kinds.set(element, EXPLICIT);
  (array as TomlValue[]).push(element);
  return element;
}

/** Reads `key = value` (the key possibly dotted) into `table`. */
function readKeyValue(table: TomlTable): void {
  const keyStart = pos;
  let at = pos;
  let key = readKey();
  let c = src.charCodeAt(pos);
  if (c === 32 || c === 9) {
    skipWhitespace();
    c = src.charCodeAt(pos);
  }
  const outerDepth = depth;
  while (c === 46) {
    if (++depth > MAX_DEPTH) fail(`Key is nested too deeply (more than ${MAX_DEPTH} levels with its table and dotted parts)`, pos);
    table = enterDottedTable(table, key, at, keyStart);
    pos++;
    skipWhitespace();
    at = pos;
    key = readKey();
    skipWhitespace();
    c = src.charCodeAt(pos);
  }
  if (c !== 61) fail(`Expected "=" after key ${quote(src.slice(keyStart, pos).trim())}`, pos);
  c = src.charCodeAt(++pos);
  if (c === 32 || c === 9) skipWhitespace();
  if (table[key] !== undefined) {
    const name = src.slice(keyStart, at) + key;
    conflict(at, table, key, (line) => `Duplicate key ${quote(name)}${line.replace('defined', 'first defined')}`);
  }
  table[key] = readValue();
  depth = outerDepth;
  if (firstSeen !== null) noteKey(table, key, at);
}

/** Steps through one part of a dotted key: only into tables that dotted keys made. */
function enterDottedTable(table: TomlTable, key: string, at: number, keyStart: number): TomlTable {
  const value = table[key];
  if (value === undefined) {
    const created: TomlTable = Object.create(null);
    table[key] = created;
    kinds.set(created, DOTTED);
    if (firstSeen !== null) noteKey(table, key, at);
    return created;
  }
  if (typeof value === 'object' && kinds.get(value) === DOTTED) return value as TomlTable;
  const name = src.slice(keyStart, pos).trim();
  return conflict(at, table, key, (line) => `Cannot add dotted key ${quote(keyText(keyStart))}: ${quote(name)} is already ${describe(value)}${line}`);
}

/** One part of a key: bare (A-Z a-z 0-9 _ -), "basic" or 'literal'. */
function readKey(): string {
  const start = pos;
  let c = src.charCodeAt(pos);
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45) {
    do c = src.charCodeAt(++pos);
    while ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45);
    return src.slice(start, pos);
  }
  if (c === 34 || c === 39) {
    if (src.charCodeAt(pos + 1) === c && src.charCodeAt(pos + 2) === c) {
      fail('Expected a key but found a multi-line string (keys must be on one line)', pos);
    }
    return c === 34 ? readBasicString() : readLiteralString();
  }
  return fail(`Expected a key (A-Z a-z 0-9 _ - or a quoted string) but found ${found(pos)}`, pos);
}

function readValue(): TomlValue {
  const c = src.charCodeAt(pos);
  if (c === 34) return src.charCodeAt(pos + 1) === 34 && src.charCodeAt(pos + 2) === 34 ? readMultilineString(34) : readBasicString();
  if ((c >= 48 && c <= 57) || c === 45 || c === 43) return readNumberOrDate();
  if (c === 39) return src.charCodeAt(pos + 1) === 39 && src.charCodeAt(pos + 2) === 39 ? readMultilineString(39) : readLiteralString();
  if (c === 91) return readArray();
  if (c === 123) return readInlineTable();
  if (c === 116 && src.startsWith('true', pos)) return readWord(4, true);
  if (c === 102 && src.startsWith('false', pos)) return readWord(5, false);
  if ((c === 105 && src.startsWith('inf', pos)) || (c === 110 && src.startsWith('nan', pos))) return readNumberOrDate();
  const word = wordAt(pos);
  const hint = word !== '' && /^[A-Za-z]/.test(word) ? ' (strings must be quoted)' : '';
  return fail(`Expected a value but found ${found(pos)}${hint}`, pos);
}

function readWord(length: number, value: boolean): boolean {
  const start = pos;
  pos += length;
  if (!isValueEnd(src.charCodeAt(pos))) fail(`Invalid value ${quote(wordAt(start))}`, start);
  return value;
}

/** Whether `c` may follow a number, boolean or date (NaN, the end of the text, may too). */
function isValueEnd(c: number): boolean {
  return c === 32 || c === 10 || c === 44 || c === 93 || c === 125 || c === 35 || c === 9 || c === 13 || c !== c;
}

function readBasicString(): string {
  const start = ++pos;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 34) return src.slice(start, pos++);
    if (c === 92) return readEscapedString(start);
    if (!(c >= 32) || c === 127) {
      if (c !== 9) failInString(start - 1, 'basic string');
    }
    pos++;
  }
}

/** The rest of a basic string that has escapes, from its first backslash (at `pos`). */
function readEscapedString(start: number): string {
  let out = '';
  let chunk = start;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 34) {
      out += src.slice(chunk, pos++);
      return out;
    }
    if (c === 92) {
      out += src.slice(chunk, pos);
      out += readEscape();
      chunk = pos;
    } else {
      if (!(c >= 32) || c === 127) {
        if (c !== 9) failInString(start - 1, 'basic string');
      }
      pos++;
    }
  }
}

function readLiteralString(): string {
  const start = ++pos;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 39) return src.slice(start, pos++);
    if (!(c >= 32) || c === 127) {
      if (c !== 9) failInString(start - 1, 'literal string');
    }
    pos++;
  }
}

/** Fails on what ended a one-line string early: the end of the text, a newline or a control character. */
function failInString(open: number, what: string): never {
  if (pos >= end) fail(`Unterminated ${what}: expected a closing ${src[open] === '"' ? '\'"\'' : '"\'"'}`, pos);
  const c = src.charCodeAt(pos);
  if (c === 10 || c === 13) {
    fail(`Unterminated ${what}: a newline cannot be inside a one-line string (use ${src[open].repeat(3)} for multi-line strings)`, pos);
  }
  return fail(`Control character ${codePoint(c)} must be escaped in a ${what}`, pos);
}

/** A backslash escape at `pos`; returns its text and moves past it. */
function readEscape(): string {
  const c = src.charCodeAt(pos + 1);
  pos += 2;
  switch (c) {
    case 110: return '\n';
    case 116: return '\t';
    case 34: return '"';
    case 92: return '\\';
    case 114: return '\r';
    case 98: return '\b';
    case 102: return '\f';
    case 117: return readUnicodeEscape(4);
    case 85: return readUnicodeEscape(8);
  }
  if (c !== c || c === 10 || c === 13) fail('Invalid escape "\\" at the end of a line: only multi-line strings can continue on the next line', pos - 2);
  const shown = `\\${String.fromCodePoint(src.codePointAt(pos - 1)!)}`;
  return fail(`Invalid escape ${quote(shown)}: expected \\b \\t \\n \\f \\r \\" \\\\ \\uXXXX or \\UXXXXXXXX`, pos - 2);
}

function readUnicodeEscape(digits: number): string {
  let code = 0;
  for (let i = 0; i < digits; i++) {
    const d = hexDigit(src.charCodeAt(pos + i));
    if (d > 15) fail(`Invalid escape ${quote(src.slice(pos - 2, pos + i + 1))}: expected ${digits} hex digits after \\${src[pos - 1]}`, pos - 2);
    code = code * 16 + d;
  }
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    fail(`Invalid escape ${quote(src.slice(pos - 2, pos + digits))}: not a Unicode scalar value`, pos - 2);
  }
  pos += digits;
  return String.fromCodePoint(code);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 99;
}

/** A """basic""" (quote 34) or '''literal''' (quote 39) multi-line string; a newline right after the opening is dropped. */
function readMultilineString(quoteChar: number): string {
  const open = pos;
  pos += 3;
  if (src.charCodeAt(pos) === 10) pos++;
  else if (src.charCodeAt(pos) === 13 && src.charCodeAt(pos + 1) === 10) pos += 2;
  let out = '';
  let chunk = pos;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === quoteChar) {
      if (src.charCodeAt(pos + 1) === c && src.charCodeAt(pos + 2) === c) {
        // Up to two more quotes belong to the content: """a"""" is `a"`.
        let close = pos + 3;
        if (src.charCodeAt(close) === c) close++;
        if (src.charCodeAt(close) === c) close++;
        out += src.slice(chunk, close - 3);
        pos = close;
        return out;
      }
      pos++;
    } else if (c === 92 && quoteChar === 34) {
      out += src.slice(chunk, pos);
      if (!skipLineEndingBackslash()) out += readEscape();
      chunk = pos;
    } else if (c >= 32 && c !== 127) {
      pos++;
    } else if (c === 10 || c === 9) {
      pos++;
    } else if (c === 13 && src.charCodeAt(pos + 1) === 10) {
      pos += 2;
    } else if (pos >= end) {
      return fail(`Unterminated multi-line string: expected ${src.slice(open, open + 3)} to close the string opened on line ${lineOf(open)}`, pos);
    } else {
      return fail(`Control character ${codePoint(c)} must be escaped in a multi-line string`, pos);
    }
  }
}

/** A backslash at `pos` that ends its line trims the newline and the whitespace after it; false if it is not one. */
function skipLineEndingBackslash(): boolean {
  let i = pos + 1;
  let c = src.charCodeAt(i);
  while (c === 32 || c === 9) c = src.charCodeAt(++i);
  if (c !== 10 && !(c === 13 && src.charCodeAt(i + 1) === 10)) return false;
  while (c === 32 || c === 9 || c === 10 || (c === 13 && src.charCodeAt(i + 1) === 10)) c = src.charCodeAt(++i);
  pos = i;
  return true;
}

function readArray(): TomlValue[] {
  const open = pos++;
  if (++depth > MAX_DEPTH) fail(`Arrays and inline tables are nested too deeply (more than ${MAX_DEPTH} levels)`, open);
  const array: TomlValue[] = [];
  for (;;) {
    skipArraySpace(open);
    if (src.charCodeAt(pos) === 93) break;
    array.push(readValue());
    skipArraySpace(open);
    const c = src.charCodeAt(pos);
    if (c === 44) pos++;
    else if (c === 93) break;
    else fail(`Expected "," or "]" after an array element but found ${found(pos)}`, pos);
  }
  pos++;
  depth--;
  return array;
}

/** Inside an array, newlines and comments count as whitespace. */
function skipArraySpace(open: number): void {
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 9) pos++;
    else if (c === 35) skipComment();
    else if (c === 13) skipCrlf();
    else if (pos >= end) fail(`Unterminated array: expected "]" to close the array opened on line ${lineOf(open)}`, pos);
    else return;
  }
}

function readInlineTable(): TomlTable {
  const open = pos++;
  if (++depth > MAX_DEPTH) fail(`Arrays and inline tables are nested too deeply (more than ${MAX_DEPTH} levels)`, open);
  const table: TomlTable = Object.create(null);
  skipWhitespace();
  if (src.charCodeAt(pos) !== 125) {
    for (;;) {
      readKeyValue(table);
      skipWhitespace();
      const c = src.charCodeAt(pos);
      if (c === 125) break;
      if (c !== 44) {
        const why = c === 10 || c === 13 ? ' (an inline table must be on one line in TOML 1.0)' : '';
        fail(`Expected "," or "}" after a key/value pair of an inline table but found ${found(pos)}${why}`, pos);
      }
      pos++;
      skipWhitespace();
      if (src.charCodeAt(pos) === 125) fail('Expected a key after "," but found "}" (inline tables cannot have a trailing comma)', pos);
    }
  }
  pos++;
  depth--;
  return table;
}

function readNumberOrDate(): TomlValue {
  const start = pos;
  let c = src.charCodeAt(pos);
  if (c >= 48 && c <= 57) {
    if (src.charCodeAt(pos + 2) === 58) return readLocalTime(start);
    if (src.charCodeAt(pos + 4) === 45 && isDigit(src.charCodeAt(pos + 1)) && isDigit(src.charCodeAt(pos + 2)) && isDigit(src.charCodeAt(pos + 3))) {
      return readDate(start);
    }
  }
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = src.charCodeAt(++pos);
  }
  if (c === 105 || c === 110) return readInfOrNan(start, negative);
  let value = 0;
  let digits = 1;
  let underscores = false;
  if (c === 48) {
    c = src.charCodeAt(++pos);
    if (c === 120 || c === 111 || c === 98) {
      if (start !== pos - 1) fail(`Invalid integer ${quote(wordAt(start))}: hex, octal and binary integers cannot have a sign`, start);
      return readPrefixedInteger(start, c === 120 ? 16 : c === 111 ? 8 : 2);
    }
    if (isDigit(c) || c === 95) fail(`Invalid number ${quote(wordAt(start))}: leading zeros are not allowed`, start);
  } else if (c >= 49 && c <= 57) {
    value = c - 48;
    for (;;) {
      c = src.charCodeAt(++pos);
      if (c >= 48 && c <= 57) {
        value = value * 10 + (c - 48);
        digits++;
      } else if (c === 95) {
        if (!isDigit(src.charCodeAt(pos + 1))) failUnderscore(start);
        underscores = true;
      } else break;
    }
  } else {
    return fail(`Invalid number ${quote(wordAt(start))}: expected a digit`, start);
  }
  if (c === 46 || c === 101 || c === 69) return readFloatRest(start, underscores);
  if (!isValueEnd(c)) failNumber(start);
  if (digits > 15) return readBigInteger(start, underscores);
  return negative ? 0 - value : value; // 0 - 0 is +0: an integer has no negative zero
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function failNumber(start: number): never {
  const word = wordAt(start);
  if (/^\d+[-:]/.test(word)) fail(`Invalid date or time ${quote(word)}: expected YYYY-MM-DD, hh:mm:ss or both`, start);
  return fail(`Invalid number ${quote(word)}`, start);
}

function failUnderscore(start: number): never {
  return fail(`Invalid number ${quote(wordAt(start))}: an underscore must be between two digits`, start);
}

/** Skips digits with single underscores between them, from a digit at `pos`; returns whether it saw an underscore. */
function skipDigits(start: number): boolean {
  let underscores = false;
  for (let c = src.charCodeAt(++pos); ; c = src.charCodeAt(++pos)) {
    if (c === 95) {
      if (!isDigit(src.charCodeAt(pos + 1))) failUnderscore(start);
      underscores = true;
    } else if (!(c >= 48 && c <= 57)) return underscores;
  }
}

/** The fraction and exponent of a float whose integer part ends at `pos`. */
function readFloatRest(start: number, underscores: boolean): number {
  let c = src.charCodeAt(pos);
  if (c === 46) {
    if (!isDigit(src.charCodeAt(++pos))) fail(`Invalid float ${quote(wordAt(start))}: expected a digit after "."`, start);
    underscores = skipDigits(start) || underscores;
    c = src.charCodeAt(pos);
  }
  if (c === 101 || c === 69) {
    c = src.charCodeAt(++pos);
    if (c === 43 || c === 45) c = src.charCodeAt(++pos);
    if (!isDigit(c)) fail(`Invalid float ${quote(wordAt(start))}: expected a digit in the exponent`, start);
    underscores = skipDigits(start) || underscores;
    c = src.charCodeAt(pos);
  }
  if (!isValueEnd(c)) failNumber(start);
  const text = src.slice(start, pos);
  return Number(underscores ? text.replaceAll('_', '') : text);
}

/** A decimal integer too long to add up exactly in a double: number when safe, bigint up to 64 bits. */
function readBigInteger(start: number, underscores: boolean): number | bigint {
  let text = src.slice(start, pos);
  if (underscores) text = text.replaceAll('_', '');
  const value = BigInt(text.charCodeAt(0) === 43 ? text.slice(1) : text);
  if (value > INT64_MAX || value < INT64_MIN) {
    fail(`Integer ${quote(src.slice(start, pos))} is out of range: TOML integers are 64-bit (${INT64_MIN} to ${INT64_MAX})`, start);
  }
  return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
}

function readPrefixedInteger(start: number, radix: number): number | bigint {
  const name = radix === 16 ? 'hex' : radix === 8 ? 'octal' : 'binary';
  const article = radix === 8 ? 'an' : 'a';
  let c = src.charCodeAt(++pos);
  if (hexDigit(c) >= radix) fail(`Invalid integer ${quote(wordAt(start))}: expected ${name} digits after ${quote(src.slice(start, start + 2))}`, start);
  const digitsStart = pos;
  let value = 0;
  let underscores = false;
  for (;;) {
    const d = hexDigit(c);
    if (d < radix) value = value * radix + d;
    else if (c === 95) {
      if (hexDigit(src.charCodeAt(pos + 1)) >= radix) failUnderscore(start);
      underscores = true;
    } else break;
    c = src.charCodeAt(++pos);
  }
  if (!isValueEnd(c)) fail(`Invalid integer ${quote(wordAt(start))}: ${quote(String.fromCharCode(c))} is not ${article} ${name} digit`, start);
  if (value <= Number.MAX_SAFE_INTEGER) return value;
  let digits = src.slice(digitsStart, pos);
  if (underscores) digits = digits.replaceAll('_', '');
  const big = BigInt(src.slice(start, start + 2) + digits);
  if (big > INT64_MAX) fail(`Integer ${quote(src.slice(start, pos))} is out of range: TOML integers are 64-bit (at most ${INT64_MAX})`, start);
  return big;
}

function readInfOrNan(start: number, negative: boolean): number {
  const isInf = src.startsWith('inf', pos);
  if (!isInf && !src.startsWith('nan', pos)) failNumber(start);
  pos += 3;
  if (!isValueEnd(src.charCodeAt(pos))) failNumber(start);
  return isInf ? (negative ? -Infinity : Infinity) : NaN;
}

/** Two decimal digits at `at` as a number, or -1. */
function twoDigits(at: number): number {
  const a = src.charCodeAt(at) - 48;
  const b = src.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** YYYY-MM-DD, optionally followed by T (or t, or a space) and a time, optionally followed by Z or ±hh:mm. */
function readDate(start: number): TomlDateTime {
  const year = (src.charCodeAt(start) - 48) * 1000 + twoDigits(start + 1) * 10 + src.charCodeAt(start + 3) - 48;
  const month = twoDigits(start + 5);
  const day = twoDigits(start + 8);
  if (month < 0 || day < 0 || src.charCodeAt(start + 7) !== 45) fail(`Invalid date ${quote(wordAt(start))}: expected YYYY-MM-DD`, start);
  pos = start + 10;
  if (month < 1 || month > 12) fail(`Invalid date ${quote(src.slice(start, pos))}: the month must be 01 to 12`, start);
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = leap ? 29 : MONTH_DAYS[month];
  if (day < 1 || day > days) fail(`Invalid date ${quote(src.slice(start, pos))}: the day must be 01 to ${days} in that month`, start);
  const sep = src.charCodeAt(pos);
  if (!(sep === 84 || sep === 116 || (sep === 32 && twoDigits(pos + 1) >= 0 && src.charCodeAt(pos + 3) === 58))) {
    if (!isValueEnd(sep)) fail(`Invalid date ${quote(wordAt(start))}`, start);
    return new TomlDateTime('local-date', src.slice(start, pos), year, month, day, 0, 0, 0, '', null);
  }
  pos++;
  readTime(start);
  let offset: string | null = null;
  let c = src.charCodeAt(pos);
  if (c === 90 || c === 122) {
    offset = 'Z';
    c = src.charCodeAt(++pos);
  } else if (c === 43 || c === 45) {
    const hours = twoDigits(pos + 1);
    const minutes = twoDigits(pos + 4);
    if (hours < 0 || minutes < 0 || src.charCodeAt(pos + 3) !== 58) {
      fail(`Invalid date-time ${quote(wordAt(start, pos))}: expected an offset like +hh:mm`, start);
    }
    if (hours > 23 || minutes > 59) fail(`Invalid date-time ${quote(wordAt(start, pos))}: the offset must be -23:59 to +23:59`, start);
    offset = src.slice(pos, pos + 6);
    pos += 6;
    c = src.charCodeAt(pos);
  }
  if (!isValueEnd(c)) fail(`Invalid date-time ${quote(wordAt(start, pos))}`, start);
  let text = src.slice(start, pos);
  if (sep !== 84) text = `${text.slice(0, 10)}T${text.slice(11)}`;
  if (offset === 'Z' && text.charCodeAt(text.length - 1) === 122) text = `${text.slice(0, -1)}Z`;
  return new TomlDateTime(offset === null ? 'local-datetime' : 'offset-datetime', text, year, month, day,
    timeHour, timeMinute, timeSecond, timeFraction, offset);
}

function readLocalTime(start: number): TomlDateTime {
  readTime(start);
  if (!isValueEnd(src.charCodeAt(pos))) fail(`Invalid time ${quote(wordAt(start))}`, start);
  return new TomlDateTime('local-time', src.slice(start, pos), 0, 0, 0, timeHour, timeMinute, timeSecond, timeFraction, null);
}

/** hh:mm:ss with an optional fraction, at `pos`; leaves the fields in the time* scratch variables. */
function readTime(start: number): void {
  const at = pos;
  const hour = twoDigits(at);
  const minute = twoDigits(at + 3);
  const second = twoDigits(at + 6);
  if (hour < 0 || minute < 0 || second < 0 || src.charCodeAt(at + 2) !== 58 || src.charCodeAt(at + 5) !== 58) {
    fail(`Invalid time in ${quote(wordAt(start, at))}: expected hh:mm:ss (seconds are required)`, start);
  }
  pos = at + 8;
  timeFraction = '';
  if (src.charCodeAt(pos) === 46) {
    const from = ++pos;
    while (isDigit(src.charCodeAt(pos))) pos++;
    if (pos === from) fail(`Invalid time in ${quote(wordAt(start, at))}: expected digits after "."`, start);
    timeFraction = src.slice(from, pos);
  }
  if (hour > 23) fail(`Invalid time in ${quote(wordAt(start, at))}: the hour must be 00 to 23`, start);
  if (minute > 59) fail(`Invalid time in ${quote(wordAt(start, at))}: the minute must be 00 to 59`, start);
  if (second > 60) fail(`Invalid time in ${quote(wordAt(start, at))}: the second must be 00 to 60`, start);
  timeHour = hour;
  timeMinute = minute;
  timeSecond = second;
}

// ----------------------------------------------------------------------------------------------------- errors ---

function fail(reason: string, at: number): never {
  throw locatedError(reason, at);
}

/** Throws for a key or table that clashes with an earlier one, naming the earlier one's line (found by a re-run). */
function conflict(at: number, table: TomlTable, key: string, message: (line: string) => string): never {
  if (firstSeen === null) throw RERUN_WITH_POSITIONS;
  const existing = table[key];
  const first = (typeof existing === 'object' ? firstSeen.headers.get(existing) : undefined) ?? firstSeen.keys.get(table)?.get(key);
  return fail(message(first === undefined ? '' : ` (defined on line ${lineOf(first)})`), at);
}

function noteKey(table: TomlTable, key: string, at: number): void {
  const seen = firstSeen!;
  let keys = seen.keys.get(table);
  if (keys === undefined) seen.keys.set(table, (keys = new Map()));
  if (!keys.has(key)) keys.set(key, at);
}

/** What a value is, for conflict messages. */
function describe(value: TomlValue): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number' : 'a float';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'boolean') return 'a boolean';
  if (value instanceof TomlDateTime) return `a ${value.kind.replace('datetime', 'date-time')}`;
  if (Array.isArray(value)) return tableArrays.has(value) ? 'an array of tables' : 'an array (not an array of tables)';
  const kind = kinds.get(value);
  if (kind === DOTTED) return 'a table made by dotted keys';
  if (kind === IMPLICIT || kind === EXPLICIT) return 'a table defined by a [header]';
  return 'an inline table (inline tables cannot be extended)';
}

/** The text of the (dotted) key that starts at `start`, read again for a message. */
function keyText(start: number): string {
  const saved = pos;
  try {
    pos = start;
    readKey();
    for (skipWhitespace(); src.charCodeAt(pos) === 46; skipWhitespace()) {
      pos++;
      skipWhitespace();
      readKey();
    }
    return src.slice(start, pos).trim();
  } catch {
    return wordAt(start);
  } finally {
    pos = saved;
  }
}

/** A header's full name, from its first key to its closing bracket, while its parts are being read. */
function headerText(nameStart: number): string {
  const close = src.indexOf(']', pos);
  return src.slice(nameStart, close < 0 ? lineEndBefore(nameStart) : close).trim();
}

function lineEndBefore(at: number): number {
  const nl = src.indexOf('\n', at);
  return nl < 0 ? end : nl;
}

/** The run of non-delimiter characters at `start` (or, from `from` on, to show a whole date-time with a space). */
function wordAt(start: number, from = start): string {
  let i = from;
  while (i < end && !isValueEnd(src.charCodeAt(i)) && i - start < 40) i++;
  return src.slice(start, i);
}

function found(at: number): string {
  if (at >= end) return 'the end of the input';
  const c = src.charCodeAt(at);
  if (c === 10 || c === 13) return 'the end of the line';
  if (c < 32 || c === 127) return `control character ${codePoint(c)}`;
  const word = wordAt(at);
  return quote(/^[\w+-]/.test(word) ? word : String.fromCodePoint(src.codePointAt(at)!));
}

function quote(text: string): string {
  return text.includes('"') ? `'${visible(text)}'` : `"${visible(text)}"`;
}

function codePoint(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

function lineOf(at: number): number {
  let line = 1;
  for (let nl = src.indexOf('\n'); nl !== -1 && nl < at; nl = src.indexOf('\n', nl + 1)) line++;
  return line;
}

/** Builds the error with `at line L, column C`, the source line and a caret under the column. */
function locatedError(reason: string, at: number): TomlSyntaxError {
  const text = src;
  at = Math.min(at, text.length);
  const line = lineOf(at);
  let lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (lineStart === 0 && text.charCodeAt(0) === 0xfeff && at > 0) lineStart = 1;
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  if (lineEnd > at && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  const before = [...text.slice(lineStart, at)];
  const column = before.length + 1;
  // Long lines are cut around the column so the excerpt stays one screen line.
  const from = Math.max(0, before.length - 60);
  const chars = [...text.slice(lineStart, lineEnd)];
  const to = Math.min(chars.length, from + 100);
  const excerpt = (from > 0 ? '…' : '') + visible(chars.slice(from, to).join('')) + (to < chars.length ? '…' : '');
  const pad = (from > 0 ? ' ' : '') + chars.slice(from, before.length).map((ch) => (ch === '\t' ? '\t' : ' ')).join('');
  return new TomlSyntaxError(`${reason} at line ${line}, column ${column}\n  ${excerpt}\n  ${pad}^`, line, column);
}

/** Control characters drawn as their Unicode pictures, so the excerpt stays on one line and the caret lines up. */
function visible(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (ch) => String.fromCharCode(ch === '\x7f' ? 0x2421 : 0x2400 + ch.charCodeAt(0)));
}
