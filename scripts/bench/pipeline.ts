// Pipeline benchmark: req/s of monolite's full default pipeline (every middleware on, the request log included) vs a
// bare node:http peer sending the same bytes, plus monolite without its request log — the one middleware that writes
// (a logs.db row per request), so the table shows what it costs. Load from wrk, else load.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { median } from './rounds.ts';
import { fmtInt, fmtMs, fmtUs, measure, readSettings, startServer, stopServer, type Measurement, type RunningServer, type Settings } from './http-harness.ts';

// Settings, from the environment so that `BENCH_SECONDS=1 npm run bench -- pipeline` gives a quick run.
//   BENCH_SECONDS      length of each measured run (default 5)
//   BENCH_ROUNDS       rounds of raw-then-monolite per scenario; medians are reported (default 3)
//   BENCH_CONNECTIONS  concurrent keep-alive connections (default 64)
//   BENCH_NO_WRK=1     use the Node load generator even when wrk is installed
//   BENCH_CPU_PROF=1   profile both servers with --cpu-prof and print where their time goes

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SERVERS = {
  raw: { file: join(HERE, 'servers', 'raw.ts'), env: {} },
  monolite: { file: join(HERE, 'servers', 'monolite.ts'), env: {} },
  'no request log': { file: join(HERE, 'servers', 'monolite.ts'), env: { MONOLITE_REQUEST_LOG_ENABLED: 'false' } },
} as const;
type ServerName = keyof typeof SERVERS;
const SERVER_NAMES = Object.keys(SERVERS) as ServerName[];
const TARGET_RATIO = 0.85; // the target for monolite with its defaults

const SCENARIOS = [
  { name: 'GET /api/health', path: '/api/health' },
  { name: 'GET /bench/users/:id', path: '/bench/users/123' },
];

/** Runs every scenario against both servers, alternating them, and prints the medians side by side. */
export async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const tool = settings.wrk !== null ? `wrk (${settings.wrk})` : 'load.ts (Node; wrk not found or BENCH_NO_WRK set)';
  console.log(`load: ${tool}; ${settings.connections} connections, ${settings.seconds} s per run, ${settings.rounds} rounds; Node ${process.versions.node}`);

  const servers: RunningServer[] = [];
  try {
    for (const name of SERVER_NAMES) servers.push(await startServer({ name, ...SERVERS[name] }, settings));
    const [raw, monolite] = servers;
    for (const s of SCENARIOS) await compareResponses(raw, monolite, s.path);

    // One short unmeasured run per server and path, so that the first measured round is not the JIT's warm-up.
    const warmup = Math.min(1, settings.seconds);
    for (const s of SCENARIOS) for (const server of servers) await measure(server, s.path, { ...settings, seconds: warmup });

    const results = new Map<string, Record<ServerName, Measurement[]>>();
    for (const s of SCENARIOS) results.set(s.name, Object.fromEntries(SERVER_NAMES.map((n) => [n, []])) as unknown as Record<ServerName, Measurement[]>);
    for (let round = 1; round <= settings.rounds; round++) {
      for (const s of SCENARIOS) {
        for (const server of servers) {
          const m = await measure(server, s.path, settings);
          results.get(s.name)![server.name as ServerName].push(m);
          console.log(`  round ${round}/${settings.rounds}  ${s.name.padEnd(22)} ${server.name.padEnd(14)} ${fmtInt(m.rps).padStart(8)} req/s  p50 ${fmtMs(m.p50)}  p99 ${fmtMs(m.p99)}  CPU ${fmtUs(m.cpuUs)}/req`);
        }
      }
    }
    printTable(results);
    await compareAuthenticated(monolite, settings);
  } finally {
    await Promise.all(servers.map(stopServer));
  }
  if (settings.profileDir !== null) printProfiles(settings.profileDir);
}

const AUTH_TARGET_RATIO = 0.8;

/** Authenticated GET /api/me (token verified, user from the cache) next to GET /api/health, on monolite. */
async function compareAuthenticated(server: RunningServer, settings: Settings): Promise<void> {
  const auth = [`Authorization: Bearer ${server.token}`];
  await measure(server, '/api/me', { ...settings, seconds: Math.min(1, settings.seconds) }, auth);
  const ratios: number[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const health = await measure(server, '/api/health', settings);
    const me = await measure(server, '/api/me', settings, auth);
    ratios.push(me.rps / health.rps);
    console.log(`  round ${round}/${settings.rounds}  GET /api/me (Bearer) ${fmtInt(me.rps)} req/s  vs  GET /api/health ${fmtInt(health.rps)} req/s  → ${(me.rps / health.rps).toFixed(2)}×`);
  }
  const ratio = median(ratios);
  console.log(`authenticated GET /api/me: ${ratio.toFixed(2)}× GET /api/health (target ≥ ${AUTH_TARGET_RATIO}×)${ratio >= AUTH_TARGET_RATIO ? '' : '  BELOW TARGET'}`);
}

interface Probe {
  status: number;
  headers: [string, string][];
  body: string;
}

/** One request on a fresh connection, read as raw bytes so header names, order and values are all visible. */
function probe(port: number, path: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no complete answer to GET ${path} within 5 s`)), 5000);
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = all.toString('latin1', 0, end).split('\r\n');
      const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]);
      const length = Number(headers.find(([n]) => n === 'content-length')?.[1] ?? NaN);
      if (!(all.length >= end + 4 + length)) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: all.toString('utf8', end + 4, end + 4 + length) });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Checks that the peer is honest: same status, same header names in the same order, same content type, and a body
 * with the same keys. Values that must differ (date, request id, uptime) are not compared. A difference is printed,
 * not fatal: it means the peer needs updating, and the figures below compare unlike answers until it is.
 */
async function compareResponses(raw: RunningServer, monolite: RunningServer, path: string): Promise<void> {
  const [a, b] = await Promise.all([probe(raw.port, path), probe(monolite.port, path)]);
  const problems: string[] = [];
  if (a.status !== b.status) problems.push(`status ${a.status} (raw) vs ${b.status} (monolite)`);
  const names = (p: Probe) => p.headers.map(([n]) => n).join(', ');
  if (names(a) !== names(b)) problems.push(`headers [${names(a)}] (raw) vs [${names(b)}] (monolite)`);
  for (const name of ['content-type', 'connection', 'keep-alive']) {
    const va = a.headers.find(([n]) => n === name)?.[1];
    const vb = b.headers.find(([n]) => n === name)?.[1];
    if (va !== vb) problems.push(`${name} "${va}" (raw) vs "${vb}" (monolite)`);
  }
  const keys = (body: string) => {
    try {
      return Object.keys(JSON.parse(body) as object).join(',');
    } catch {
      return `(not JSON: ${JSON.stringify(body.slice(0, 60))})`;
    }
  };
  if (keys(a.body) !== keys(b.body)) problems.push(`body keys ${keys(a.body)} (raw) vs ${keys(b.body)} (monolite)`);
  if (problems.length > 0) {
    console.log(`WARNING: the raw peer does not answer GET ${path} the way monolite does; update scripts/bench/servers/raw.ts:`);
    for (const p of problems) console.log(`  - ${p}`);
  }
}


function printTable(results: Map<string, Record<ServerName, Measurement[]>>): void {
  const others = SERVER_NAMES.filter((n) => n !== 'raw');
  const header = ['scenario', ...SERVER_NAMES.map((n) => `${n} req/s`), ...others.map((n) => `${n}/raw`), ...SERVER_NAMES.map((n) => `p99 ${n}`), ...SERVER_NAMES.map((n) => `CPU/req ${n}`)];
  const rows = [header];
  let below = false;
  for (const [name, r] of results) {
    const of = (server: ServerName, key: keyof Measurement) => median(r[server].map((x) => x[key]));
    if (of('monolite', 'rps') / of('raw', 'rps') < TARGET_RATIO) below = true;
    rows.push([
      name,
      ...SERVER_NAMES.map((n) => fmtInt(of(n, 'rps'))),
      ...others.map((n) => (of(n, 'rps') / of('raw', 'rps')).toFixed(2)),
      ...SERVER_NAMES.map((n) => fmtMs(of(n, 'p99'))),
      ...SERVER_NAMES.map((n) => fmtUs(of(n, 'cpuUs'))),
    ]);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log('');
  console.log('medians over the rounds:');
  for (const [i, row] of rows.entries()) {
    console.log('  ' + row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log(below ? `below the target: monolite should reach ${TARGET_RATIO}× raw req/s` : `target met: monolite ≥ ${TARGET_RATIO}× raw req/s`);
  console.log('(CPU/req is the server process\'s CPU time per response, all its threads: steadier than req/s when other work shares the machine)');
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self time per function and per project file from each server's CPU profile: where a request's time goes. */
function printProfiles(dir: string): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
    const byFunction = new Map<string, number>();
    const byFile = new Map<string, number>();
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      // Idle time is the other server's turn and the pauses between runs: shares are of the time spent working.
      if (hits === 0 || functionName === '(idle)') continue;
      const where = url.startsWith('file://') ? fileURLToPath(url).replace(root, '') : url;
      const key = `${functionName || '(anonymous)'}  ${where}${where ? ':' + (lineNumber + 1) : ''}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
      const group = where.startsWith('src/') || where.startsWith('scripts/') ? where : where.startsWith('node:') ? 'node: internals' : functionName.startsWith('(') ? functionName : 'native / other';
      byFile.set(group, (byFile.get(group) ?? 0) + hits);
    }
    const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
    console.log('');
    const total = [...byFile.values()].reduce((a, b) => a + b, 0);
    console.log(`CPU profile ${join(dir, file)} (${total} busy samples), self time as a share of busy time:`);
    for (const [key, hits] of top(byFunction, 20)) console.log(`  ${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}`);
    console.log('  by file:');
    for (const [key, hits] of top(byFile, 12)) console.log(`  ${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench pipeline: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
