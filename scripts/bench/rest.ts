// REST benchmark: monolite's automatic REST over SQLite next to the same endpoint hand-written on node:http +
// node:sqlite (scripts/bench/servers/rest-raw.ts), in the same run, rounds alternating. Reads: an authenticated
// `GET /api/shop/orders?where.gt.amount=…&limit=20` (target ≥ 0.8× the hand-written one). Writes: rows inserted per
// second through POSTs of 100-row JSON arrays, 4 at a time. Settings: see http-harness.ts (BENCH_SECONDS, BENCH_ROUNDS…).
import { request, Agent } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './rounds.ts';
import { fmtInt, fmtMs, measure, readSettings, startServer, stopServer, type RunningServer, type Settings } from './http-harness.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const READ_PATH = '/api/shop/orders?where.gt.amount=500&limit=20';
const TARGET = 0.8;
const BATCH = 100;
const WRITERS = 4;

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  console.log(`load: ${settings.wrk ?? 'load.ts'}; ${settings.connections} connections, ${settings.seconds} s per run, ${settings.rounds} rounds; Node ${process.versions.node}`);
  const servers: RunningServer[] = [];
  try {
    const monolite = await startServer({ name: 'monolite', file: join(HERE, 'servers', 'rest-monolite.ts') }, settings);
    servers.push(monolite);
    const raw = await startServer({ name: 'node:http', file: join(HERE, 'servers', 'rest-raw.ts') }, settings);
    servers.push(raw);
    const auth = [`Authorization: Bearer ${monolite.token}`];
    await checkSameRows(monolite, raw);
    const warm = { ...settings, seconds: Math.min(1, settings.seconds) };
    await measure(monolite, READ_PATH, warm, auth);
    await measure(raw, READ_PATH, warm);

    const reads: number[] = [];
    const writes: number[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 === 1 ? [monolite, raw] : [raw, monolite];
      const r: Record<string, { rps: number; p99: number }> = {};
      for (const s of order) r[s.name] = await measure(s, READ_PATH, settings, s === monolite ? auth : []);
      reads.push(r.monolite.rps / r['node:http'].rps);
      console.log(`  round ${round}  GET  monolite ${fmtInt(r.monolite.rps)} req/s (p99 ${fmtMs(r.monolite.p99)})  node:http ${fmtInt(r['node:http'].rps)} req/s (p99 ${fmtMs(r['node:http'].p99)})  → ${reads.at(-1)!.toFixed(2)}×`);
      const w: Record<string, number> = {};
      for (const s of order) w[s.name] = await insertRate(s, settings, s === monolite ? { authorization: `Bearer ${monolite.token}` } : {});
      writes.push(w.monolite / w['node:http']);
      console.log(`  round ${round}  POST monolite ${fmtInt(w.monolite)} rows/s  node:http ${fmtInt(w['node:http'])} rows/s  → ${writes.at(-1)!.toFixed(2)}×`);
    }
    const read = median(reads);
    console.log('');
    console.log(`authenticated GET ${READ_PATH}: ${read.toFixed(2)}× hand-written node:http + node:sqlite (target ≥ ${TARGET}×)${read >= TARGET ? '' : '  BELOW TARGET'}`);
    console.log(`inserts via POST of ${BATCH}-row arrays: ${median(writes).toFixed(2)}× hand-written`);
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}

/** Both servers must answer the read with the same rows, or the comparison means nothing. */
async function checkSameRows(a: RunningServer, b: RunningServer): Promise<void> {
  const get = async (s: RunningServer) => {
    const res = await fetch(`http://127.0.0.1:${s.port}${READ_PATH}`, { headers: s.token ? { authorization: `Bearer ${s.token}` } : {} });
    if (res.status !== 200) throw new Error(`${s.name}: GET ${READ_PATH} answered ${res.status}: ${await res.text()}`);
    return JSON.stringify(await res.json());
  };
  const [x, y] = await Promise.all([get(a), get(b)]);
  if (x !== y) throw new Error(`The servers answer ${READ_PATH} with different rows:\n${x.slice(0, 300)}\n${y.slice(0, 300)}`);
}

/** Rows inserted per second by WRITERS clients each POSTing BATCH-row arrays back to back for the run's length. */
async function insertRate(server: RunningServer, settings: Settings, headers: Record<string, string>): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: WRITERS });
  const rows = Array.from({ length: BATCH }, (_, i) => ({ user_id: 1 + (i % 500), amount: i / 10, status: 'new' }));
  const body = JSON.stringify(rows);
  const end = performance.now() + settings.seconds * 1000;
  let inserted = 0;
  const started = performance.now();
  const writer = async () => {
    while (performance.now() < end) {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/shop/orders', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`${server.name}: POST answered ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
      inserted += BATCH;
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  agent.destroy();
  return inserted / ((performance.now() - started) / 1000);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench rest: ${(err as Error).message}\n`);
  process.exit(1);
});
