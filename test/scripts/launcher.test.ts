// The Node launcher: package scripts work under the machine's own Node (here often 20), via Node >= 24.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT } from '../support/process.ts';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

/** The first `node` on PATH, as a user's shell would find it (not necessarily the one running this test). */
function machineNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch { /* next */ }
  }
  return undefined;
}

const node = machineNode();
const machineVersion = node ? spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';

test(`scripts/node.mjs under the machine's Node (${machineVersion || 'none'}) runs Node >= 24`, { skip: node ? false : 'no node on PATH' }, () => {
  const r = spawnSync(node!, ['scripts/node.mjs', '-p', '[process.versions.node, typeof process.getBuiltinModule("node:sqlite").DatabaseSync, process.execPath].join(" ")'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [version, sqlite, execPath] = r.stdout.trim().split(' ');
  assert.ok(Number(version.split('.')[0]) >= 24, `got Node ${version}`);
  assert.equal(sqlite, 'function');
  if (Number(machineVersion.split('.')[0]) >= 24) assert.equal(realpathSync(execPath), realpathSync(node!), 'a new enough Node is used directly');
  else assert.notEqual(realpathSync(execPath), realpathSync(node!), 'an old Node is replaced');
});

test('the launcher passes the exit status through', { skip: node ? false : 'no node on PATH' }, () => {
  const r = spawnSync(node!, ['scripts/node.mjs', '-e', 'process.exit(7)'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 7);
});

test('`npm start -- --version` works with the machine\'s npm and Node', () => {
  const r = spawnSync('npm', ['run', '--silent', 'start', '--', '--version'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.error, undefined, 'npm is on PATH');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `monolite ${VERSION}`);
});

test('the installed `monolite` bin runs the CLI', { skip: node ? false : 'no node on PATH' }, () => {
  const r = spawnSync(node!, ['scripts/monolite.mjs', 'migrate', '--help'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /monolite migrate \[status\]/);
});

test('MONOLITE_NODE chooses the Node binary when the machine\'s is too old', { skip: node && Number(machineVersion.split('.')[0]) < 24 ? false : 'the machine\'s Node is new enough, so it is used directly' }, () => {
  const r = spawnSync(node!, ['scripts/node.mjs', '-p', 'process.execPath'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MONOLITE_NODE: process.execPath } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(realpathSync(r.stdout.trim()), realpathSync(process.execPath));
});
