// minifyJs: exact output for the tricky joins (merging operators, ASI hazards, templates, regexes); then behaviour:
// each program of a corpus runs with node:vm before and after minification and must give the same value or the
// same error; then real code: large playwright-core files must still parse and re-minify to themselves
// (MINIFY_CORPUS=1, about a minute: every .js/.mjs/.cjs under node_modules, and a minified copy of playwright-core
// must run its CLI and drive Chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { minifyJs } from '../../src/lib/minify-js.ts';
import { JsSyntaxError } from '../../src/lib/js-tokenizer.ts';
import { CHROMIUM } from '../support/browser.ts';

const exact: { name: string; source: string; expected: string }[] = [
  { name: 'unary plus and minus keep their space', source: 'a + +b; a - -b; a + ++b; a - --b', expected: 'a+ +b;a- -b;a+ ++b;a- --b' },
  { name: 'a dot before a digit keeps its space', source: 'a ?. 0 : b; x . 0b1', expected: 'a?. 0:b;x. 0b1' },
  { name: 'postfix then binary reads back the same', source: 'a++ + b; a-- - b', expected: 'a+++b;a---b' },
  { name: 'words keep one space', source: 'var  x = typeof  y;  return   x', expected: 'var x=typeof y;return x' },
  { name: 'a call across a line break joins (it was a call already)', source: 'x = y\n(z)', expected: 'x=y(z)' },
  { name: 'a line starting with ++ keeps its break', source: 'a\n++b', expected: 'a\n++b' },
  { name: 'return, throw, break, continue keep their break', source: 'return\nx;break\nl;continue\nl', expected: 'return\nx;break\nl;continue\nl' },
  { name: 'yield and await keep their break', source: 'yield\n1; await\n2', expected: 'yield\n1;await\n2' },
  { name: 'breaks after operators and before continuations go', source: 'a =\n  b\n  + c\n  .d\n  ? e\n  : f', expected: 'a=b+c.d?e:f' },
  { name: 'statements without semicolons keep their breaks', source: 'let a = 1\nlet b = 2\nfoo()\n[1].map(f)', expected: 'let a=1\nlet b=2\nfoo()\n[1].map(f)' },
  { name: 'an arrow body before an operator keeps its break', source: 'f = () => {}\n+1', expected: 'f=()=>{}\n+1' },
  { name: 'postfix ++ before ( keeps its break', source: 'a++\n(b)', expected: 'a++\n(b)' },
  { name: 'a closing brace before ) and , joins', source: 'f(function () {\n}\n, 1)', expected: 'f(function(){},1)' },
  { name: 'regex after return needs no space', source: 'return /re/g.test(s)', expected: 'return/re/g.test(s)' },
  { name: 'regex flags must not swallow a keyword', source: 'x = /a/g in o', expected: 'x=/a/g in o' },
  { name: 'division before a regex must not open a comment', source: 'x = a / /b/.exec(c).length', expected: 'x=a/ /b/.exec(c).length' },
  { name: 'number before a dot', source: '1 .toString(); 1.5 .toFixed(); 1e3 .x; 0x10 .x; 1n .x', expected: '1 .toString();1.5.toFixed();1e3.x;0x10.x;1n.x' },
  { name: 'number before a word', source: 'x = 1 in o; y = 2 instanceof Z', expected: 'x=1 in o;y=2 instanceof Z' },
  { name: 'HTML-like comment openers are not written', source: 'a < !--b; c-- > d', expected: 'a< !--b;c-- >d' },
  { name: 'templates with nested braces stay verbatim', source: 'x = `a ${ {b: `c ${ d }`}.b } e`', expected: 'x=`a ${{b:`c ${d}`}.b} e`' },
  { name: 'line breaks inside substitutions go', source: 'x = `a${\n  b\n}c${\n  () => {}\n}`', expected: 'x=`a${b}c${()=>{}}`' },
  { name: 'strings stay verbatim', source: "x = 'a  b' + \"</script>\" + '\\\n'", expected: "x='a  b'+\"</script>\"+'\\\n'" },
  { name: 'comments go, legal comments stay', source: '/*! (c) me */\n// line\nvar a /* x */ = 1 /** @license MIT */', expected: '/*! (c) me */\nvar a=1/** @license MIT */' },
  { name: 'a dropped multi-line comment still ends the statement', source: 'return /*\n*/ x', expected: 'return\nx' },
  { name: 'hashbang stays on its line', source: '#!/usr/bin/env node\n\n\nrun()', expected: '#!/usr/bin/env node\nrun()' },
  { name: 'unicode identifiers and escapes', source: 'var ünï = \\u0061 + 𝑥', expected: 'var ünï=\\u0061+𝑥' },
  { name: 'private names', source: 'class A { #x = 1; static #y; m() { return #x in this } }', expected: 'class A{#x=1;static#y;m(){return#x in this}}' },
  { name: 'CRLF, LS and PS count as line breaks', source: 'a\r\nb\u2028c\u2029d', expected: 'a\nb\nc\nd' },
  { name: 'empty input', source: '  \n// nothing\n', expected: '' },
];

for (const c of exact) {
  test(`minifyJs: ${c.name}`, () => {
    const out = minifyJs(c.source);
    assert.equal(out, c.expected);
    assert.equal(minifyJs(out), out, 'minifying again changes nothing');
  });
}

// Programs whose completion value (or thrown error) must survive minification. Each one leans on a join rule.
const programs: string[] = [
  'var a = 1, b = 2\nvar c = a\n++b\n[a, b, c].join()',
  'function f() { return\n42 }\nf()',
  'var x = [5], y = x\n[0]\ny',
  "var s = 'a' + + '1', t = 1 - -1, u = 1 + +1; var n = 1; n = n + ++n; [s, t, u, n].join()",
  "'a/b/c'.split(/\\//).length + 4 / 2 / 1 + /[/]/.test('/')",
  "var n = 2; `a${ {k: `x${n}`}.k }b${ [1, 2].map(v => `<${v}>`).join('') }`",
  'class A { x\n["y"] = 2\nstatic z\n*gen() { yield 3 }\nin = 5\nget\nw() { return 6 } }; var a = new A(); JSON.stringify([a, [...a.gen()], a.w, Object.keys(A)])',
  'var f = () => {}\n+1',
  'var a = 1, b = 2\nvar c = a++\n(b)',
  "var x = 0; do x++; while (x < 5) /re/.test('re') && x",
  "var obj = {}\n/foo/g.test('foo')",
  "[typeof /x/, void 0, [] instanceof Array, 'a' in {a: 1}, delete {}.a].join()",
  'var n = 0; outer: for (var i = 0; i < 3; i++) { for (;;) { n++; continue outer } } n',
  'var o = { get\nx() { return 1 }, set\ny(v) { this._y = v } }; o.y = 2; o.x + o._y',
  "1..toString() + 1 .toString() + 0x10.toString() + 1.5.toFixed(1) + 1e3 + .5 + 10n.toString() + 1_000",
  "'a\\\nb' + \"c\\\"d\" + '\\u{1F600}'.length",
  'var ünï = 1, \\u0061b = 2; ünï + ab',
  'var a = 1 /* x */ + /* y */ 2 // z\n; a',
  'var a = 1, b = 2; a < !--b',
  'var x = 3; x-- > 1',
  'var b = function (f) { return f() }, a\na = b\n(function () { return 7 })\na',
  'var x = 5\n-1\nx',
  'let y = 1\n;[1, 2].forEach(v => y += v)\ny',
  "var t = 'x'\n`${t}`",
  'var x = 1\n/2/1\nx',
  "if (true) /a/.test('a') ? 1 : 2",
  "var r = /a/g in { '/a/g': 1 }; r",
  'function* g() { yield\n1 }; JSON.stringify([...g()])',
  "function* h() { var x = yield /re/; return x } var it = h(); String(it.next().value) + it.next('v').value",
  'var o = { return: 1, typeof: 2 }; o.return / o.typeof',
  'var q = null; var r = q?.x; var s = true?.5:1; [r, s].join()',
  '2 ** -1 + (-2) ** 2',
  'var v = (4) / 2 / 1; v',
  "{ }\n/x/.test('x')",
  "function f() {}\n/x/.test('x')",
  'var d = function () { return 6 }() / 2\nd',
  "var c = class {} / 2; String(c)",
  "switch (1) { case 1: /x/.test('x'); default: }",
  "a: { break a }\n'after'",
  "var s = '</script>'; s.length",
  'var x = 1, y = 1\nx\n++\ny\n[x, y].join()',
  "(() => { return {a: 1}.a })() + (() => ({b: 2}).b)()",
  'var a = [1, 2, 3]; a.map((x) => x * 2).filter(x => x > 2).reduce((p, c) => p + c, 0)',
  'var i = 0; while (i < 10) i += 3\ni',
  "var e; try { null.x } catch ({ name }) { e = name } finally { e += '!' } e",
  "async function f() { return await\n1 } typeof f()",
  'var x = 10; x /= 2; x /=/=/.test("=") ? 1 : 2; x',
  "`${'}'}{${'{'}`",
  'var a = 1; `x${\n  a\n}y${\n  (() => 2)()\n}`',
  "var re = /\\/*[*/]\\*//g; re.source",
  'var o = {}; o.if = 1; o.in = 2; o.if + o.in',
  'label: for (;;) break\nlabel',
  '+[] + -[1] + ~~"3" + !!"0"',
  '#!/usr/bin/env node\n1 + 1',
];

/** The completion value of running `code` in a fresh context, or the name of what it threw. */
function run(code: string): string {
  try {
    return `value ${JSON.stringify(vm.runInNewContext(code, {}, { timeout: 1000 }), (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

test('minifyJs: every corpus program behaves the same after minification', () => {
  for (const source of programs) {
    const before = run(source);
    assert.notEqual(before, 'throws SyntaxError', `the corpus program itself must parse:\n${source}`);
    const minified = minifyJs(source);
    assert.equal(run(minified), before, `behaviour changed:\n--- source ---\n${source}\n--- minified ---\n${minified}`);
    assert.equal(minifyJs(minified), minified, `not idempotent:\n${minified}`);
  }
});

test('minifyJs: errors are SyntaxErrors with line and column', () => {
  assert.throws(() => minifyJs('let a = 1\nlet b = "open\n'), (err: unknown) => {
    assert.ok(err instanceof SyntaxError && err instanceof JsSyntaxError);
    assert.equal(err.message, 'Unterminated string literal at line 2, column 9');
    return true;
  });
});

// ------------------------------------------------------------------------------------------------- real code ---

const PLAYWRIGHT = 'node_modules/playwright-core';
const fullCorpus = process.env.MINIFY_CORPUS === '1';

function jsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) jsFiles(path, out);
    else if (/\.[cm]?js$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Whether Node parses `code` (as a script, else as a module with `node --check`). */
function parses(code: string, dir: string): boolean {
  try {
    new vm.Script(code);
    return true;
  } catch {
    const file = join(dir, 'check.mjs');
    writeFileSync(file, code);
    return spawnSync(process.execPath, ['--check', file]).status === 0;
  }
}

test('minifyJs: real code still parses and re-minifies to itself', (t) => {
  if (!existsSync(PLAYWRIGHT)) {
    const reason = `${PLAYWRIGHT} is missing (npm install)`;
    if (process.env.CI === 'true') assert.fail(`${reason} (CI=true requires it)`);
    t.skip(reason);
    return;
  }
  const all = jsFiles('node_modules').concat(existsSync('scripts/bench/node_modules') && fullCorpus ? jsFiles('scripts/bench/node_modules') : []);
  // By default the largest few files (about 9 MB), which hold most of the constructs; everything with MINIFY_CORPUS=1.
  const files = fullCorpus ? all : all.map((f) => ({ f, size: statSync(f).size })).sort((a, b) => b.size - a.size).slice(0, 4).map((x) => x.f);
  const dir = mkdtempSync(join(tmpdir(), 'minify-js-'));
  let before = 0;
  let after = 0;
  try {
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      if (!parses(source, dir)) continue; // not JavaScript Node reads (a template, a fixture): nothing to compare
      const minified = minifyJs(source);
      before += source.length;
      after += minified.length;
      assert.ok(parses(minified, dir), `${file}: the minified output does not parse`);
      assert.equal(minifyJs(minified), minified, `${file}: minifying again changes the output`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`${files.length} files, ${before} → ${after} characters (${(100 * after / before).toFixed(1)} %)`);
});

// The strongest check: playwright-core's code, minified, still drives a browser (the protocol, the launcher, the
// injected scripts all go through the minifier).
const DRIVE = `
import { createRequire } from 'node:module';
const { chromium } = createRequire(import.meta.url)(process.argv[2]);
const browser = await chromium.launch({ executablePath: process.argv[3], args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.setContent('<p id="x">hi</p>');
console.log(await page.textContent('#x'), await page.evaluate(() => 6 * 7));
await browser.close();
`;

test('minifyJs: a minified copy of playwright-core still runs its CLI and drives Chromium', { skip: !fullCorpus && 'set MINIFY_CORPUS=1 for this run' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'minify-pw-'));
  try {
    const copy = join(dir, 'playwright-core');
    cpSync(PLAYWRIGHT, copy, { recursive: true });
    for (const file of jsFiles(copy)) writeFileSync(file, minifyJs(readFileSync(file, 'utf8')));
    const original = spawnSync(process.execPath, [join(PLAYWRIGHT, 'cli.js'), '--help'], { encoding: 'utf8' });
    const minified = spawnSync(process.execPath, [join(copy, 'cli.js'), '--help'], { encoding: 'utf8' });
    assert.equal(minified.status, 0, minified.stderr);
    assert.equal(minified.stdout, original.stdout);
    if (existsSync(CHROMIUM)) {
      writeFileSync(join(dir, 'drive.mjs'), DRIVE);
      const drive = spawnSync(process.execPath, [join(dir, 'drive.mjs'), copy, CHROMIUM], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(drive.status, 0, drive.stderr);
      assert.equal(drive.stdout, 'hi 42\n');
    } else if (process.env.CI === 'true') {
      assert.fail(`no Chromium at ${CHROMIUM} (CI=true requires it)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
