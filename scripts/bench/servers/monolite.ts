// Bench server: monolite's full request pipeline on an ephemeral port plus one `:param` route; prints
// {"port":N,"token":"…"} (a session token of a bench user).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/app.ts';
import { announce, stopOn } from './lifecycle.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'monolite-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const app = await createApp({ dataDir, flags: { server: { port: 0 }, log: { level: 'warn' } } });
app.router.get('/bench/users/:id', (ctx) => ctx.json(200, { id: ctx.params.id, name: 'user' }));
const server = await app.listen();
// A signed-in user's token, for the authenticated scenario (GET /api/me).
const user = app.accounts.users.create({ email: 'bench@example.com', verified: true });
const token = app.accounts.sessions.issue(user).access_token;
announce(server.port, { token });
stopOn(() => app.close());
