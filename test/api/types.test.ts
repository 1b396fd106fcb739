// The type system of declared endpoints: parsing type names, converting text (query, path, forms) and JSON values,
// checking handler outputs; plus the query scanner that feeds the text converters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePoints, parseType, TypeMismatch, type ApiType, type CustomTypeFn } from '../../src/api/types.ts';
import { MalformedText, scanQuery } from '../../src/api/query.ts';

const CUSTOM = new Map<string, CustomTypeFn>([
  ['even', (raw) => {
    const n = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof n !== 'number' || n % 2 !== 0) throw new Error('expected an even number');
    return n;
  }],
]);
const type = (name: string): ApiType => parseType(name, CUSTOM);

/** The converted value, or the mismatch message. */
function convert(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TypeMismatch) return `! ${err.message}`;
    throw err;
  }
}

test('type names: what parses and what does not', () => {
  for (const [name, kind] of [
    ['any', 'any'], ['bool', 'bool'], ['int', 'int'], ['uint', 'uint'], ['float', 'float'], ['string', 'string'], ['file', 'file'],
    ['string(3)', 'string'], ['string(1,20)', 'string'], ['string(1, 20)', 'string'], ['[]int', 'array'], ['[][]string(2)', 'array'],
    ['map[int]', 'map'], ['map[[]even]', 'map'], ['[]map[any]', 'array'], ['even', 'custom'],
  ] as const) {
    assert.equal(type(name).kind, kind, name);
    assert.equal(type(name).name, name);
  }
  for (const [name, message] of [
    ['Int', 'unknown type "Int"'], [' int', 'unknown type " int"'], ['string()', 'invalid type "string()": expected string(N) or string(MIN,MAX) with lengths in characters'],
    ['string(-1)', 'invalid type "string(-1)": expected string(N) or string(MIN,MAX) with lengths in characters'], ['string(3,1)', 'invalid type "string(3,1)": the minimum length 3 is above the maximum 1'],
    ['[]', 'missing type'], ['map[]', 'missing type'], ['map[int', 'unknown type "map[int"'], ['odd', 'unknown type "odd"'],
  ]) {
    assert.throws(() => type(name), { name: 'TypeError', message }, name);
  }
});

test('text values: each type accepts and refuses', () => {
  const cases: [string, string, unknown][] = [
    ['bool', 'true', true], ['bool', 'TRUE', true], ['bool', 'False', false], ['bool', '1', true], ['bool', '0', false],
    ['bool', 'yes', '! x: expected bool (true, false, 1 or 0), got "yes"'], ['bool', '', '! x: expected bool (true, false, 1 or 0), got ""'],
    ['int', '42', 42], ['int', '-42', -42], ['int', '+42', 42], ['int', '007', 7], ['int', '-0', 0],
    ['int', '9007199254740991', 9007199254740991], ['int', '9007199254740992', '! x: expected int, got "9007199254740992"'],
    ['int', '1.5', '! x: expected int, got "1.5"'], ['int', '1e3', '! x: expected int, got "1e3"'], ['int', ' 5', '! x: expected int, got " 5"'],
    ['int', '0x10', '! x: expected int, got "0x10"'], ['int', '-', '! x: expected int, got "-"'], ['int', '1_000', '! x: expected int, got "1_000"'],
    ['uint', '12', 12], ['uint', '-0', 0], ['uint', '-1', '! x: expected uint, got "-1"'],
    ['float', '1.5', 1.5], ['float', '-.5', -0.5], ['float', '2.', 2], ['float', '1e-3', 0.001], ['float', '7', 7],
    ['float', 'NaN', '! x: expected float, got "NaN"'], ['float', 'Infinity', '! x: expected float, got "Infinity"'],
    ['float', '1e999', '! x: expected float, got "1e999"'], ['float', '0x1p-2', '! x: expected float, got "0x1p-2"'], ['float', '.', '! x: expected float, got "."'],
    ['string', '', ''], ['string', 'héllo', 'héllo'],
    ['string(2,5)', 'ab', 'ab'], ['string(2,5)', 'abcde', 'abcde'], ['string(2,5)', '😀😀😀😀😀', '😀😀😀😀😀'],
    ['string(2,5)', 'a', '! x: expected string(2,5) (2 to 5 characters), got "a" (1 character)'],
    ['string(2,5)', 'abcdef', '! x: expected string(2,5) (2 to 5 characters), got "abcdef" (6 characters)'],
    ['string(2,5)', '😀', '! x: expected string(2,5) (2 to 5 characters), got "😀" (1 character)'],
    ['string(1)', 'é', 'é'], ['string(0)', '', ''], ['string(0)', 'a', '! x: expected string(0) (0 characters), got "a" (1 character)'],
    ['any', 'x', 'x'], ['[]int', '3', 3], ['map[int]', '{}', '! x: expected map[int] (a JSON object: send a JSON body), got "{}"'],
    ['file', 'x', '! x: expected a file (send multipart/form-data), got a text value'],
    ['even', '4', 4], ['even', '3', '! x: expected an even number, got "3"'],
  ];
  for (const [name, text, expected] of cases) assert.deepEqual(convert(() => type(name).fromText(text, 'x')), expected, `${name} ${JSON.stringify(text)}`);
});

test('JSON values: they must already have the type', () => {
  const cases: [string, unknown, unknown][] = [
    ['bool', true, true], ['bool', 'true', '! x: expected bool, got "true"'], ['bool', 0, '! x: expected bool, got 0'],
    ['int', 3, 3], ['int', 1e2, 100], ['int', 1.5, '! x: expected int, got 1.5'], ['int', '3', '! x: expected int, got "3"'], ['int', 2 ** 53, '! x: expected int, got 9007199254740992'],
    ['uint', 0, 0], ['uint', -1, '! x: expected uint, got -1'],
    ['float', 1, 1], ['float', '1.5', '! x: expected float, got "1.5"'],
    ['string', 's', 's'], ['string', 1, '! x: expected string, got 1'], ['string(2)', 'abc', '! x: expected string(2) (2 characters), got "abc" (3 characters)'],
    ['any', null, null], ['any', { a: [1] }, { a: [1] }],
    ['[]int', [1, 2], [1, 2]], ['[]int', [], []], ['[]int', [1, null], '! x[1]: expected int, got null'], ['[]int', { 0: 1 }, '! x: expected []int, got an object'],
    ['[][]int', [[1], [2, 'x']], '! x[1][1]: expected int, got "x"'],
    ['map[int]', { a: 1 }, { a: 1 }], ['map[int]', { a: 'b' }, '! x.a: expected int, got "b"'], ['map[int]', null, '! x: expected map[int] (an object), got null'],
    ['map[[]string]', { 'a-b': ['x', 2] }, '! x["a-b"][1]: expected string, got 2'],
    ['even', 4, 4], ['[]even', [2, 4], [2, 4]], ['[]even', [2, 3], '! x[1]: expected an even number, got 3'],
    ['map[even]', JSON.parse('{"__proto__": 2}'), JSON.parse('{"__proto__": 2}')],
    ['file', {}, '! x: expected a file (send multipart/form-data), got a JSON value'],
    ['string', 'x'.repeat(100), 'x'.repeat(100)],
  ];
  for (const [name, value, expected] of cases) assert.deepEqual(convert(() => type(name).fromJson(value, 'x')), expected, `${name} ${JSON.stringify(value)}`);
  // A "__proto__" member of a converted map stays a member.
  const converted = type('map[even]').fromJson(JSON.parse('{"__proto__": 2}'), 'x') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(converted), Object.prototype);
  assert.deepEqual(Object.keys(converted), ['__proto__']);
});

test('long values are cut short in messages', () => {
  const message = convert(() => type('int').fromText('9'.repeat(100), 'x')) as string;
  assert.ok(message.length < 90, message);
  assert.match(message, /…"$/);
});

test('outputs: checked like JSON values, and not finite numbers are refused', () => {
  const cases: [string, unknown, string | null][] = [
    ['int', 1, null], ['int', NaN, 'x: expected int, got NaN'], ['float', Infinity, 'x: expected float, got Infinity'], ['float', NaN, 'x: expected float, got NaN'],
    ['string', 1, 'x: expected string, got 1'], ['any', undefined, 'x: expected any JSON value, got nothing'], ['any', null, null],
    ['[]string', ['a', 3], 'x[1]: expected string, got 3'], ['map[bool]', { a: 1 }, 'x.a: expected bool, got 1'],
    ['even', 3, null], ['[]even', [undefined], 'x[0]: expected even, got nothing'], ['string(1,2)', 'abc', 'x: expected string(1,2) (1 to 2 characters), got "abc" (3 characters)'],
  ];
  for (const [name, value, expected] of cases) assert.equal(type(name).checkOutput(value, 'x'), expected, `${name} ${String(value)}`);
});

test('code points', () => {
  assert.equal(codePoints(''), 0);
  assert.equal(codePoints('abc'), 3);
  assert.equal(codePoints('😀a😀'), 3);
  assert.equal(codePoints('\ud800'), 1); // a lone surrogate counts as one
});

test('query scanner: declared keys only, decoded, repeated keys collected', () => {
  const index = new Map([['a', 0], ['b c', 1], ['x', 2]]);
  assert.equal(scanQuery('', index, 3), null);
  assert.equal(scanQuery('z=1&y=2', index, 3), null);
  assert.deepEqual(scanQuery('a=1&z=9&a=2&b+c=%C3%A9&x', index, 3), [['1', '2'], 'é', '']);
  assert.deepEqual(Array.from(scanQuery('b%20c=1+2&&=&a=', index, 3)!), ['', '1 2', undefined]);
  const [bad] = scanQuery('a=%zz', index, 3)!;
  assert.ok(bad instanceof MalformedText);
  assert.equal(bad.raw, '%zz');
  // A malformed escape in an undeclared key is ignored.
  assert.equal(scanQuery('%zz=1', index, 3), null);
});
