// Hot reload on a running server: `monolite config set` signals it (pid file), a live setting (the body limit) changes
// without a restart and without dropping a keep-alive connection, a restart-only setting is logged as such, and an
// invalid stored configuration is rejected while the old one stays in force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { start, servingUrl, ROOT } from '../support/process.ts';
import { openDataDir } from '../../src/data-dir.ts';
import { APPLICATION_SCOPE } from '../../src/config/store.ts';

/** POSTs `bytes` bytes to /echo over `agent`; resolves with the status and whether the socket was reused. */
function post(url: string, agent: http.Agent, bytes: number): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/echo`, { method: 'POST', agent, headers: { 'content-type': 'application/octet-stream', 'content-length': bytes } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(Buffer.alloc(bytes, 0x61));
  });
}

function cli(dataDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['src/main.ts', 'config', ...args, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('SIGHUP reloads live settings, reports restart-only ones and rejects an invalid configuration', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-reload-'));
  const dataDir = path.join(tmp, 'data');
  const run = start(['test/e2e/fixtures/test-server.ts', dataDir]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(async () => {
    agent.destroy();
    run.child.kill('SIGTERM');
    await run.exited;
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const url = await servingUrl(run);
  const pid = Number(fs.readFileSync(path.join(dataDir, 'monolite.pid'), 'utf8'));
  assert.equal(pid, run.child.pid, 'the pid file names the server process');

  assert.equal((await post(url, agent, 2000)).status, 200);

  // A live setting: `config set` signals the server, which applies it at once.
  const out = cli(dataDir, 'set', 'server.body_limit', '1KiB');
  assert.match(out, new RegExp(`Asked the running server \\(pid ${pid}\\) to reload`));
  const reloaded = await run.waitFor((l) => l.msg === 'Configuration reloaded' && l.version === 2);
  assert.deepEqual(reloaded.changed, ['server.body_limit']);
  const after = await post(url, agent, 2000);
  assert.equal(after.status, 413, 'the new limit applies');
  assert.equal(after.reused, true, 'on the same keep-alive connection: nothing was dropped');
  assert.equal((await post(url, agent, 1000)).status, 200);

  // A restart-only setting is saved but keeps its running value, and the log says so. --no-reload + a manual SIGHUP.
  // (server.port would not do: the fixture's --port flag outranks the store.)
  const noReload = cli(dataDir, 'set', 'server.keep_alive_timeout', '2s', '--no-reload');
  assert.doesNotMatch(noReload, /Asked the running server/);
  process.kill(pid, 'SIGHUP');
  await run.waitFor((l) => l.msg === 'restart required: server.keep_alive_timeout');
  assert.deepEqual((await run.waitFor((l) => l.msg === 'Configuration reloaded' && l.version === 3)).changed, []);
  assert.equal((await post(url, agent, 1000)).status, 200);

  // An invalid stored configuration (written past the CLI's checks) is rejected; the old one stays in force.
  const dir = openDataDir(dataDir);
  dir.store.save(APPLICATION_SCOPE, '[server]\nbody_limit = "lots"\n');
  dir.close();
  process.kill(pid, 'SIGHUP');
  const rejected = await run.waitFor((l) => l.msg === 'Configuration reload rejected; the previous configuration stays in force');
  assert.match(String(rejected.reason), /server\.body_limit \(stored version 4\): expected a size/);
  assert.equal(rejected.version, 3);
  assert.equal((await post(url, agent, 2000)).status, 413, 'the 1KiB limit is still in force');
  assert.equal((await post(url, agent, 1000)).status, 200);

  // Back to a valid version: the default limit applies again.
  cli(dataDir, 'rollback', '1');
  await run.waitFor((l) => l.msg === 'Configuration reloaded' && l.version === 5);
  assert.equal((await post(url, agent, 2000)).status, 200);
});

test('a second server on the same data directory is refused while the first runs', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-pid-'));
  const dataDir = path.join(tmp, 'data');
  const first = start(['test/e2e/fixtures/test-server.ts', dataDir]);
  t.after(async () => {
    first.child.kill('SIGTERM');
    await first.exited;
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  await servingUrl(first);
  const second = spawnSync(process.execPath, ['src/main.ts', 'serve', '--port', '0', '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`another server \\(pid ${first.child.pid}\\) is running on this data directory`));
  first.child.kill('SIGTERM');
  assert.equal((await first.exited).code, 0);
  assert.equal(fs.existsSync(path.join(dataDir, 'monolite.pid')), false, 'a clean stop removes the pid file');
});
