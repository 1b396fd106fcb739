// tokenizeJs against exact token lists: regex versus division in every context the tokenizer decides, template
// literals with nested braces and templates, numbers, strings, identifiers with escapes, comments, line terminators
// and positions; then every unterminated construct and bracket mistake with its line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsSyntaxError, tokenizeJs, type JsToken } from '../../src/lib/js-tokenizer.ts';

/** `type:value` for each token, `↵` marking those with a line break before them. */
const show = (tokens: JsToken[]) => tokens.map((t) => `${t.newlineBefore ? '↵' : ''}${t.type}:${t.value}`);

const cases: { name: string; source: string; expected: string[] }[] = [
  { name: 'division between operands', source: 'a / b / c', expected: ['name:a', 'punct:/', 'name:b', 'punct:/', 'name:c'] },
  { name: 'regex after =', source: 'x = /re/g', expected: ['name:x', 'punct:=', 'regex:/re/g'] },
  { name: 'regex after return', source: 'return /a/.test(s)', expected: ['name:return', 'regex:/a/', 'punct:.', 'name:test', 'punct:(', 'name:s', 'punct:)'] },
  { name: 'regex after typeof, in, of, case, throw', source: 'typeof /a/; x in /b/; case /c/: throw /d/', expected: ['name:typeof', 'regex:/a/', 'punct:;', 'name:x', 'name:in', 'regex:/b/', 'punct:;', 'name:case', 'regex:/c/', 'punct::', 'name:throw', 'regex:/d/'] },
  { name: 'division after a keyword used as a property', source: 'a.return / 2', expected: ['name:a', 'punct:.', 'name:return', 'punct:/', 'number:2'] },
  { name: 'division after a call', source: 'f(a) / 2 / g', expected: ['name:f', 'punct:(', 'name:a', 'punct:)', 'punct:/', 'number:2', 'punct:/', 'name:g'] },
  { name: 'regex after if (…)', source: 'if (a) /b/.test(c)', expected: ['name:if', 'punct:(', 'name:a', 'punct:)', 'regex:/b/', 'punct:.', 'name:test', 'punct:(', 'name:c', 'punct:)'] },
  { name: 'regex after while (…) with nested parens', source: 'while (f(x)) /y/g.exec(s)', expected: ['name:while', 'punct:(', 'name:f', 'punct:(', 'name:x', 'punct:)', 'punct:)', 'regex:/y/g', 'punct:.', 'name:exec', 'punct:(', 'name:s', 'punct:)'] },
  { name: 'division after ]', source: 'a[0] / 2', expected: ['name:a', 'punct:[', 'number:0', 'punct:]', 'punct:/', 'number:2'] },
  { name: 'regex after a block', source: '{}\n/x/.test(s)', expected: ['punct:{', 'punct:}', '↵regex:/x/', 'punct:.', 'name:test', 'punct:(', 'name:s', 'punct:)'] },
  { name: 'division after an object literal', source: 'x = {} / 2', expected: ['name:x', 'punct:=', 'punct:{', 'punct:}', 'punct:/', 'number:2'] },
  { name: 'division after a function expression', source: 'x = function () {} / 2', expected: ['name:x', 'punct:=', 'name:function', 'punct:(', 'punct:)', 'punct:{', 'punct:}', 'punct:/', 'number:2'] },
  { name: 'division after a function expression with a function default', source: 'x = function (a = function () {}) {} / 2', expected: ['name:x', 'punct:=', 'name:function', 'punct:(', 'name:a', 'punct:=', 'name:function', 'punct:(', 'punct:)', 'punct:{', 'punct:}', 'punct:)', 'punct:{', 'punct:}', 'punct:/', 'number:2'] },
  { name: 'division after a class expression', source: 'y = class extends B {} / 2', expected: ['name:y', 'punct:=', 'name:class', 'name:extends', 'name:B', 'punct:{', 'punct:}', 'punct:/', 'number:2'] },
  { name: 'regex after a function declaration', source: 'function f() {}\n/x/', expected: ['name:function', 'name:f', 'punct:(', 'punct:)', 'punct:{', 'punct:}', '↵regex:/x/'] },
  { name: 'division after postfix ++', source: 'a++ / 2', expected: ['name:a', 'punct:++', 'punct:/', 'number:2'] },
  { name: 'character class holding a slash', source: 'x = /[/]\\//', expected: ['name:x', 'punct:=', 'regex:/[/]\\//'] },
  { name: '/= as regex and as operator', source: 'a /= /=/', expected: ['name:a', 'punct:/=', 'regex:/=/'] },
  { name: 'regex after a label colon', source: 'a: /b/', expected: ['name:a', 'punct::', 'regex:/b/'] },
  {
    name: 'template with nested braces and a nested template',
    source: '`a${ {b: `c${d}e`}.b }f`',
    expected: ['template:`a${', 'punct:{', 'name:b', 'punct::', 'template:`c${', 'name:d', 'template:}e`', 'punct:}', 'punct:.', 'name:b', 'template:}f`'],
  },
  { name: 'template without substitutions, with escapes', source: '`a\\`b\\${c}`', expected: ['template:`a\\`b\\${c}`'] },
  { name: 'division after a template', source: '`a` / 2', expected: ['template:`a`', 'punct:/', 'number:2'] },
  { name: 'regex in a substitution', source: '`${/a/}`', expected: ['template:`${', 'regex:/a/', 'template:}`'] },
  {
    name: 'numbers',
    source: '0x1F 0o17 0b101 1_000 .5 1e-7 10n 0x1Fn 1. 1.5e+3 017',
    expected: ['number:0x1F', 'number:0o17', 'number:0b101', 'number:1_000', 'number:.5', 'number:1e-7', 'number:10n', 'number:0x1Fn', 'number:1.', 'number:1.5e+3', 'number:017'],
  },
  { name: 'number then member access', source: '1..x', expected: ['number:1.', 'punct:.', 'name:x'] },
  { name: 'optional chaining versus conditional with .5', source: 'a?.b; c?.5:1', expected: ['name:a', 'punct:?.', 'name:b', 'punct:;', 'name:c', 'punct:?', 'number:.5', 'punct::', 'number:1'] },
  { name: 'strings with escapes', source: `'a\\'b' "c\\"d\\\\"`, expected: [`string:'a\\'b'`, 'string:"c\\"d\\\\"'] },
  { name: 'string with a line continuation', source: "'a\\\nb' c", expected: ["string:'a\\\nb'", 'name:c'] },
  { name: 'identifiers with unicode and escapes', source: 'ünï \\u0061b \\u{62}c $_ ℘', expected: ['name:ünï', 'name:\\u0061b', 'name:\\u{62}c', 'name:$_', 'name:℘'] },
  { name: 'astral identifier characters', source: '𝑥 = 1', expected: ['name:𝑥', 'punct:=', 'number:1'] },
  { name: 'private names', source: 'this.#x in #y', expected: ['name:this', 'punct:.', 'privateName:#x', 'name:in', 'privateName:#y'] },
  { name: 'longest punctuators', source: 'a>>>=b ?? c ?? = d ... e', expected: ['name:a', 'punct:>>>=', 'name:b', 'punct:??', 'name:c', 'punct:??', 'punct:=', 'name:d', 'punct:...', 'name:e'] },
  {
    name: 'hashbang and comments',
    source: '#!/usr/bin/env node\n// line\n/* block\n */ x /* inline */ y',
    expected: ['hashbang:#!/usr/bin/env node', '↵comment:// line', '↵comment:/* block\n */', 'name:x', 'comment:/* inline */', 'name:y'],
  },
  { name: 'LS, PS and CRLF are line terminators', source: 'a\u2028b\u2029c\r\nd', expected: ['name:a', '↵name:b', '↵name:c', '↵name:d'] },
  { name: 'non-ASCII whitespace', source: 'a\u00a0b\ufeffc\u3000d', expected: ['name:a', 'name:b', 'name:c', 'name:d'] },
  { name: '</script> inside a string stays one token', source: 'x = "</script>"', expected: ['name:x', 'punct:=', 'string:"</script>"'] },
];

for (const c of cases) {
  test(`tokenizeJs: ${c.name}`, () => {
    assert.deepEqual(show(tokenizeJs(c.source)), c.expected);
  });
}

test('tokenizeJs: tokens carry offsets, lines and columns', () => {
  const source = 'let a = `x\n${b}`\n  + "s"';
  const tokens = tokenizeJs(source);
  for (const t of tokens) assert.equal(source.slice(t.start, t.end), t.value);
  const at = (value: string) => tokens.find((t) => t.value === value)!;
  assert.deepEqual([at('let').line, at('let').column], [1, 1]);
  assert.deepEqual([at('b').line, at('b').column], [2, 3]);
  assert.deepEqual([at('+').line, at('+').column], [3, 3]);
  assert.deepEqual([at('"s"').line, at('"s"').column], [3, 5]);
});

const errors: { name: string; source: string; message: RegExp; line: number; column: number }[] = [
  { name: 'unterminated string', source: 'a = 1;\nb = "abc\n', message: /Unterminated string literal/, line: 2, column: 5 },
  { name: 'unterminated template', source: 'x = `a${b}c', message: /Unterminated template literal/, line: 1, column: 5 },
  { name: 'unterminated regex', source: 'x = /abc\ny', message: /Unterminated regular expression/, line: 1, column: 5 },
  { name: 'regex cut by a line break in a class', source: 'x = /[a\n]/', message: /Unterminated regular expression/, line: 1, column: 5 },
  { name: 'unterminated comment', source: 'a\n  /* open', message: /Unterminated comment/, line: 2, column: 3 },
  { name: 'unmatched closing bracket', source: 'f(a]', message: /Unexpected "\]": expected the closing bracket of "\(" from line 1, column 2/, line: 1, column: 4 },
  { name: 'bracket closed with nothing open', source: 'a)', message: /Unexpected "\)": nothing is open/, line: 1, column: 2 },
  { name: 'unclosed brace', source: 'if (a) {\n  b()\n', message: /Unclosed "\{"/, line: 1, column: 8 },
  { name: 'unclosed substitution', source: '`a${b', message: /Unclosed template substitution/, line: 1, column: 3 },
  { name: 'identifier right after a number', source: 'x = 3in y', message: /Identifier or digit directly after number "3"/, line: 1, column: 6 },
  { name: 'bad identifier escape', source: 'a\\x41', message: /Invalid escape in identifier/, line: 1, column: 2 },
  { name: 'stray character', source: 'a ¬ b', message: /Unexpected character "¬" \(U\+00AC\)/, line: 1, column: 3 },
];

for (const c of errors) {
  test(`tokenizeJs rejects: ${c.name}`, () => {
    assert.throws(() => tokenizeJs(c.source), (err: unknown) => {
      assert.ok(err instanceof JsSyntaxError && err instanceof SyntaxError);
      assert.match(err.message, c.message);
      assert.deepEqual([err.line, err.column], [c.line, c.column], err.message);
      assert.match(err.message, new RegExp(`at line ${c.line}, column ${c.column}$`));
      return true;
    });
  });
}
