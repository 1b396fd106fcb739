// Test support: `promtool check metrics`, the ground truth for the Prometheus exposition (.ci/run installs it).
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** True when promtool runs; otherwise skips the test, or fails it under CI=true (.ci/run installs promtool). */
export function havePromtool(t: TestContext): boolean {
  const run = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (!run.error && run.status === 0) return true;
  const reason = '`promtool` is not installed (Debian package prometheus; .ci/run installs the binary)';
  if (process.env.CI === 'true') assert.fail(`${reason} (CI=true requires it)`);
  t.skip(reason);
  return false;
}

/** Runs `promtool check metrics` on `text` (it reads stdin) and asserts a clean pass: exit 0, nothing reported. */
export function assertPromtoolPasses(text: string): void {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(run.error, undefined);
  const report = (run.stdout + run.stderr).trim();
  assert.equal(run.status, 0, `promtool exit ${run.status}: ${report}\n--- input ---\n${text}`);
  assert.equal(report, '', `promtool reported problems:\n${report}`);
}
