// The login scenario: password logins back to back from a few clients (scrypt bound), and meanwhile GET /api/health
// at a fixed rate, whose p99 shows whether hashing stays off the event loop. The same health load alone is the baseline.
import { Agent, request } from 'node:http';
import type { RunningServer } from '../http-harness.ts';
import { BENCH_LOGIN } from '../servers/fastify.ts';
import { runOpenLoop, type OpenLoopResult } from './open-loop.ts';

/** Concurrent login clients: twice libuv's 4 pool threads, so the pool never idles. */
const CLIENTS = 8;
/** GET /api/health per second alongside. */
export const HEALTH_RATE = 500;

export interface LoginResult {
  loginsPerSecond: number;
  /** Health latency with logins running, and alone. */
  during: OpenLoopResult;
  alone: OpenLoopResult;
}

/** Logins/s for `seconds` with the health p99 beside them; then the health load alone for the baseline. */
export async function measureLogin(server: RunningServer, seconds: number): Promise<LoginResult> {
  const [logins, during] = await Promise.all([
    loginRate(server, seconds),
    runOpenLoop({ port: server.port, path: '/api/health', rate: HEALTH_RATE, seconds, connections: 16 }),
  ]);
  const alone = await runOpenLoop({ port: server.port, path: '/api/health', rate: HEALTH_RATE, seconds, connections: 16 });
  for (const r of [during, alone]) {
    if (r.errors > 0 || r.non2xx > 0) throw new Error(`${server.name}: GET /api/health had ${r.errors} errors and ${r.non2xx} non-2xx answers`);
  }
  return { loginsPerSecond: logins, during, alone };
}

/** Successful logins per second by CLIENTS clients posting the bench account's credentials back to back. */
async function loginRate(server: RunningServer, seconds: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const body = JSON.stringify(BENCH_LOGIN);
  const started = performance.now();
  const end = started + seconds * 1000;
  let ok = 0;
  const client = async () => {
    while (performance.now() < end) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/auth-with-password', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => { text += d; });
          res.on('end', () => (res.statusCode === 200 && text.includes('"access_token"') ? resolve(200) : reject(new Error(`${server.name}: login answered ${res.statusCode}: ${text.slice(0, 200)}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
      if (status === 200 && performance.now() <= end) ok++;
    }
  };
  try {
    await Promise.all(Array.from({ length: CLIENTS }, client));
  } finally {
    agent.destroy();
  }
  return ok / seconds;
}
