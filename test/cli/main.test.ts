// The command line as a user meets it: --version, --help on every command, and usage mistakes (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT } from '../support/process.ts';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['src/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MONOLITE_DATA_DIR: '/nonexistent/never-created' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cases: { name: string; args: string[]; status: number; stdout?: RegExp; stderr?: RegExp; quietStdout?: boolean }[] = [
  { name: '--version prints the version to stdout', args: ['--version'], status: 0, stdout: new RegExp(`^monolite ${VERSION.replace(/\./g, '\\.')}\\n$`) },
  { name: '-v is --version', args: ['-v'], status: 0, stdout: /^monolite / },
  { name: '--help lists the commands', args: ['--help'], status: 0, stdout: /Usage: monolite \[command\][\s\S]*serve[\s\S]*migrate/ },
  { name: 'serve --help', args: ['serve', '--help'], status: 0, stdout: /Usage:\n  monolite serve \[--port N\] \[--host ADDR\][\s\S]*--data-dir/ },
  { name: 'migrate --help', args: ['migrate', '--help'], status: 0, stdout: /Usage:\n  monolite migrate \[status\]/ },
  { name: 'help flag after the command and other flags', args: ['serve', '--port', '1', '-h'], status: 0, stdout: /monolite serve/ },
  { name: 'unknown command', args: ['frobnicate'], status: 2, stderr: /^monolite: unknown command "frobnicate"\n\nUsage: monolite/, quietStdout: true },
  { name: 'unknown flag', args: ['serve', '--bogus'], status: 2, stderr: /^monolite: Unknown option '--bogus'\n\nUsage:\n  monolite serve/, quietStdout: true },
  { name: 'unknown flag of the default command', args: ['--nope'], status: 2, stderr: /^monolite: Unknown option '--nope'\n/, quietStdout: true },
  { name: 'flag of another command', args: ['migrate', '--port', '9'], status: 2, stderr: /^monolite: Unknown option '--port'/, quietStdout: true },
  { name: 'missing flag value', args: ['serve', '--port'], status: 2, stderr: /^monolite: Option '-p, --port <value>' argument missing/, quietStdout: true },
  { name: 'stray positional', args: ['serve', 'extra'], status: 2, stderr: /^monolite: Unexpected argument "extra"/, quietStdout: true },
  { name: 'invalid flag value', args: ['serve', '--port', '80a'], status: 1, stderr: /server\.port: expected integer 0–65535, got "80a"/, quietStdout: true },
];

for (const c of cases) {
  test(`cli: ${c.name}`, () => {
    const r = cli(...c.args);
    assert.equal(r.status, c.status, `exit status; stderr: ${r.stderr}`);
    if (c.stdout) assert.match(r.stdout, c.stdout);
    if (c.stderr) assert.match(r.stderr, c.stderr);
    if (c.quietStdout) assert.equal(r.stdout, '', 'diagnostics go to stderr only');
  });
}
