// unifiedDiff against exact expected hunks, then against GNU diff and patch as ground truth on seeded random edits
// (plus an LCS oracle and a strict in-test patcher that need no tools), a 20,000-line timing check and colouring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { colorizeDiff, unifiedDiff } from '../../src/lib/unified-diff.ts';
import type { UnifiedDiffOptions } from '../../src/lib/unified-diff.ts';

/** Why `tool` (a GNU one) cannot be used here, or false when it can. */
function missingTool(tool: string): string | false {
  const run = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) return `\`${tool}\` is not installed`;
  return /GNU/.test(run.stdout) ? false : `\`${tool}\` is not the GNU one`;
}

const missingDiff = missingTool('diff');
const missingPatch = missingTool('patch');
const onCi = process.env.CI === 'true';
// Locally a missing tool skips its tests; on CI it fails them, so ground truth never silently goes unchecked.
const skipUnless = (missing: string | false) => (missing && !onCi ? missing : false);
const requireTool = (missing: string | false) => { if (missing) assert.fail(`CI=true but ${missing}`); };

const numbered = (from: number, to: number, edit: (n: number) => string = String) =>
  Array.from({ length: to - from + 1 }, (_, k) => edit(from + k) + '\n').join('');

interface Case {
  name: string;
  oldText: string;
  newText: string;
  options?: UnifiedDiffOptions;
  expected: string[];
}

const NO_NL = '\\ No newline at end of file';

const cases: Case[] = [
  { name: 'identical texts', oldText: 'a\nb\n', newText: 'a\nb\n', expected: [] },
  { name: 'identical texts without a trailing newline', oldText: 'a\nb', newText: 'a\nb', expected: [] },
  { name: 'both empty', oldText: '', newText: '', expected: [] },
  { name: 'insertion at the start', oldText: 'b\nc\n', newText: 'a\nb\nc\n', expected: ['@@ -1,2 +1,3 @@', '+a', ' b', ' c'] },
  { name: 'insertion in the middle', oldText: 'a\nc\n', newText: 'a\nb\nc\n', expected: ['@@ -1,2 +1,3 @@', ' a', '+b', ' c'] },
  { name: 'insertion at the end', oldText: 'a\nb\n', newText: 'a\nb\nc\n', expected: ['@@ -1,2 +1,3 @@', ' a', ' b', '+c'] },
  {
    name: 'deletion', oldText: numbered(1, 9), newText: numbered(1, 9).replace('5\n', ''),
    expected: ['@@ -2,7 +2,6 @@', ' 2', ' 3', ' 4', '-5', ' 6', ' 7', ' 8'],
  },
  {
    name: 'change', oldText: numbered(1, 10), newText: numbered(1, 10, (n) => (n === 5 ? 'five' : String(n))),
    expected: ['@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8'],
  },
  {
    name: 'a deleted empty line', oldText: 'a\n\nb\n', newText: 'a\nb\n',
    expected: ['@@ -1,3 +1,2 @@', ' a', '-', ' b'],
  },
  {
    name: 'a block replaced by a longer one', oldText: 'a\nb\nc\nd\n', newText: 'a\nx\ny\nz\nd\n',
    expected: ['@@ -1,4 +1,5 @@', ' a', '-b', '-c', '+x', '+y', '+z', ' d'],
  },
  {
    name: 'two hunks when 7 unchanged lines separate the changes',
    oldText: numbered(1, 20), newText: numbered(1, 20, (n) => (n === 4 ? 'X' : n === 12 ? 'Y' : String(n))),
    expected: [
      '@@ -1,7 +1,7 @@', ' 1', ' 2', ' 3', '-4', '+X', ' 5', ' 6', ' 7',
      '@@ -9,7 +9,7 @@', ' 9', ' 10', ' 11', '-12', '+Y', ' 13', ' 14', ' 15',
    ],
  },
  {
    name: 'one hunk when 6 unchanged lines separate the changes',
    oldText: numbered(1, 20), newText: numbered(1, 20, (n) => (n === 4 ? 'X' : n === 11 ? 'Y' : String(n))),
    expected: ['@@ -1,14 +1,14 @@', ' 1', ' 2', ' 3', '-4', '+X', ' 5', ' 6', ' 7', ' 8', ' 9', ' 10', '-11', '+Y', ' 12', ' 13', ' 14'],
  },
  { name: 'empty old text', oldText: '', newText: 'a\nb\n', expected: ['@@ -0,0 +1,2 @@', '+a', '+b'] },
  { name: 'empty new text', oldText: 'a\nb\n', newText: '', expected: ['@@ -1,2 +0,0 @@', '-a', '-b'] },
  { name: 'a single line added to an empty text', oldText: '', newText: 'x\n', expected: ['@@ -0,0 +1 @@', '+x'] },
  { name: 'an empty text from one line without newline', oldText: 'x', newText: '', expected: ['@@ -1 +0,0 @@', '-x', NO_NL] },
  { name: 'old text without a trailing newline', oldText: 'a\nb', newText: 'a\nb\n', expected: ['@@ -1,2 +1,2 @@', ' a', '-b', NO_NL, '+b'] },
  { name: 'new text without a trailing newline', oldText: 'a\nb\n', newText: 'a\nb', expected: ['@@ -1,2 +1,2 @@', ' a', '-b', '+b', NO_NL] },
  {
    name: 'neither text has a trailing newline and the last line changes', oldText: 'a\nb', newText: 'a\nc',
    expected: ['@@ -1,2 +1,2 @@', ' a', '-b', NO_NL, '+c', NO_NL],
  },
  {
    name: 'neither text has a trailing newline and the last line is context', oldText: 'a\nb\nc', newText: 'x\nb\nc',
    expected: ['@@ -1,3 +1,3 @@', '-a', '+x', ' b', ' c', NO_NL],
  },
  {
    name: 'a line appended after a last line without newline', oldText: 'a', newText: 'a\nb\n',
    expected: ['@@ -1 +1,2 @@', '-a', NO_NL, '+a', '+b'],
  },
  {
    name: 'CRLF lines keep their carriage return', oldText: 'a\r\nb\r\n', newText: 'a\r\nc\r\n',
    expected: ['@@ -1,2 +1,2 @@', ' a\r', '-b\r', '+c\r'],
  },
  {
    name: 'context 0', options: { context: 0 },
    oldText: numbered(1, 10), newText: numbered(1, 10, (n) => (n === 3 ? 'X' : n === 5 ? 'Y' : String(n))),
    expected: ['@@ -3 +3 @@', '-3', '+X', '@@ -5 +5 @@', '-5', '+Y'],
  },
  {
    name: 'context 0 insertion names the line before', options: { context: 0 }, oldText: 'a\nb\n', newText: 'a\nX\nb\n',
    expected: ['@@ -1,0 +2 @@', '+X'],
  },
  {
    name: 'context 0 deletion names the line before', options: { context: 0 }, oldText: 'a\nX\nb\n', newText: 'a\nb\n',
    expected: ['@@ -2 +1,0 @@', '-X'],
  },
  {
    name: 'context 1 merges changes 2 lines apart', options: { context: 1 },
    oldText: numbered(1, 10), newText: numbered(1, 10, (n) => (n === 3 ? 'X' : n === 6 ? 'Y' : String(n))),
    expected: ['@@ -2,6 +2,6 @@', ' 2', '-3', '+X', ' 4', ' 5', '-6', '+Y', ' 7'],
  },
  {
    name: 'context 1 splits changes 3 lines apart', options: { context: 1 },
    oldText: numbered(1, 10), newText: numbered(1, 10, (n) => (n === 3 ? 'X' : n === 7 ? 'Y' : String(n))),
    expected: ['@@ -2,3 +2,3 @@', ' 2', '-3', '+X', ' 4', '@@ -6,3 +6,3 @@', ' 6', '-7', '+Y', ' 8'],
  },
  {
    name: 'a wide context covers the whole file', options: { context: 100 },
    oldText: numbered(1, 5), newText: numbered(1, 5, (n) => (n === 3 ? 'X' : String(n))),
    expected: ['@@ -1,5 +1,5 @@', ' 1', ' 2', '-3', '+X', ' 4', ' 5'],
  },
  {
    name: 'custom labels', options: { oldLabel: 'config.json (saved)', newLabel: 'config.json (edited)' },
    oldText: '{\n  "port": 8080\n}\n', newText: '{\n  "port": 9090\n}\n',
    expected: ['@@ -1,3 +1,3 @@', ' {', '-  "port": 8080', '+  "port": 9090', ' }'],
  },
  {
    name: 'content that looks like headers', oldText: '--- a\n+++ b\n@@ x\n', newText: '+++ b\n@@ x\n',
    expected: ['@@ -1,3 +1,2 @@', '---- a', ' +++ b', ' @@ x'],
  },
];

/** The full expected diff of a case: headers plus its hunks, or '' for no hunks. */
function expectedDiff(c: Case): string {
  if (c.expected.length === 0) return '';
  return [`--- ${c.options?.oldLabel ?? 'a'}`, `+++ ${c.options?.newLabel ?? 'b'}`, ...c.expected].join('\n') + '\n';
}

for (const c of cases) {
  test(`unifiedDiff: ${c.name}`, () => {
    assert.equal(unifiedDiff(c.oldText, c.newText, c.options), expectedDiff(c));
    // The strict in-test patcher checks every context line and hunk count of the expectation.
    assert.equal(applyDiff(c.oldText, unifiedDiff(c.oldText, c.newText, c.options)), c.newText);
  });
}

test('unifiedDiff: rejects a negative or fractional context', () => {
  assert.throws(() => unifiedDiff('a\n', 'b\n', { context: -1 }), RangeError);
  assert.throws(() => unifiedDiff('a\n', 'b\n', { context: 1.5 }), RangeError);
});

test('the table matches GNU diff byte for byte', { skip: skipUnless(missingDiff) }, () => {
  requireTool(missingDiff);
  withTempDir((dir) => {
    for (const c of cases) {
      const gnu = gnuDiff(dir, c.oldText, c.newText, c.options);
      assert.equal(gnu, expectedDiff(c), c.name);
    }
  });
});

/** Runs `diff -u` with our labels, so its output is comparable line for line. */
function gnuDiff(dir: string, oldText: string, newText: string, options: UnifiedDiffOptions = {}): string {
  const oldFile = join(dir, 'old');
  const newFile = join(dir, 'new');
  writeFileSync(oldFile, oldText);
  writeFileSync(newFile, newText);
  const run = spawnSync('diff', [
    `-U${options.context ?? 3}`, '--label', options.oldLabel ?? 'a', '--label', options.newLabel ?? 'b', oldFile, newFile,
  ], { encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, `diff failed: ${run.stderr}`);
  return run.stdout;
}

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-unified-diff-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Applies a unified diff produced for `oldText`, failing on any context or deleted line that does not match and on
 * hunk headers whose ranges disagree with their bodies: an independent check that needs no `patch` binary.
 */
function applyDiff(oldText: string, diff: string): string {
  if (diff === '') return oldText;
  const old = linesOf(oldText);
  const lines = diff.split('\n');
  assert.equal(lines.pop(), '', 'the diff ends with a newline');
  assert.match(lines[0], /^--- /);
  assert.match(lines[1], /^\+\+\+ /);
  const out: string[] = [];
  let pos = 0;
  for (let k = 2; k < lines.length;) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[k++]);
    assert.ok(header, `expected a hunk header, found ${JSON.stringify(lines[k - 1])}`);
    const [oldStart, oldCount, newStart, newCount] = [header[1], header[2] ?? '1', header[3], header[4] ?? '1'].map(Number);
    const from = oldCount === 0 ? oldStart : oldStart - 1;
    assert.ok(from >= pos, 'hunks are in order and do not overlap');
    out.push(...old.slice(pos, from));
    pos = from;
    assert.equal(newCount === 0 ? newStart : newStart - 1, out.length, 'the new start agrees with the old one');
    let oldSeen = 0;
    let newSeen = 0;
    while (k < lines.length && !lines[k].startsWith('@@')) {
      const line = lines[k++];
      let body = line.slice(1) + '\n';
      if (lines[k] === NO_NL) { body = line.slice(1); k++; }
      assert.ok(line[0] === ' ' || line[0] === '-' || line[0] === '+', `unexpected line ${JSON.stringify(line)}`);
      if (line[0] !== '+') { assert.equal(old[pos], body, `old line ${pos + 1}`); pos++; oldSeen++; }
      if (line[0] !== '-') { out.push(body); newSeen++; }
    }
    assert.deepEqual([oldSeen, newSeen], [oldCount, newCount], 'hunk counts');
  }
  out.push(...old.slice(pos));
  return out.join('');
}

function linesOf(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/** The number of '-' and '+' lines in a diff (headers excluded). */
function changeCounts(diff: string): [number, number] {
  let minus = 0;
  let plus = 0;
  for (const line of diff.split('\n').slice(2)) {
    if (line.startsWith('-')) minus++;
    else if (line.startsWith('+')) plus++;
  }
  return [minus, plus];
}

/** Length of a longest common subsequence of lines, by plain dynamic programming (the small-input oracle). */
function lcsLength(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    prev = row;
  }
  return prev[b.length];
}

/** mulberry32: a tiny seeded generator, so a failing pair is reproducible from its index. */
function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ~100 old/new pairs: short texts over a small vocabulary (so lines repeat and alignments compete), then edits. */
function randomPairs(count: number): Array<{ oldText: string; newText: string }> {
  const random = seededRandom(0x5eed);
  const int = (n: number) => Math.floor(random() * n);
  const pairs = [];
  for (let p = 0; p < count; p++) {
    const vocabulary = Array.from({ length: 2 + int(8) }, (_, k) => (k === 0 ? '' : `line ${String.fromCharCode(97 + k)}`));
    const word = () => vocabulary[int(vocabulary.length)];
    const oldLines = Array.from({ length: int(30) }, word);
    const newLines = [...oldLines];
    for (let edits = 1 + int(4); edits > 0; edits--) {
      const at = int(newLines.length + 1);
      const span = 1 + int(4);
      switch (int(4)) {
        case 0: newLines.splice(at, 0, ...Array.from({ length: span }, word)); break;
        case 1: newLines.splice(at, span); break;
        case 2: newLines.splice(at, span, ...Array.from({ length: 1 + int(4) }, word)); break;
        default: newLines.splice(int(newLines.length + 1), 0, ...newLines.splice(at, span)); break;
      }
    }
    const oldNewline = random() < 0.8;
    const newNewline = random() < 0.2 ? !oldNewline : oldNewline;
    const join = (lines: string[], newline: boolean) => (lines.length === 0 ? '' : lines.join('\n') + (newline ? '\n' : ''));
    pairs.push({ oldText: join(oldLines, oldNewline), newText: join(newLines, newNewline) });
  }
  return pairs;
}

const pairs = randomPairs(120);

test('random pairs: minimal (LCS oracle) and applicable (strict in-test patcher)', () => {
  for (const [index, { oldText, newText }] of pairs.entries()) {
    for (const context of [0, 1, 3]) {
      const diff = unifiedDiff(oldText, newText, { context });
      assert.equal(applyDiff(oldText, diff), newText, `pair ${index}, context ${context}`);
    }
    const oldLines = linesOf(oldText);
    const newLines = linesOf(newText);
    const common = lcsLength(oldLines, newLines);
    assert.deepEqual(changeCounts(unifiedDiff(oldText, newText)), [oldLines.length - common, newLines.length - common], `pair ${index}`);
  }
});

test('random pairs: as many changed lines as GNU diff', { skip: skipUnless(missingDiff) }, () => {
  requireTool(missingDiff);
  withTempDir((dir) => {
    for (const [index, { oldText, newText }] of pairs.entries()) {
      assert.deepEqual(changeCounts(unifiedDiff(oldText, newText)), changeCounts(gnuDiff(dir, oldText, newText)), `pair ${index}`);
    }
  });
});

test('random pairs: GNU patch turns the old file into the new one', { skip: skipUnless(missingPatch) }, () => {
  requireTool(missingPatch);
  withTempDir((dir) => {
    const oldFile = join(dir, 'old');
    const patchFile = join(dir, 'change.diff');
    const outFile = join(dir, 'out');
    for (const [index, { oldText, newText }] of pairs.entries()) {
      const diff = unifiedDiff(oldText, newText);
      if (diff === '') continue;
      writeFileSync(oldFile, oldText);
      writeFileSync(patchFile, diff);
      writeFileSync(outFile, '');
      // No fuzz: every context line must match exactly where the hunk header says.
      const run = spawnSync('patch', ['--batch', '--silent', '--fuzz=0', '-o', outFile, '-i', patchFile, oldFile], { encoding: 'utf8' });
      assert.equal(run.status, 0, `pair ${index}: ${run.stdout}${run.stderr}\n${diff}`);
      assert.equal(readFileSync(outFile, 'utf8'), newText, `pair ${index}`);
    }
  });
});

test('performance: 20,000-line texts with a few changes diff well under a second', () => {
  const oldText = numbered(1, 20_000, (n) => `setting_${n} = ${n * 7 % 1000}`);
  const newText = numbered(1, 20_000, (n) => (n % 4000 === 17 ? `setting_${n} = changed` : `setting_${n} = ${n * 7 % 1000}`)) + 'appended = 1\n';
  let started = performance.now();
  const diff = unifiedDiff(oldText, newText);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
  assert.equal(diff.match(/^@@ /gm)?.length, 6);
  assert.deepEqual(changeCounts(diff), [5, 6]);
  assert.equal(applyDiff(oldText, diff), newText);

  // A wholesale rewrite: no line is shared, which must not cost O(N·M).
  const rewritten = numbered(1, 20_000, (n) => `other_${n}`);
  started = performance.now();
  assert.deepEqual(changeCounts(unifiedDiff(oldText, rewritten)), [20_000, 20_000]);
  assert.ok(performance.now() - started < 500, 'a rewrite stays fast');
});

test('colorizeDiff: bold headers, cyan hunk ranges, red deletions, green insertions', () => {
  const diff = unifiedDiff('a\nb\n', 'a\nc', { context: 1 });
  assert.equal(colorizeDiff(diff), [
    '\x1b[1m--- a\x1b[22m',
    '\x1b[1m+++ b\x1b[22m',
    '\x1b[36m@@ -1,2 +1,2 @@\x1b[39m',
    ' a',
    '\x1b[31m-b\x1b[39m',
    '\x1b[32m+c\x1b[39m',
    NO_NL,
    '',
  ].join('\n'));
});

test('colorizeDiff: content lines that look like headers keep their change colour', () => {
  const diff = unifiedDiff('--- a\n+++ b\nx\n', '-- a\n+++ b\nx\n') + unifiedDiff('a\n', 'b\n', { oldLabel: 'second', newLabel: 'second' });
  const colored = colorizeDiff(diff);
  assert.equal(stripVTControlCharacters(colored), diff);
  assert.ok(colored.includes('\x1b[31m---- a\x1b[39m'));
  assert.ok(colored.includes('\x1b[32m+-- a\x1b[39m'));
  assert.ok(colored.includes(' +++ b\n'), 'context stays plain');
  assert.ok(colored.includes('\x1b[1m--- second\x1b[22m'), 'a second file header after a complete hunk is bold again');
});
