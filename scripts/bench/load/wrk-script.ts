// Runs wrk with shop.lua (authenticated reads with a 1-row POST every N requests) against a bench server and reads
// back what the harness's measure() cannot give: POST bodies, a request mix, p99.9, and the server's RSS after.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuTicks, TICK_US, type RunningServer, type Settings } from '../http-harness.ts';
import { rssOf } from './serve.ts';

const SCRIPT = fileURLToPath(new URL('shop.lua', import.meta.url));
// wrk's default of 2 s counts the tail of 256 connections on a busy 2-core machine as errors; 10 s is a real failure.

export interface ShopLoad {
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  /** Server CPU time per response, µs. */
  cpuUs: number;
  /** The server's resident set size right after the run, and its peak so far (bytes). */
  rss: number;
  peakRss: number;
}

/**
 * One wrk run of `seconds` at `connections` where every `writeEvery`-th request is a 1-row POST and the rest are
 * GETs of `readPath`, all with the server's bench token. Fails on socket errors and non-2xx answers.
 */
export async function runShopLoad(server: RunningServer, settings: Settings, options: { readPath: string; writeEvery: number; connections: number; seconds?: number }): Promise<ShopLoad> {
  if (settings.wrk === null) throw new Error('This scenario needs wrk (apt-get install wrk)');
  const seconds = Math.max(1, Math.round(options.seconds ?? settings.seconds));
  const url = `http://127.0.0.1:${server.port}/`;
  const before = cpuTicks(server.child.pid);
  const out = await new Promise<string>((resolve, reject) => {
    execFile(settings.wrk!, ['-t1', `-c${options.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', SCRIPT, url, '--', server.token ?? '', String(options.writeEvery), options.readPath],
      { timeout: (seconds + 30) * 1000, encoding: 'utf8', maxBuffer: 1 << 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`wrk failed: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const after = cpuTicks(server.child.pid);
  const line = out.split('\n').find((l) => l.startsWith('SHOP_RESULT '));
  if (line === undefined) throw new Error(`Cannot read wrk's output for ${server.name}:\n${out}`);
  const r = JSON.parse(line.slice('SHOP_RESULT '.length)) as Record<string, number>;
  const errors = r.connect + r.read + r.write + r.timeout;
  if (errors > 0) throw new Error(`${server.name}: wrk reports socket errors (connect ${r.connect}, read ${r.read}, write ${r.write}, timeout ${r.timeout})`);
  if (r.status > 0) throw new Error(`${server.name}: ${r.status} answers were not 2xx/3xx`);
  if (r.requests === 0) throw new Error(`${server.name}: no responses at all`);
  const { rss, peak } = rssOf(server.child.pid);
  return {
    rps: r.requests / (r.duration_us / 1e6),
    p50: r.p50_us / 1000,
    p99: r.p99_us / 1000,
    p999: r.p999_us / 1000,
    cpuUs: ((after - before) * TICK_US) / r.requests,
    rss,
    peakRss: peak,
  };
}
