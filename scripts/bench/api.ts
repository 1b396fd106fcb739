// Declared endpoints benchmark: req/s of a typed GET (a uint path parameter, two query parameters, a checked output)
// next to the same logic as a bare monolite route, on one server in the same run (target ≥ 0.9×); then multipart
// upload throughput (MB/s) next to reading the same bytes raw. Load from wrk, else load.ts. `node api.ts server`
// is the server half (started by the bench in its own process).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternateRounds, median } from './rounds.ts';
import { announce, stopOn } from './servers/lifecycle.ts';
import { fmtInt as fmt, measure, readSettings, startServer, stopServer } from './http-harness.ts';

// Settings: those of http-harness.ts (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_NO_WRK), and
//   BENCH_UPLOAD_MIB   size of each uploaded file in MiB (default 8)

const SELF = fileURLToPath(import.meta.url);
const TARGET_RATIO = 0.9;
const TYPED = '/bench/items/123?limit=20&sort=name';
const BARE = '/bench/bare/123?limit=20&sort=name';
const UPLOAD_CONNECTIONS = 4;
const BOUNDARY = 'monolite-bench-boundary';

const DEFINITION = [
  {
    method: 'GET', path: '/bench/items/{id}', info: 'One item',
    in: { '{id}': { type: 'uint' }, 'GET@limit': { type: '?uint', default: 10 }, 'GET@sort': { type: '?string(1,20)', default: 'id' } },
    out: { id: { type: 'uint' }, limit: { type: 'uint' }, sort: { type: 'string' } },
  },
  {
    method: 'POST', path: '/bench/upload', info: 'An upload',
    in: { title: { type: 'string(1,50)' }, file: { type: 'file' } },
    out: { size: { type: 'uint' } },
  },
];
const HANDLERS = `export default {
  'GET /bench/items/{id}': (input) => input,
  'POST /bench/upload': (input) => ({ size: input.file.size }),
};
`;

/** The server half: monolite with the definition above and the bare twins of its services. */
async function serve(): Promise<void> {
  const { createApp } = await import('../../src/app.ts');
  const { HttpError } = await import('../../src/http/errors.ts');
  const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-api-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'definition.json'), JSON.stringify(DEFINITION));
  writeFileSync(join(dir, 'handlers.mjs'), HANDLERS);
  const app = await createApp({
    dataDir: join(dir, 'data'),
    flags: { server: { port: 0 }, log: { level: 'warn' }, api: { definition: join(dir, 'definition.json'), handlers: join(dir, 'handlers.mjs') } },
  });
  // The typed service's logic by hand: the same checks, defaults and answer.
  app.router.get('/bench/bare/:id', (ctx) => {
    const id = Number(ctx.params.id);
    if (!/^\+?\d+$/.test(ctx.params.id) || !Number.isSafeInteger(id)) throw new HttpError(400, 'invalid_param', `id: expected uint, got "${ctx.params.id}"`);
    const q = ctx.query;
    const limitText = q.get('limit');
    const limit = limitText === null || limitText === '' ? 10 : Number(limitText);
    if (limitText !== null && limitText !== '' && (!/^\+?\d+$/.test(limitText) || !Number.isSafeInteger(limit))) throw new HttpError(400, 'invalid_param', `limit: expected uint, got "${limitText}"`);
    const sort = q.get('sort') ?? 'id';
    if (sort.length < 1 || sort.length > 20) throw new HttpError(400, 'invalid_param', `sort: expected string(1,20), got "${sort}"`);
    ctx.json(200, { id, limit, sort });
  });
  app.router.post('/bench/raw-upload', async (ctx) => {
    ctx.json(200, { size: (await ctx.rawBody()).length });
  });
  const server = await app.listen();
  announce(server.port);
  stopOn(() => app.close());
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The multipart body of one upload: a title field and a file of `bytes` bytes. */
function multipartBody(bytes: number): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nbench\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const file = Buffer.alloc(bytes);
  // Bytes that look like the start of a boundary now and then, so the scanner does real work.
  for (let i = 0; i < bytes; i += 997) file[i] = 0x2d;
  return Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
}

/** MB/s (10^6 bytes) of request bodies sent to `path` by UPLOAD_CONNECTIONS clients in a row for `seconds`. */
async function uploadRate(port: number, path: string, body: Buffer, contentType: string, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: UPLOAD_CONNECTIONS });
  const deadline = performance.now() + seconds * 1000;
  let bytes = 0;
  const started = performance.now();
  const one = () => new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  await Promise.all(Array.from({ length: UPLOAD_CONNECTIONS }, async () => {
    while (performance.now() < deadline) {
      await one();
      bytes += body.length;
    }
  }));
  agent.destroy();
  return bytes / 1e6 / ((performance.now() - started) / 1000);
}

/** Runs both comparisons and prints their medians. */
export async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const uploadMiB = Number(process.env.BENCH_UPLOAD_MIB ?? 8);
  if (!(uploadMiB > 0)) throw new RangeError(`BENCH_UPLOAD_MIB must be a positive number; got "${process.env.BENCH_UPLOAD_MIB}"`);
  const tool = settings.wrk !== null ? `wrk (${settings.wrk})` : 'load.ts (Node; wrk not found or BENCH_NO_WRK set)';
  console.log(`load: ${tool}; ${settings.connections} connections, ${settings.seconds} s per run, ${settings.rounds} rounds; Node ${process.versions.node}`);
  const server = await startServer({ name: 'monolite', file: SELF, args: ['server'] }, settings);
  const port = server.port;
  const rps = async (path: string, seconds = settings.seconds) => (await measure(server, path, { ...settings, seconds })).rps;
  try {
    const [typed, bare] = await Promise.all([get(port, TYPED), get(port, BARE)]);
    if (typed.status !== 200 || typed.body !== bare.body) {
      throw new Error(`The typed service and the bare route answer differently: ${typed.status} ${typed.body} vs ${bare.status} ${bare.body}`);
    }
    const warmup = Math.min(1, settings.seconds);
    await rps(TYPED, warmup);
    await rps(BARE, warmup);
    const ratios: number[] = [];
    const get_ = await alternateRounds(settings.rounds, () => rps(TYPED), () => rps(BARE), (round, t, b) => {
      ratios.push(t / b);
      console.log(`  round ${round}/${settings.rounds}  typed ${fmt(t)} req/s  bare ${fmt(b)} req/s  → ${(t / b).toFixed(2)}×`);
    });
    const ratio = median(ratios);
    console.log(`typed GET ${TYPED}: ${fmt(median(get_.ours))} req/s, bare route ${fmt(median(get_.theirs))} req/s: ${ratio.toFixed(2)}× (target ≥ ${TARGET_RATIO}×)${ratio >= TARGET_RATIO ? '' : '  BELOW TARGET'}`);

    const size = Math.round(uploadMiB * 1024 * 1024);
    const multipart = multipartBody(size);
    const raw = Buffer.alloc(size);
    const type = `multipart/form-data; boundary=${BOUNDARY}`;
    await uploadRate(port, '/bench/upload', multipart, type, warmup);
    const up = await alternateRounds(settings.rounds, () => uploadRate(port, '/bench/upload', multipart, type, settings.seconds),
      () => uploadRate(port, '/bench/raw-upload', raw, 'application/octet-stream', settings.seconds), (round, m, r) => {
        console.log(`  round ${round}/${settings.rounds}  multipart upload ${m.toFixed(0)} MB/s  raw body read ${r.toFixed(0)} MB/s  → ${(m / r).toFixed(2)}×`);
      });
    const m = median(up.ours);
    const r = median(up.theirs);
    console.log(`multipart upload of ${uploadMiB} MiB files (spooled to disk, ${UPLOAD_CONNECTIONS} clients): ${m.toFixed(0)} MB/s; raw body into memory: ${r.toFixed(0)} MB/s (${(m / r).toFixed(2)}×)`);
  } finally {
    await stopServer(server);
  }
}

if (import.meta.main) {
  const task = process.argv[2] === 'server' ? serve() : main();
  task.catch((err: unknown) => {
    process.stderr.write(`bench api: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
