// Test support: a Python interpreter that can import a given module, the ground truth for mail (stdlib `email`,
// Debian's python3-dkim, python3-aiosmtpd). Debian's /usr/bin/python3 sees the apt packages; a pyenv or venv
// `python3` first in PATH usually does not, so it is tried first.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const CANDIDATES = ['/usr/bin/python3', 'python3'];
const found = new Map<string, string | null>();

/** The first interpreter (/usr/bin/python3, then python3 in PATH) that can `import module`, or undefined. */
export function findPython(module: string): string | undefined {
  if (!found.has(module)) {
    const python = CANDIDATES.find((candidate) => {
      const run = spawnSync(candidate, ['-c', `import ${module}`], { encoding: 'utf8' });
      return !run.error && run.status === 0;
    });
    found.set(module, python ?? null);
  }
  return found.get(module) ?? undefined;
}

/**
 * A Python that can import `module`; otherwise skips the test and returns undefined, or fails it under CI=true
 * (.ci/run installs `aptPackage`).
 */
export function havePython(t: TestContext, module: string, aptPackage: string): string | undefined {
  const python = findPython(module);
  if (python !== undefined) return python;
  const reason = `no Python that can import ${module} (Debian package ${aptPackage}; tried ${CANDIDATES.join(', ')})`;
  if (process.env.CI === 'true') assert.fail(`${reason} (CI=true requires it)`);
  t.skip(reason);
  return undefined;
}

/** Runs the Python source `code` with `input` on stdin; asserts it exits 0 and returns its stdout. */
export function runPython(python: string, code: string, input: string): string {
  const run = spawnSync(python, ['-c', code], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.error, undefined);
  assert.equal(run.status, 0, `${python} exited with ${run.status}:\n${run.stderr}`);
  return run.stdout;
}
