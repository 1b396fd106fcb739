// Fault: configuration reloads (SIGHUP) while clients keep the server busy. Two configuration versions, each imported
// with `monolite config import`, alternate, and SIGHUPs also come between imports; every request of the load —
// keep-alive and fresh connections, reads, REST writes, static files — must get its expected 2xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bounded } from '../support/long.ts';
import { faultBed } from '../support/fault-server.ts';
import { closedLoop, count, describe, exchange, tally, type Exchange } from '../support/fault-load.ts';

const SECONDS = bounded(5, 120);
const CLIENTS = bounded(16, 48);

/** Two versions that differ in live settings of nearly every middleware, and in one restart-only setting. */
const VERSIONS: Record<string, unknown>[] = [
  {
    server: { body_limit: '1MiB', keep_alive_timeout: '5s' },
    request_log: { enabled: true, max_path: 512 },
    block_host: { enabled: true, allowed_hosts: [] },
    cors: { enabled: false },
    security_headers: { hsts_max_age: '730d' },
    static: { spa_fallback: false },
    jobs: { retry_base: '5s' },
  },
  {
    server: { body_limit: '256KiB', keep_alive_timeout: '6s' },
    request_log: { enabled: false, max_path: 64 },
    block_host: { enabled: true, allowed_hosts: ['127.0.0.1', 'localhost'] },
    cors: { enabled: true, origins: ['https://app.example.com'] },
    security_headers: { hsts_max_age: '1d' },
    static: { spa_fallback: true },
    jobs: { retry_base: '2s' },
  },
];

test('SIGHUP reloads between two configurations under load fail no request', async (t) => {
  const bed = faultBed(VERSIONS[0], { shop: true });
  t.after(() => bed.cleanup());
  const { url, run } = await bed.serve();
  const pid = Number(readFileSync(join(bed.dataDir, 'monolite.pid'), 'utf8'));
  assert.equal(pid, run.child.pid);
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  t.after(() => keepAlive.destroy());
  const requests: ((client: number, i: number) => Exchange)[] = [
    () => ({ path: '/api/health', agent: keepAlive }),
    (c, i) => ({
      method: 'POST', path: '/api/shop/items', agent: keepAlive, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client: `c${c}`, seq: i, note: 'n'.repeat(100_000) }), // under both body limits
    }),
    () => ({ path: '/api/shop/items?limit=5&ordering=-id', agent: keepAlive }),
    () => ({ path: '/api/health' }), // a fresh connection each time
    () => ({ path: '/index.html', agent: keepAlive }),
  ];
  const result = tally();
  const deadline = Date.now() + SECONDS * 1000;
  let imports = 0;
  let signals = 0;
  const load = closedLoop(CLIENTS, () => Date.now() > deadline, async (client, i) => {
    const x = requests[(client + i) % requests.length](client, i);
    count(result, await exchange(url, { ...x, headers: { host: '127.0.0.1', ...x.headers } }));
  });
  const reloads = (async () => {
    while (Date.now() < deadline) {
      // `config import` saves the version and signals the server (the pid file names it)…
      await bed.importConfigAsync(VERSIONS[++imports % 2]);
      // …and extra SIGHUPs between imports reload an unchanged version, which must be as harmless.
      for (let k = 0; k < 3 && Date.now() < deadline; k++) {
        await new Promise((r) => setTimeout(r, 50));
        process.kill(pid, 'SIGHUP');
        signals++;
      }
    }
  })();
  await Promise.all([load, reloads]);

  const reloaded = run.lines.filter((l) => l.msg === 'Configuration reloaded').length;
  const rejected = run.lines.filter((l) => String(l.msg).startsWith('Configuration reload rejected'));
  assert.deepEqual(rejected, [], 'no reload was rejected');
  assert.ok(imports >= 2, `at least two imports ran (${imports})`);
  assert.ok(run.lines.some((l) => l.msg === 'Configuration reloaded' && (l.changed as string[]).includes('cors.enabled')), 'a reload changed live settings');
  assert.ok(run.lines.some((l) => l.msg === 'restart required: server.keep_alive_timeout'), 'a restart-only change was reported');
  assert.ok(reloaded >= imports, `every import was reloaded: ${reloaded} reloads for ${imports} imports`);
  const ok = [...result.statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, k]) => n + k, 0);
  assert.equal(ok, result.total, `every request answered 2xx: ${describe(result)}`);
  assert.ok(result.total > 200, `the load ran (${result.total} requests)`);
  t.diagnostic(`${result.total} requests, all 2xx, across ${imports} imports and ${signals} extra SIGHUPs (${reloaded} reloads logged)`);

  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});
