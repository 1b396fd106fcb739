// Declared endpoints benchmark: req/s of a typed GET (a uint path parameter, two query parameters, a checked output)
// next to the same logic as a bare monolite route, on one server in the same run (target ≥ 0.9×); then multipart
// upload throughput (MB/s) next to reading the same bytes raw. Load from wrk, else load.ts. `node api.ts server`
// is the server half (started by the bench in its own process).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.ts';
import { alternateRounds, median } from './rounds.ts';

// Settings, from the environment (as in pipeline.ts):
//   BENCH_SECONDS      length of each measured run (default 5)
//   BENCH_ROUNDS       rounds of typed-then-bare; medians are reported (default 3)
//   BENCH_CONNECTIONS  concurrent keep-alive connections for the GET runs (default 64)
//   BENCH_UPLOAD_MIB   size of each uploaded file in MiB (default 8)
//   BENCH_NO_WRK=1     use the Node load generator even when wrk is installed

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const LOAD = join(HERE, 'load.ts');
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
  process.stdout.write(JSON.stringify({ port: server.port }) + '\n');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

interface Settings {
  seconds: number;
  rounds: number;
  connections: number;
  uploadMiB: number;
  wrk: string | null;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!(n > 0)) throw new RangeError(`${name} must be a positive number; got "${raw}"`);
    return n;
  };
  return {
    seconds: number('BENCH_SECONDS', 5),
    rounds: Math.round(number('BENCH_ROUNDS', 3)),
    connections: Math.round(number('BENCH_CONNECTIONS', 64)),
    uploadMiB: number('BENCH_UPLOAD_MIB', 8),
    wrk: env.BENCH_NO_WRK === '1' ? null : findOnPath('wrk', env.PATH ?? ''),
  };
}

function findOnPath(name: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch { /* not here */ }
  }
  return null;
}

function startServer(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [SELF, 'server'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('The bench server did not start within 20 s'));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The bench server exited (${code})`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', function onData(chunk: string) {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      child.removeAllListeners('exit');
      clearTimeout(timer);
      resolve({ port: (JSON.parse(out.slice(0, nl)) as { port: number }).port, child });
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function run(file: string, args: string[], timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}${stderr ? '\n' + stderr : ''}`));
      else resolve(stdout);
    });
  });
}

/** Requests per second on `path` for one run; fails on socket errors and non-2xx answers. */
async function measure(port: number, path: string, settings: Settings, seconds = settings.seconds): Promise<number> {
  const url = `http://127.0.0.1:${port}${path}`;
  const timeout = (seconds + 30) * 1000;
  if (settings.wrk !== null) {
    const out = await run(settings.wrk, ['-t1', `-c${settings.connections}`, `-d${Math.max(1, Math.round(seconds))}s`, url], timeout);
    const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
    if (rps === null) throw new Error(`Cannot read wrk's output for ${url}:\n${out}`);
    if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`${url}: wrk got non-2xx responses`);
    const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    if (errors !== null && errors.slice(1).some((n) => n !== '0')) throw new Error(`${url}: wrk reports ${errors[0]}`);
    return Number(rps[1]);
  }
  const out = await run(process.execPath, [LOAD, '--url', url, '--connections', String(settings.connections), '--seconds', String(seconds)], timeout);
  const r = JSON.parse(out) as LoadResult;
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${url}: ${r.errors} socket errors, ${r.non2xx} non-2xx responses`);
  return r.rps;
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
  const tool = settings.wrk !== null ? `wrk (${settings.wrk})` : 'load.ts (Node; wrk not found or BENCH_NO_WRK set)';
  console.log(`load: ${tool}; ${settings.connections} connections, ${settings.seconds} s per run, ${settings.rounds} rounds; Node ${process.versions.node}`);
  const { port, child } = await startServer();
  try {
    const [typed, bare] = await Promise.all([get(port, TYPED), get(port, BARE)]);
    if (typed.status !== 200 || typed.body !== bare.body) {
      throw new Error(`The typed service and the bare route answer differently: ${typed.status} ${typed.body} vs ${bare.status} ${bare.body}`);
    }
    const warmup = Math.min(1, settings.seconds);
    await measure(port, TYPED, settings, warmup);
    await measure(port, BARE, settings, warmup);
    const ratios: number[] = [];
    const get_ = await alternateRounds(settings.rounds, () => measure(port, TYPED, settings), () => measure(port, BARE, settings), (round, t, b) => {
      ratios.push(t / b);
      console.log(`  round ${round}/${settings.rounds}  typed ${fmt(t)} req/s  bare ${fmt(b)} req/s  → ${(t / b).toFixed(2)}×`);
    });
    const ratio = median(ratios);
    console.log(`typed GET ${TYPED}: ${fmt(median(get_.ours))} req/s, bare route ${fmt(median(get_.theirs))} req/s: ${ratio.toFixed(2)}× (target ≥ ${TARGET_RATIO}×)${ratio >= TARGET_RATIO ? '' : '  BELOW TARGET'}`);

    const size = Math.round(settings.uploadMiB * 1024 * 1024);
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
    console.log(`multipart upload of ${settings.uploadMiB} MiB files (spooled to disk, ${UPLOAD_CONNECTIONS} clients): ${m.toFixed(0)} MB/s; raw body into memory: ${r.toFixed(0)} MB/s (${(m / r).toFixed(2)}×)`);
  } finally {
    await stopServer(child);
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (import.meta.main) {
  const task = process.argv[2] === 'server' ? serve() : main();
  task.catch((err: unknown) => {
    process.stderr.write(`bench api: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
