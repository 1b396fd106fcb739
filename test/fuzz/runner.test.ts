// The fuzz runner itself (test/support/fuzz.ts): a failing input is saved, reported with the seed and replayed first
// on the next run; a run that never returns is caught by the watchdog, which saves the input and kills the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FUZZ = fileURLToPath(new URL('../support/fuzz.ts', import.meta.url));

/** Runs `code` (an ES module importing the runner as `fuzz`) in a child with its own corpus folder. */
function child(code: string, corpus: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-fuzz-runner-'));
  const script = join(dir, 'script.ts');
  writeFileSync(script, `import { fuzz } from ${JSON.stringify(FUZZ)};\n${code}`);
  return new Promise((resolve) => {
    const run = spawn(process.execPath, [script], { env: { ...process.env, MONOLITE_FUZZ_CORPUS: corpus, MONOLITE_FUZZ_SEED: '42', MONOLITE_LONG: '' } });
    let stdout = '';
    let stderr = '';
    run.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    run.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    run.on('exit', (exit, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: exit, signal, stdout, stderr });
    });
  });
}

test('a failing input is saved to the corpus, reported with the seed, and replayed first next time', { timeout: 30_000 }, async () => {
  const corpus = mkdtempSync(join(tmpdir(), 'monolite-fuzz-corpus-'));
  try {
    const failing = await child(`
      try {
        await fuzz('t', { seeds: ['ok'], dictionary: ['BOOM'], run(input) { if (input.includes('BOOM')) throw new Error('found it'); } });
        console.log('no failure');
      } catch (err) { console.log(err.message); }`, corpus);
    assert.match(failing.stdout, /Fuzz target "t" failed on a (mutated|generated) input .*t\/[0-9a-f]{16}\.bin/);
    assert.match(failing.stdout, /seed 42, run \d+: replay with MONOLITE_FUZZ_SEED=42/);
    assert.match(failing.stdout, /found it/);
    const saved = readdirSync(join(corpus, 't'));
    assert.equal(saved.length, 1);
    assert.ok(readFileSync(join(corpus, 't', saved[0])).includes('BOOM'));

    const replay = await child(`
      const seen = [];
      await fuzz('t', { seeds: ['ok'], budgetMs: 0, run(input) { seen.push(input.toString('latin1')); } });
      console.log(JSON.stringify(seen));`, corpus);
    const seen = JSON.parse(replay.stdout) as string[];
    assert.ok(seen[0].includes('BOOM'), `first run was ${JSON.stringify(seen[0])}`);
    assert.equal(seen[1], 'ok');
  } finally {
    rmSync(corpus, { recursive: true, force: true });
  }
});

test('a run that never returns: the watchdog saves the input, says so on stderr and kills the process', { timeout: 30_000 }, async () => {
  const corpus = mkdtempSync(join(tmpdir(), 'monolite-fuzz-corpus-'));
  try {
    const hung = await child(`
      await fuzz('loop', { seeds: ['fine', 'spin'], timeoutMs: 100, run(input) { if (input.includes('spin')) for (;;); } });
      console.log('not reached');`, corpus);
    assert.equal(hung.signal, 'SIGKILL');
    assert.doesNotMatch(hung.stdout, /not reached/);
    assert.match(hung.stderr, /Fuzz target "loop" hung \(no result after \d+ ms\) on .*loop\/[0-9a-f]{16}\.bin: "spin"/);
    assert.match(hung.stderr, /replay with MONOLITE_FUZZ_SEED=42/);
    assert.equal(readFileSync(join(corpus, 'loop', readdirSync(join(corpus, 'loop'))[0]), 'utf8'), 'spin');
  } finally {
    rmSync(corpus, { recursive: true, force: true });
  }
});
