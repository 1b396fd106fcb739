// Static file benchmark: req/s for a 10 KB precompressed asset (`Accept-Encoding: br`) through monolite's full default
// pipeline (scripts/bench/servers/static-monolite.ts), next to a bare node:http server streaming the same .br file
// with the same headers (target ≥ 0.9×) and one sending it from memory (the ceiling). Rounds alternate the order.
// Settings: see http-harness.ts (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_NO_WRK, BENCH_CPU_PROF).
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './rounds.ts';
import { fmtInt, fmtMs, fmtUs, measure, readSettings, startServer, stopServer, type Measurement, type RunningServer } from './http-harness.ts';
import { ASSET_PATH } from './servers/static-asset.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TARGET = 0.9;
const ACCEPT = ['Accept-Encoding: br'];
// Headers whose values differ between two servers by nature.
const VOLATILE = new Set(['date', 'x-request-id', 'connection', 'keep-alive', 'last-modified']);

interface Probe {
  status: number;
  headers: Record<string, string>;
  sha: string;
}

function probe(server: RunningServer): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: ASSET_PATH, headers: { 'accept-encoding': 'br' }, agent: false }, (res) => {
      const hash = createHash('sha256');
      res.on('data', (c: Buffer) => hash.update(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, sha: hash.digest('hex') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The peers must send what monolite sends (status, bytes, header names and values), or the ratio means nothing. */
async function checkSameAnswer(servers: RunningServer[]): Promise<void> {
  const [ours, ...peers] = await Promise.all(servers.map(probe));
  if (ours.status !== 200 || ours.headers['content-encoding'] !== 'br') throw new Error(`monolite answered ${ours.status} ${ours.headers['content-encoding'] ?? 'without Content-Encoding'}`);
  console.log(`asset: ${ASSET_PATH}, ${ours.headers['content-length']} bytes of brotli (10,240 plain)`);
  for (const [i, peer] of peers.entries()) {
    const problems: string[] = [];
    if (peer.status !== ours.status) problems.push(`status ${peer.status} vs ${ours.status}`);
    if (peer.sha !== ours.sha) problems.push('different bytes');
    const names = new Set([...Object.keys(ours.headers), ...Object.keys(peer.headers)]);
    for (const name of names) {
      if (VOLATILE.has(name)) continue;
      if (peer.headers[name] !== ours.headers[name]) problems.push(`${name}: "${peer.headers[name]}" vs monolite "${ours.headers[name]}"`);
    }
    if (problems.length > 0) {
      console.log(`WARNING: ${servers[i + 1].name} does not answer as monolite does; update scripts/bench/servers/static-raw.ts:`);
      for (const p of problems) console.log(`  - ${p}`);
    }
  }
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  console.log(`load: ${settings.wrk ?? 'load.ts'}; ${settings.connections} connections, ${settings.seconds} s per run, ${settings.rounds} rounds; Node ${process.versions.node}`);
  const servers: RunningServer[] = [];
  try {
    servers.push(await startServer({ name: 'monolite', file: join(HERE, 'servers', 'static-monolite.ts') }, settings));
    servers.push(await startServer({ name: 'node:http stream', file: join(HERE, 'servers', 'static-raw.ts'), args: ['stream'] }, settings));
    servers.push(await startServer({ name: 'node:http memory', file: join(HERE, 'servers', 'static-raw.ts'), args: ['memory'] }, settings));
    await checkSameAnswer(servers);
    const warm = { ...settings, seconds: Math.min(1, settings.seconds) };
    for (const s of servers) await measure(s, ASSET_PATH, warm, ACCEPT);

    const results = new Map<string, Measurement[]>(servers.map((s) => [s.name, []]));
    const ratios = new Map<string, number[]>(servers.slice(1).map((s) => [s.name, []]));
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 === 1 ? servers : [...servers].reverse();
      const r = new Map<string, Measurement>();
      for (const s of order) r.set(s.name, await measure(s, ASSET_PATH, settings, ACCEPT));
      for (const s of servers) results.get(s.name)!.push(r.get(s.name)!);
      for (const s of servers.slice(1)) ratios.get(s.name)!.push(r.get('monolite')!.rps / r.get(s.name)!.rps);
      console.log(`  round ${round}  ` + servers.map((s) => `${s.name} ${fmtInt(r.get(s.name)!.rps)} req/s (p99 ${fmtMs(r.get(s.name)!.p99)}, CPU ${fmtUs(r.get(s.name)!.cpuUs)}/req)`).join('  '));
    }
    console.log('');
    console.log('medians over the rounds:');
    for (const s of servers) {
      const m = results.get(s.name)!;
      console.log(`  ${s.name.padEnd(17)} ${fmtInt(median(m.map((x) => x.rps))).padStart(8)} req/s  p99 ${fmtMs(median(m.map((x) => x.p99)))}  CPU ${fmtUs(median(m.map((x) => x.cpuUs)))}/req`);
    }
    const stream = median(ratios.get('node:http stream')!);
    const memory = median(ratios.get('node:http memory')!);
    console.log(`GET ${ASSET_PATH} (br): monolite ${stream.toFixed(2)}× node:http streaming the file (target ≥ ${TARGET}×)${stream >= TARGET ? '' : '  BELOW TARGET'}; ${memory.toFixed(2)}× node:http sending it from memory`);
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench static: ${(err as Error).message}\n`);
  process.exit(1);
});
