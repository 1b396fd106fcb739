// Bench server: monolite serving shop.db as automatic REST at /api/shop/ (full default pipeline, ETags on); prints
// {"port":N,"token":"…"} (a token with the read and write scopes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/app.ts';
import { jwtKey, signJwt } from '../../../src/lib/jwt.ts';
import { createShop } from './shop-data.ts';
import { announce, stopOn } from './lifecycle.ts';

const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-rest-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
createShop(join(dir, 'shop.db'));

const secret = 'bench-secret-for-external-tokens-of-32-chars';
const app = await createApp({
  dataDir: join(dir, 'data'),
  flags: {
    server: { port: 0 }, log: { level: 'warn' }, auth: { external_secrets: secret },
    rest: { databases: { shop: { uri: `sqlite://${join(dir, 'shop.db')}` } } },
  } as never,
});
const server = await app.listen();
const now = Math.floor(Date.now() / 1000);
const token = signJwt({ sub: 'bench', scope: 'read write', iat: now, exp: now + 3600 }, jwtKey(secret));
announce(server.port, { token });
stopOn(() => app.close());
