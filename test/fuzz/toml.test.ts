// Fuzzing the TOML reader (src/lib/toml.ts) from the toml-test cases and a document grammar: it only ever throws a
// SyntaxError/RangeError/TypeError carrying line and column, and what it accepts round-trips through the writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatValue, parse, parseValue, stringify, TomlDateTime } from '../../src/lib/toml.ts';
import { fuzz, toText, type Rng } from '../support/fuzz.ts';

const SUITE = fileURLToPath(new URL('../toml-test/tests/', import.meta.url));

function tomlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? tomlFiles(path) : e.name.endsWith('.toml') ? [path] : [];
  });
}

const SEEDS = tomlFiles(SUITE).map((file) => readFileSync(file));

const DICTIONARY = [
  '=', ' = ', '.', '[', ']', '[[', ']]', '{', '}', ',', '#', '\n', '\r\n', '"', "'", '"""', "'''", '\\', '\\u', '\\U', '\\uD800',
  '\\U0010FFFF', '\\x', '\\e', 'true', 'false', 'inf', '-inf', '+nan', 'nan', '0x', '0o', '0b', '_', 'e', 'E', '+', '-', ':',
  'T', 'Z', ' ', '\t', '1979-05-27T07:32:00Z', '1979-05-27', '07:32:00.999999', '2000-02-29', '2100-02-29', '23:59:60',
  '+14:00', '-00:00', 'a.b.c', '"a.b"', '__proto__', 'constructor', 'a = 1\n', '[a]\n', '[[a]]\n', 'x = { y = 1 }\n',
];

const BARE = ['a', 'b', 'key', 'x-y', 'Z_9', '1', '__proto__', 'constructor', 'toString', '-', '_'];

function key(rng: Rng): string {
  const r = rng.next();
  const one = () => (rng.chance(0.7) ? rng.pick(BARE) : rng.chance(0.5) ? `"${rng.pick(['a b', '', 'ʎ', '\\"', '\\u00e9', '.'])}"` : `'${rng.pick(['a b', '', '"', '\\'])}'`);
  return r < 0.7 ? one() : `${one()}.${one()}${rng.chance(0.3) ? `.${one()}` : ''}`;
}

function value(rng: Rng, depth: number): string {
  switch (rng.int(depth > 3 ? 9 : 11)) {
    case 0: return `"${rng.pick(['', 'x', 'tab\\there', '\\u00E9\\U0001F600', 'quote \\" back \\\\', 'ǅ'])}"`;
    case 1: return `'${rng.pick(['', 'C:\\path', 'a "b"'])}'`;
    case 2: return `"""${rng.pick(['\n', 'a\\\n   b', '""', 'x\r\ny'])}"""`;
    case 3: return `'''${rng.pick(['\nraw', "''", 'x\ny'])}'''`;
    case 4: return rng.pick(['0', '+1', '-0', '1_000', '0xDEAD_beef', '0o755', '0b1101', '9223372036854775807', '-9223372036854775808']);
    case 5: return rng.pick(['1.5', '-0.0', '1e10', '6.626e-34', '1_000.000_1', 'inf', '-nan', '5e+22', '1.7976931348623157e308']);
    case 6: return rng.pick(['true', 'false']);
    case 7: return rng.pick(['1979-05-27T07:32:00Z', '1979-05-27 07:32:00.5-07:00', '1979-05-27T00:32:00.999999', '1979-05-27', '07:32:00', '2024-02-29T23:59:60Z']);
    case 8: return rng.pick(['[]', '{}', '[1, 2]', '[ "a", ]']);
    case 9: {
      const items = Array.from({ length: rng.int(4) }, () => value(rng, depth + 1));
      return `[${items.join(rng.pick([', ', ',\n', ' ,'])) }${rng.chance(0.2) ? ',' : ''}]`;
    }
    default: {
      const pairs = Array.from({ length: rng.int(4) }, () => `${key(rng)} = ${value(rng, depth + 1)}`);
      return `{ ${pairs.join(', ')} }`;
    }
  }
}

/** A document from the grammar: key/values, [tables] and [[arrays]], comments and blank lines, CRLF now and then. */
function document(rng: Rng): string {
  const lines: string[] = [];
  const count = 1 + rng.int(12);
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    if (r < 0.6) lines.push(`${key(rng)} = ${value(rng, 0)}${rng.chance(0.1) ? ' # note' : ''}`);
    else if (r < 0.75) lines.push(`[${key(rng)}]`);
    else if (r < 0.85) lines.push(`[[${key(rng)}]]`);
    else if (r < 0.95) lines.push(rng.pick(['', '# comment', '   ', '\t# tab']));
    else lines.push(value(rng, 0));
  }
  return lines.join(rng.chance(0.2) ? '\r\n' : '\n') + (rng.chance(0.8) ? '\n' : '');
}

/** The first difference between two parsed values ('' when equal): NaN equals NaN, -0 differs from 0. */
function difference(a: unknown, b: unknown, path = '$'): string {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null) return Object.is(a, b) ? '' : `${path}: ${String(a)} vs ${String(b)}`;
  if (a instanceof TomlDateTime || b instanceof TomlDateTime) {
    return a instanceof TomlDateTime && b instanceof TomlDateTime && a.kind === b.kind && a.value === b.value ? '' : `${path}: date-times differ`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs not`;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  // Sorted: the writer puts plain keys before sub-tables, so order may change; the set of keys may not.
  const keys = Object.keys(x).sort();
  if (keys.join('\0') !== Object.keys(y).sort().join('\0')) return `${path}: keys ${JSON.stringify(keys)} vs ${JSON.stringify(Object.keys(y))}`;
  for (const k of keys) {
    const diff = difference(x[k], y[k], `${path}.${k}`);
    if (diff) return diff;
  }
  return '';
}

/** A rejection is one of the three built-in classes, with a 1-based line and column. */
function assertTypedError(err: unknown): void {
  if (!(err instanceof SyntaxError || err instanceof RangeError || err instanceof TypeError)) throw err;
  const { line, column } = err as unknown as { line: unknown; column: unknown };
  if (!(Number.isInteger(line) && (line as number) >= 1 && Number.isInteger(column) && (column as number) >= 1)) {
    throw new Error(`${err.name} without a line and column: ${err.message}`, { cause: err });
  }
}

test('fuzz: parse() throws only located SyntaxError/RangeError/TypeError, and what it accepts round-trips', { timeout: 600_000 }, async (t) => {
  const stats = await fuzz('toml', {
    seeds: SEEDS,
    dictionary: DICTIONARY,
    generate: document,
    run(input) {
      const text = toText(input);
      let doc;
      try {
        doc = parse(text);
      } catch (err) {
        assertTypedError(err);
        return;
      }
      const written = stringify(doc);
      const diff = difference(doc, parse(written));
      assert.equal(diff, '', `stringify then parse changed ${diff}; written:\n${written}`);
    },
  });
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});

test('fuzz: parseValue() likewise, and what it accepts round-trips through formatValue()', { timeout: 600_000 }, async (t) => {
  const stats = await fuzz('toml-value', {
    seeds: ['1', '"x"', '[1, [2, "3"]]', '{ a = { b = [] } }', '1979-05-27T07:32:00Z', "'''\nx'''", '0x_1', '[[[[[[[[[['],
    dictionary: DICTIONARY,
    generate: (rng) => value(rng, 0),
    run(input) {
      let parsed;
      try {
        parsed = parseValue(toText(input));
      } catch (err) {
        assertTypedError(err);
        return;
      }
      const diff = difference(parsed, parseValue(formatValue(parsed)));
      assert.equal(diff, '', `formatValue then parseValue changed ${diff}`);
    },
  });
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});
