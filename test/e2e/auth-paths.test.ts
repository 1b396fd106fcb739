// auth.paths moves account endpoints: the new path answers, the old one is gone, GET /api/list-endpoints publishes
// the new map with a new hash, and a bad table is refused when the configuration loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { ENDPOINTS, endpointsHash } from '../../src/auth/endpoints.ts';

test('a configured path replaces the default one everywhere', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-paths-'));
  const app = await createApp({ dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'), flags: { server: { port: 0 }, auth: { paths: { auth_with_password: '/api/login' } as never } } });
  try {
    const { url } = await app.listen();
    const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: 'nobody@example.com', password: 'some password here' }) });
    assert.equal(login.status, 401);
    assert.equal((await fetch(`${url}/api/auth-with-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 404);
    const list = await (await fetch(`${url}/api/list-endpoints`)).json() as { endpoints: Record<string, string>; hash: string };
    assert.equal(list.endpoints.auth_with_password, 'POST /api/login');
    assert.equal(list.endpoints.refresh_auth, ENDPOINTS.refresh_auth);
    assert.notEqual(list.hash, endpointsHash({ ...ENDPOINTS }));
    assert.equal(list.hash, endpointsHash(list.endpoints));
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown endpoints and malformed paths are refused at load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-paths-'));
  try {
    await assert.rejects(createApp({ dataDir: join(dir, 'a'), env: {}, flags: { auth: { paths: { login: '/api/login' } as never } } }), /auth\.paths: unknown endpoint "login"/);
    await assert.rejects(createApp({ dataDir: join(dir, 'b'), env: {}, flags: { auth: { paths: { auth_with_password: 'api login' } as never } } }), /auth\.paths: auth_with_password: expected a path like "\/api\/login"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
