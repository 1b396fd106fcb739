// CSV for the REST API against RFC 4180: writing (quoting, NULL vs '', header always), reading (CRLF/LF, BOM, final
// line end), round trips, every syntax error with its line and column, and the speed of a large parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvSyntaxError, formatCsv, parseCsv, type CsvValue } from '../../src/rest/csv.ts';

/** parseCsv's null-prototype rows as plain objects, for deepEqual against literals. */
function parse(text: string): Record<string, string | null>[] {
  return parseCsv(text).map((row) => ({ ...row }));
}

test('formatCsv: header row, CRLF after every record, NULL empty and unquoted, empty string quoted', () => {
  assert.equal(formatCsv(['id', 'name', 'note'], [{ id: 1, name: 'Ann', note: null }, { id: 2, name: '', note: 'x' }]), 'id,name,note\r\n1,Ann,\r\n2,"",x\r\n');
});

test('formatCsv: a header row also without rows', () => {
  assert.equal(formatCsv(['a', 'b'], []), 'a,b\r\n');
});

test('formatCsv: quotes fields holding a comma, a quote, CR or LF, doubling the quotes', () => {
  const cases: [string, string][] = [
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rhere', '"cr\rhere"'],
    ['crlf\r\n', '"crlf\r\n"'],
    [' spaced ', ' spaced '],
    ["'quote", "'quote"],
    ['héllo ✓', 'héllo ✓'],
  ];
  for (const [value, field] of cases) assert.equal(formatCsv(['v'], [{ v: value }]), `v\r\n${field}\r\n`, JSON.stringify(value));
});

test('formatCsv: numbers as JavaScript prints them; a missing key is NULL; header names quoted alike', () => {
  assert.equal(formatCsv(['n'], [{ n: 0 }, { n: -1.5 }, { n: 1e21 }, { n: 0.1 + 0.2 }]), 'n\r\n0\r\n-1.5\r\n1e+21\r\n0.30000000000000004\r\n');
  assert.equal(formatCsv(['a', 'b'], [{ a: 'x' }]), 'a,b\r\nx,\r\n');
  assert.equal(formatCsv(['a,b', 'c"d'], []), '"a,b","c""d"\r\n');
});

test('formatCsv: formula-looking values are written unchanged (no injection mangling)', () => {
  assert.equal(formatCsv(['f'], [{ f: '=1+2' }, { f: '+cmd' }, { f: '-x' }, { f: '@sum' }]), 'f\r\n=1+2\r\n+cmd\r\n-x\r\n@sum\r\n');
});

test('parseCsv: unquoted empty cell is NULL, quoted empty is the empty string', () => {
  assert.deepEqual(parse('a,b,c\r\n,"",x\r\n'), [{ a: null, b: '', c: 'x' }]);
});

test('parseCsv: CRLF or LF, with or without a final line end, with or without a BOM', () => {
  const want = [{ a: '1', b: '2' }, { a: '3', b: '4' }];
  for (const text of ['a,b\r\n1,2\r\n3,4\r\n', 'a,b\n1,2\n3,4\n', 'a,b\n1,2\n3,4', 'a,b\r\n1,2\n3,4', '\ufeffa,b\r\n1,2\r\n3,4\r\n', '\ufeffa,b\n1,2\n3,4']) {
    assert.deepEqual(parse(text), want, JSON.stringify(text));
  }
});

test('parseCsv: quoted fields keep commas, doubled quotes, CR and LF', () => {
  assert.deepEqual(parse('a,b\r\n"x,y","he said ""no"""\r\n"multi\r\nline","lf\nonly"\r\n'), [
    { a: 'x,y', b: 'he said "no"' },
    { a: 'multi\r\nline', b: 'lf\nonly' },
  ]);
});

test('parseCsv: a header alone gives no rows; a one-column empty line is a NULL row', () => {
  assert.deepEqual(parse('a,b\r\n'), []);
  assert.deepEqual(parse('a,b'), []);
  assert.deepEqual(parse('a\r\n\r\n1\r\n'), [{ a: null }, { a: '1' }]);
  assert.deepEqual(parse('a,b\r\n1,'), [{ a: '1', b: null }]);
});

test('parseCsv: rows are null-prototype objects, so a "__proto__" column is plain data', () => {
  const [row] = parseCsv('__proto__,x\r\n1,2\r\n');
  assert.equal(Object.getPrototypeOf(row), null);
  assert.equal(row.__proto__, '1');
  assert.deepEqual(Object.keys(row), ['__proto__', 'x']);
});

test('round trip: formatCsv then parseCsv gives the rows back (numbers as text)', () => {
  const columns = ['id', 'text', 'note'];
  const rows: Record<string, CsvValue>[] = [
    { id: 1, text: 'plain', note: null },
    { id: 2, text: '', note: 'comma, inside' },
    { id: 3, text: '"quoted"', note: 'new\nline' },
    { id: 4, text: 'crlf\r\nhere', note: ' ' },
    { id: 5, text: '=HYPERLINK("x")', note: 'ünïcødé 🎉' },
  ];
  const back = parse(formatCsv(columns, rows));
  assert.deepEqual(back, rows.map((r) => ({ id: String(r.id), text: r.text, note: r.note })));
});

test('parseCsv errors: what and where (line, column)', () => {
  const cases: { text: string; line: number; column: number; message: RegExp }[] = [
    { text: '', line: 1, column: 1, message: /empty/ },
    { text: '\ufeff', line: 1, column: 1, message: /empty/ },
    { text: 'a,b\r\n1,2,3\r\n', line: 2, column: 5, message: /more than the header's 2 fields/ },
    { text: 'a,b\r\n1\r\n', line: 2, column: 2, message: /1 field where the header has 2/ },
    { text: 'a,b\n1,2\n\n', line: 3, column: 1, message: /1 field where the header has 2/ },
    { text: 'a\n"open\nstill open', line: 2, column: 1, message: /Unterminated quoted field/ },
    { text: 'a,b\n1,"x"y\n', line: 2, column: 6, message: /Unexpected "y" after a closing quote/ },
    { text: 'a,b\n1,"x" \n', line: 2, column: 6, message: /Unexpected " " after a closing quote/ },
    { text: 'a,b\n1,"x"\rz\n', line: 2, column: 6, message: /Unexpected carriage return after a closing quote/ },
    { text: 'a,b\n1,x"y\n', line: 2, column: 4, message: /Unexpected '"' inside an unquoted field/ },
    { text: 'a,b\r1,2\n', line: 1, column: 4, message: /Carriage return not followed by a line feed/ },
    { text: 'a,,c\n1,2,3\n', line: 1, column: 3, message: /Empty header name/ },
    { text: 'a,"",c\n1,2,3\n', line: 1, column: 3, message: /Empty header name/ },
    { text: 'a,b,"a"\n1,2,3\n', line: 1, column: 5, message: /Duplicate header name "a"/ },
    { text: '\ufeffid,id\n', line: 1, column: 4, message: /Duplicate header name "id"/ },
    { text: 'a\n"x\n"\n"é"!\n', line: 4, column: 4, message: /Unexpected "!"/ },
  ];
  for (const c of cases) {
    assert.throws(() => parseCsv(c.text), (err: unknown) => {
      assert.ok(err instanceof SyntaxError, 'a SyntaxError');
      assert.ok(err instanceof CsvSyntaxError);
      assert.match(err.message, c.message, JSON.stringify(c.text));
      assert.equal(err.line, c.line, `line of ${JSON.stringify(c.text)}`);
      assert.equal(err.column, c.column, `column of ${JSON.stringify(c.text)}`);
      assert.match(err.message, new RegExp(`at line ${c.line}, column ${c.column}$`));
      return true;
    });
  }
});

test('speed: 100k rows are parsed in well under a second, and written back identically', () => {
  const columns = ['id', 'name', 'email', 'amount', 'note'];
  const rows: Record<string, CsvValue>[] = [];
  for (let i = 0; i < 100_000; i++) rows.push({ id: i, name: `user ${i}`, email: `u${i}@example.com`, amount: i * 1.25, note: i % 3 === 0 ? null : i % 3 === 1 ? 'a, "quoted" note' : '' });
  const text = formatCsv(columns, rows);
  const started = performance.now();
  const parsed = parseCsv(text);
  const elapsed = performance.now() - started;
  assert.equal(parsed.length, 100_000);
  assert.deepEqual({ ...parsed[99_999] }, { id: '99999', name: 'user 99999', email: 'u99999@example.com', amount: '124998.75', note: null });
  assert.equal(formatCsv(columns, parsed), text);
  assert.ok(elapsed < 1000, `parsed in ${elapsed.toFixed(0)} ms`);
});
