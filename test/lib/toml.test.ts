// src/lib/toml.ts against external ground truth (toml-test through its runner, and a parse → stringify → parse
// round trip over every valid case), then what the suite cannot check: exact error positions and messages, the
// value contract (null-prototype tables, bigint edges, the four date kinds) and the writer's output.
import { test, describe } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseValue, stringify, formatValue, formatKey, TomlDateTime, TomlSyntaxError } from '../../src/lib/toml.ts';
import type { TomlTable, TomlValue } from '../../src/lib/toml.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The official cases, vendored from shared/toml-test (see test/toml-test/README.md).
const suiteDir = resolve(repoRoot, 'test', 'toml-test');

/** True when the shared toml-test suite is here; otherwise skips the test, or fails it under CI=true. */
function haveSuite(t: TestContext): boolean {
  if (existsSync(join(suiteDir, 'run.mjs'))) return true;
  const reason = `toml-test suite not found at ${suiteDir}`;
  if (process.env.CI === 'true') assert.fail(`${reason} (CI=true requires it)`);
  t.skip(reason);
  return false;
}

/** The first difference between two parsed values ('' when equal): NaN equals NaN, -0 differs from 0. */
function difference(a: unknown, b: unknown, path = '$'): string {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'string' || typeof a === 'boolean') {
    return Object.is(a, b) ? '' : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (a instanceof TomlDateTime || b instanceof TomlDateTime) {
    if (!(a instanceof TomlDateTime && b instanceof TomlDateTime)) return `${path}: date-time vs not`;
    return a.kind === b.kind && a.value === b.value ? '' : `${path}: ${a.kind} ${a.value} vs ${b.kind} ${b.value}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) return `${path}: array vs not`;
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const diff = difference(a[i], b[i], `${path}[${i}]`);
      if (diff) return diff;
    }
    return '';
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (Object.getPrototypeOf(x) !== null || Object.getPrototypeOf(y) !== null) return `${path}: a table without a null prototype`;
  const keys = Object.keys(x).sort();
  if (JSON.stringify(keys) !== JSON.stringify(Object.keys(y).sort())) return `${path}: keys ${JSON.stringify(keys)} vs ${JSON.stringify(Object.keys(y).sort())}`;
  for (const key of keys) {
    const diff = difference(x[key], y[key], `${path}.${key}`);
    if (diff) return diff;
  }
  return '';
}

function validCases(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return validCases(path);
    return entry.name.endsWith('.toml') ? [path] : [];
  });
}

describe('toml-test conformance', () => {
  test('the runner reports 709 passed, 0 failed', async (t) => {
    if (!haveSuite(t)) return;
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [join(suiteDir, 'run.mjs'), 'src/lib/toml.ts', 'parse', '-q'], { cwd: repoRoot },
        (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    });
    const lines = stdout.trim().split('\n');
    assert.equal(lines[lines.length - 1], '709 passed, 0 failed', `runner output:\n${stdout}\n${stderr}`);
    assert.equal(code, 0);
  });

  test('parse(stringify(parse(x))) equals parse(x) for every valid case', (t) => {
    if (!haveSuite(t)) return;
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const files = validCases(join(suiteDir, 'tests', 'valid'));
    assert.equal(files.length, 210);
    for (const file of files) {
      const name = relative(suiteDir, file);
      const first = parse(decoder.decode(readFileSync(file)));
      const written = stringify(first);
      let again: TomlTable;
      try {
        again = parse(written);
      } catch (err) {
        assert.fail(`${name}: stringify wrote a document that does not parse:\n${written}\n${(err as Error).message}`);
      }
      const diff = difference(first, again);
      assert.equal(diff, '', `${name}: the round trip changed ${diff}\n${written}`);
      assert.equal(stringify(again), written, `${name}: writing the re-parsed table gave different text`);
    }
  });
});

describe('errors', () => {
  const cases: { name: string; toml: string; line: number; column: number; message: string }[] = [
    { name: 'missing equals', toml: 'title "x"', line: 1, column: 7, message: 'Expected "=" after key "title"' },
    { name: 'missing equals after a dotted key', toml: 'a.b 1', line: 1, column: 5, message: 'Expected "=" after key "a.b"' },
    { name: 'duplicate key', toml: 'name = "a"\nname = "b"', line: 2, column: 1, message: 'Duplicate key "name" (first defined on line 1)' },
    { name: 'duplicate dotted key', toml: 'a.b = 1\n\na.b = 2', line: 3, column: 3, message: 'Duplicate key "a.b" (first defined on line 1)' },
    { name: 'redefined table', toml: '[a]\nb = 1\n\n[a]\nc = 2', line: 4, column: 2, message: 'Duplicate table "a" (first defined on line 1)' },
    { name: 'table defined by dotted keys', toml: '[fruit]\napple.color = "red"\n[fruit.apple]', line: 3, column: 8, message: 'Cannot define table "fruit.apple": it is already a table made by dotted keys (defined on line 2)' },
    { name: 'inline table extended', toml: 'a = { b = 1 }\n[a.c]', line: 2, column: 2, message: 'Cannot define table "a.c": "a" is already an inline table' },
    { name: 'value used as a table', toml: 'a = 1\na.b = 2', line: 2, column: 1, message: 'Cannot add dotted key "a.b": "a" is already a number (defined on line 1)' },
    { name: 'array of tables over a table', toml: '[a]\n[[a]]', line: 2, column: 3, message: 'Cannot define array of tables "a": it is already a table defined by a [header] (defined on line 1)' },
    { name: 'bad escape', toml: 's = "a\\qb"', line: 1, column: 7, message: 'Invalid escape "\\q"' },
    { name: 'surrogate escape', toml: 's = "\\uD800"', line: 1, column: 6, message: 'Invalid escape "\\uD800": not a Unicode scalar value' },
    { name: 'unterminated string', toml: 's = "abc', line: 1, column: 9, message: 'Unterminated basic string: expected a closing \'"\'' },
    { name: 'newline inside a basic string', toml: 's = "abc\ndef"', line: 1, column: 9, message: 'Unterminated basic string: a newline cannot be inside a one-line string' },
    { name: 'unterminated multi-line string', toml: 'a = 1\ns = """\nabc', line: 3, column: 4, message: 'Unterminated multi-line string: expected """ to close the string opened on line 2' },
    { name: 'Feb 30', toml: 'd = 2023-02-30', line: 1, column: 5, message: 'Invalid date "2023-02-30": the day must be 01 to 28 in that month' },
    { name: 'Feb 29 of a common year', toml: 'd = 2100-02-29T10:00:00Z', line: 1, column: 5, message: 'Invalid date "2100-02-29": the day must be 01 to 28' },
    { name: 'hour 24', toml: 't = 24:00:00', line: 1, column: 5, message: 'Invalid time in "24:00:00": the hour must be 00 to 23' },
    { name: 'time without seconds', toml: 't = 1979-05-27T07:32Z', line: 1, column: 5, message: 'Invalid time in "1979-05-27T07:32Z": expected hh:mm:ss (seconds are required)' },
    { name: 'hex prefix without digits', toml: 'n = 0x', line: 1, column: 5, message: 'Invalid integer "0x": expected hex digits after "0x"' },
    { name: 'leading zero', toml: 'n = 0123', line: 1, column: 5, message: 'Invalid number "0123": leading zeros are not allowed' },
    { name: 'trailing underscore', toml: 'n = 1_000_', line: 1, column: 5, message: 'Invalid number "1_000_": an underscore must be between two digits' },
    { name: 'integer out of range', toml: 'n = 9223372036854775808', line: 1, column: 5, message: 'Integer "9223372036854775808" is out of range' },
    { name: 'inline table trailing comma', toml: 't = { a = 1, }', line: 1, column: 14, message: 'Expected a key after "," but found "}" (inline tables cannot have a trailing comma)' },
    { name: 'inline table newline', toml: 't = { a = 1\n}', line: 1, column: 12, message: 'Expected "," or "}" after a key/value pair of an inline table but found the end of the line' },
    { name: 'unterminated array', toml: 'a = [1, 2', line: 1, column: 10, message: 'Unterminated array: expected "]" to close the array opened on line 1' },
    { name: 'unquoted string', toml: 'a = hello', line: 1, column: 5, message: 'Expected a value but found "hello" (strings must be quoted)' },
    { name: 'text after a value', toml: 'a = 1 2', line: 1, column: 7, message: 'Expected a newline or comment after the value of key "a" but found "2"' },
    { name: 'text after a header', toml: '[error] here', line: 1, column: 9, message: 'Expected a newline or comment after the table header "[error]" but found "here"' },
    { name: 'unclosed header', toml: '[a\nb = 1', line: 1, column: 3, message: 'Expected "]" after the table name "a" but found the end of the line' },
    { name: 'control character in a comment', toml: 'a = 1 # x\u0007y', line: 1, column: 10, message: 'Control character U+0007 is not allowed in a comment' },
    { name: 'columns count code points, not UTF-16 units', toml: 's = "日本😀" x', line: 1, column: 11, message: 'Expected a newline or comment after the value of key "s" but found "x"' },
    { name: 'the BOM is not a column', toml: '\ufeffa b', line: 1, column: 3, message: 'Expected "=" after key "a"' },
    { name: 'CRLF lines', toml: 'a = 1\r\nb 2\r\n', line: 2, column: 3, message: 'Expected "=" after key "b"' },
    { name: 'tab before the column', toml: '[t]\n\tkey\t"x"', line: 2, column: 6, message: 'Expected "=" after key "key"' },
  ];

  for (const c of cases) {
    test(c.name, () => {
      assert.throws(() => parse(c.toml), (err: unknown) => {
        assert.ok(err instanceof TomlSyntaxError, `expected a TomlSyntaxError, got ${String(err)}`);
        assert.ok(err instanceof SyntaxError);
        assert.equal(err.name, 'TomlSyntaxError');
        assert.ok(err.message.startsWith(c.message), `message ${JSON.stringify(err.message)} should start with ${JSON.stringify(c.message)}`);
        assert.deepEqual({ line: err.line, column: err.column }, { line: c.line, column: c.column }, err.message);
        // `… at line L, column C`, then the source line and a caret under the column (tabs kept so it lines up).
        const sourceLine = c.toml.replace(/^\ufeff/, '').split(/\r?\n/)[c.line - 1].replace(/[\x00-\x08]/g, (ch) => String.fromCharCode(0x2400 + ch.charCodeAt(0)));
        const caret = [...sourceLine].slice(0, c.column - 1).map((ch) => (ch === '\t' ? '\t' : ' ')).join('');
        assert.ok(err.message.endsWith(` at line ${c.line}, column ${c.column}\n  ${sourceLine}\n  ${caret}^`), err.message);
        return true;
      });
    });
  }

  test('the example from the module contract', () => {
    assert.throws(() => parse('[server]\nhost = "x"\nport 8080\n'), {
      message: 'Expected "=" after key "port" at line 3, column 6\n  port 8080\n       ^',
    });
  });

  test('control characters in the excerpt are drawn as pictures', () => {
    assert.throws(() => parse('a = "x\u0001"'), (err: TomlSyntaxError) => err.message.endsWith('\n  a = "x\u2401"\n        ^'));
  });

  test('a long line is cut around the column', () => {
    const toml = `a = "${'x'.repeat(200)}" oops ${'y'.repeat(200)}`;
    assert.throws(() => parse(toml), (err: TomlSyntaxError) => {
      assert.equal(err.column, 208);
      const [, excerpt, caret] = err.message.split('\n');
      assert.ok(excerpt.length < 110 && excerpt.startsWith('  …') && excerpt.endsWith('…'), excerpt);
      assert.equal(excerpt.indexOf('oops'), caret.indexOf('^'));
      return true;
    });
  });

  test('deep nesting is a syntax error, not a stack overflow', () => {
    assert.throws(() => parse(`a = ${'['.repeat(5000)}`), /nested too deeply/);
    assert.throws(() => parseValue('{ a = '.repeat(5000)), TomlSyntaxError);
  });

  test('only one BOM is skipped', () => {
    assert.deepEqual({ ...parse('\ufeffa = 1') }, { a: 1 });
    assert.throws(() => parse('\ufeff\ufeffa = 1'), TomlSyntaxError);
  });

  test('input that is not a string is a TypeError', () => {
    assert.throws(() => parse(Buffer.from('a = 1') as unknown as string), TypeError);
  });
});

describe('values', () => {
  test('tables have a null prototype, so __proto__ is an ordinary key', () => {
    const doc = parse('__proto__ = 1\n[a.__proto__]\nb = 2\n[c]\n__proto__.polluted = true\nd = { __proto__ = { x = 1 } }\n[[e]]\n"__proto__" = "s"');
    for (const table of [doc, doc.a, (doc.a as TomlTable).__proto__, doc.c, (doc.c as TomlTable).d, (doc.e as TomlTable[])[0]]) {
      assert.equal(Object.getPrototypeOf(table), null);
    }
    assert.ok(Object.hasOwn(doc, '__proto__'));
    assert.equal(doc.__proto__, 1);
    assert.equal(((doc.a as TomlTable).__proto__ as TomlTable).b, 2);
    assert.equal(((doc.c as TomlTable).__proto__ as TomlTable).polluted, true);
    assert.equal(((doc.e as TomlTable[])[0]).__proto__, 's');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).b, undefined);
    assert.equal(difference(parse(stringify(doc)), doc), '');
  });

  test('integers are numbers when safe, bigints up to 64 bits, errors beyond', () => {
    const cases: [string, TomlValue][] = [
      ['9007199254740991', 9007199254740991],
      ['-9007199254740991', -9007199254740991],
      ['9007199254740992', 9007199254740992n],
      ['-9007199254740992', -9007199254740992n],
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
      ['+9_223_372_036_854_775_807', 9223372036854775807n],
      ['1234567890123456', 1234567890123456],
      ['0x7FFFFFFFFFFFFFFF', 9223372036854775807n],
      ['0x1F_FFFF_FFFF_FFFF', 9007199254740991],
      ['0o777', 511],
      ['0b1010_1010', 170],
      ['1_000', 1000],
      ['-0', 0],
    ];
    for (const [text, expected] of cases) {
      const value = parse(`n = ${text}`).n;
      assert.ok(Object.is(value, expected), `${text} gave ${String(value)} (${typeof value})`);
    }
    for (const text of ['9223372036854775808', '-9223372036854775809', '0x8000000000000000', '99999999999999999999999']) {
      assert.throws(() => parse(`n = ${text}`), /is out of range/, text);
    }
  });

  test('floats: -0, inf, nan and exponents', () => {
    const doc = parse('a = -0.0\nb = inf\nc = -inf\nd = nan\ne = +nan\nf = 1e300\ng = 6.626e-34\nh = 1_000.000_1\ni = 0e0\nj = 5E+2');
    assert.ok(Object.is(doc.a, -0));
    assert.equal(doc.b, Infinity);
    assert.equal(doc.c, -Infinity);
    assert.ok(Number.isNaN(doc.d) && Number.isNaN(doc.e));
    assert.deepEqual([doc.f, doc.g, doc.h, doc.i, doc.j], [1e300, 6.626e-34, 1000.0001, 0, 500]);
  });

  test('the four date-time kinds', () => {
    const doc = parse([
      'odt = 1979-05-27T07:32:00.999-07:00',
      'space = 1979-05-27 07:32:00z',
      'ldt = 1979-05-27T07:32:00',
      'ld = 1979-05-27',
      'lt = 07:32:00.5',
      'precise = 00:00:00.123456789',
      'first = 0001-01-01',
      'leap = 2000-02-29',
      'leap-second = 1990-12-31T23:59:60Z',
    ].join('\n'));
    const odt = doc.odt as TomlDateTime;
    assert.ok(odt instanceof TomlDateTime);
    assert.deepEqual(
      { kind: odt.kind, year: odt.year, month: odt.month, day: odt.day, hour: odt.hour, minute: odt.minute, second: odt.second, fraction: odt.fraction, offset: odt.offset },
      { kind: 'offset-datetime', year: 1979, month: 5, day: 27, hour: 7, minute: 32, second: 0, fraction: '999', offset: '-07:00' },
    );
    assert.equal(odt.value, '1979-05-27T07:32:00.999-07:00');
    assert.equal(odt.toString(), odt.value);
    assert.equal(odt.toISOString(), odt.value);
    assert.equal(JSON.stringify({ odt }), '{"odt":"1979-05-27T07:32:00.999-07:00"}');
    assert.equal(odt.toDate().toISOString(), '1979-05-27T14:32:00.999Z');

    const space = doc.space as TomlDateTime;
    assert.equal(space.value, '1979-05-27T07:32:00Z');
    assert.equal(space.offset, 'Z');
    assert.equal(space.toDate().getTime(), Date.UTC(1979, 4, 27, 7, 32));

    const kinds = ['ldt', 'ld', 'lt'].map((key) => {
      const value = doc[key] as TomlDateTime;
      return [value.kind, value.value, value.offset, value.toDate().toISOString()];
    });
    assert.deepEqual(kinds, [
      ['local-datetime', '1979-05-27T07:32:00', null, '1979-05-27T07:32:00.000Z'],
      ['local-date', '1979-05-27', null, '1979-05-27T00:00:00.000Z'],
      ['local-time', '07:32:00.5', null, '1970-01-01T07:32:00.500Z'],
    ]);
    assert.equal((doc.precise as TomlDateTime).value, '00:00:00.123456789');
    assert.equal((doc.precise as TomlDateTime).toDate().getUTCMilliseconds(), 123);
    assert.equal((doc.first as TomlDateTime).toDate().toISOString(), '0001-01-01T00:00:00.000Z');
    assert.equal((doc.leap as TomlDateTime).day, 29);
    assert.equal((doc['leap-second'] as TomlDateTime).toDate().toISOString(), '1991-01-01T00:00:00.000Z');
  });

  test('multi-line strings: trimmed first newline, line-ending backslash, extra closing quotes, CRLF', () => {
    const doc = parse('a = """\nline one\nline two"""\nb = """one \\\n    two \\\n\n  three"""\nc = """"quoted""""\nd = \'\'\'\nraw \\n\'\'\'\ne = """x\r\ny"""');
    assert.deepEqual({ ...doc }, { a: 'line one\nline two', b: 'one two three', c: '"quoted"', d: 'raw \\n', e: 'x\r\ny' });
  });
});

describe('parseValue', () => {
  test('parses one value on its own', () => {
    const cases: [string, unknown][] = [
      ['8080', 8080],
      ['"x"', 'x'],
      ["'C:\\dir'", 'C:\\dir'],
      ['  true  ', true],
      ['-1.5', -1.5],
      ['[1, 2]', [1, 2]],
      ['[\n  "a", # comment\n  "b",\n]', ['a', 'b']],
      ['9223372036854775807', 9223372036854775807n],
    ];
    for (const [text, expected] of cases) assert.deepEqual(parseValue(text), expected, text);
    const table = parseValue('{ a = 1, b.c = "x" }') as TomlTable;
    assert.equal(Object.getPrototypeOf(table), null);
    assert.equal(difference(table, parse('a = 1\nb.c = "x"')), '');
    const date = parseValue('1979-05-27') as TomlDateTime;
    assert.ok(date instanceof TomlDateTime);
    assert.equal(date.kind, 'local-date');
  });

  test('rejects what is not exactly one value', () => {
    const cases: [string, number, string][] = [
      ['10s', 1, 'Invalid number "10s"'],
      ['1 2', 3, 'Expected the end of the value but found "2"'],
      ['hello', 1, 'Expected a value but found "hello" (strings must be quoted)'],
      ['', 1, 'Expected a value but found nothing'],
      ['"a" # note', 5, 'Expected the end of the value but found "#"'],
      ['{ a = 1, a = 2 }', 10, 'Duplicate key "a" (first defined on line 1)'],
    ];
    for (const [text, column, message] of cases) {
      assert.throws(() => parseValue(text), (err: unknown) => {
        assert.ok(err instanceof TomlSyntaxError, String(err));
        assert.ok(err.message.startsWith(message), `${JSON.stringify(text)}: ${err.message}`);
        assert.equal(err.column, column, `${JSON.stringify(text)}: ${err.message}`);
        return true;
      });
    }
  });
});

describe('formatValue and formatKey', () => {
  test('writes each kind of value so that it parses back the same', () => {
    const cases: [TomlValue | Date, string][] = [
      [1, '1'],
      [-42, '-42'],
      [1.5, '1.5'],
      [1e300, '1e+300'],
      [2 ** 60, '1152921504606847000.0'],
      [-0, '-0.0'],
      [NaN, 'nan'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [9223372036854775807n, '9223372036854775807'],
      [true, 'true'],
      ['plain', '"plain"'],
      ['a"b\\c\n\t\u0001\u007f é', '"a\\"b\\\\c\\n\\t\\u0001\\u007F é"'],
      [[1, 'x', [2.5, []]], '[1, "x", [2.5, []]]'],
      [Object.assign(Object.create(null), { a: 1, 'b c': { d: [] } }), '{ a = 1, "b c" = { d = [] } }'],
      [{}, '{}'],
      [[{ a: 1 }, {}], '[{ a = 1 }, {}]'],
      [new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), '2020-01-02T03:04:05Z'],
      [new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 67)), '2020-01-02T03:04:05.067Z'],
      [parseValue('07:32:00.5'), '07:32:00.5'],
    ];
    for (const [value, text] of cases) {
      assert.equal(formatValue(value as TomlValue), text);
      if (!(value instanceof Date)) assert.equal(difference(parseValue(text), withNullPrototypes(value)), '', text);
    }
  });

  test('keys are bare when they can be', () => {
    assert.equal(formatKey('server_port-2'), 'server_port-2');
    assert.equal(formatKey('a.b'), '"a.b"');
    assert.equal(formatKey(''), '""');
    assert.equal(formatKey('ключ'), '"ключ"');
    assert.equal(formatKey('say "hi"'), '"say \\"hi\\""');
    assert.equal(formatKey('__proto__'), '__proto__');
  });
});

/** A copy of `value` whose plain objects have a null prototype, like the parser's tables. */
function withNullPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withNullPrototypes);
  if (value === null || typeof value !== 'object' || value instanceof TomlDateTime) return value;
  const table = Object.create(null);
  for (const [key, item] of Object.entries(value)) table[key] = withNullPrototypes(item);
  return table;
}

describe('stringify', () => {
  test('plain keys first, then [tables] and [[arrays of tables]], empty tables kept', () => {
    const text = stringify({
      title: 'x',
      server: { host: 'h', tls: {} },
      n: 1,
      items: [{ id: 1 }, { id: 2, sub: { z: true } }],
      mixed: [1, { a: 1 }],
      empty: [],
      'dotted.key': 'q',
    });
    assert.equal(text, [
      'title = "x"',
      'n = 1',
      'mixed = [1, { a = 1 }]',
      'empty = []',
      '"dotted.key" = "q"',
      '',
      '[server]',
      'host = "h"',
      '',
      '[server.tls]',
      '',
      '[[items]]',
      'id = 1',
      '',
      '[[items]]',
      'id = 2',
      '',
      '[items.sub]',
      'z = true',
      '',
    ].join('\n'));
    assert.equal(stringify({}), '');
    assert.equal(stringify({ a: {} }), '[a]\n');
  });

  test('what TOML cannot hold is an error naming the key path', () => {
    const cases: [Record<string, unknown>, ErrorConstructor, string][] = [
      [{ server: { port: null } }, TypeError, 'Cannot stringify null at "server.port"'],
      [{ a: [1, undefined] }, TypeError, 'Cannot stringify undefined at "a[1]"'],
      [{ items: [{ x: undefined }] }, TypeError, 'Cannot stringify undefined at "items[0].x"'],
      [{ 'odd key': { f: () => 1 } }, TypeError, `Cannot stringify a function at '"odd key".f'`],
      [{ s: Symbol('s') }, TypeError, 'Cannot stringify a symbol at "s"'],
      [{ m: new Map() }, TypeError, 'Cannot stringify a Map at "m"'],
      [{ big: 2n ** 63n }, RangeError, 'Cannot stringify 9223372036854775808 at "big"'],
      [{ when: new Date(NaN) }, RangeError, 'Cannot stringify an invalid Date at "when"'],
    ];
    for (const [table, type, message] of cases) {
      assert.throws(() => stringify(table), (err: unknown) => {
        assert.ok(err instanceof type, `${message}: got ${String(err)}`);
        assert.ok((err as Error).message.startsWith(message), (err as Error).message);
        return true;
      });
    }
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = { back: loop };
    assert.throws(() => stringify(loop), /circular reference/);
    assert.throws(() => stringify([] as unknown as TomlTable), TypeError);
  });

  test('keys that need quotes and values that need escapes round-trip', () => {
    const table = parse('"" = 1\n"a.b" = 2\n"ʎǝʞ" = 3\n\'quote"d\' = "tab\\tnew\\nline\\u0000"\n[["x y"]]\n[["x y"]]\nz = -0.0');
    assert.equal(difference(parse(stringify(table)), table), '');
  });
});
