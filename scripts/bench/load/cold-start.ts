// Cold start: from spawning `monolite serve` to the first 200 on /api/health, and the resident memory once it idles.
// A bare node:http server (servers/raw.ts) started the same way shows what Node itself takes.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTicks, TICK_US } from '../http-harness.ts';
import { median } from '../rounds.ts';
import { rssOf } from './serve.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'main.ts');
const RAW = fileURLToPath(new URL('../servers/raw.ts', import.meta.url));
/** How long a fresh server is left idle before its RSS is read. */
const IDLE_MS = 1000;

export interface ColdStart {
  /** Spawn → first 200, ms: medians over the runs (the first start, which creates the data directory, apart). */
  firstStartMs: number;
  startMs: number;
  rawStartMs: number;
  /** CPU time the process used up to its first answer, ms (median): steadier than the wall time on a busy machine. */
  startCpuMs: number;
  rawStartCpuMs: number;
  /** RSS after IDLE_MS idle, bytes (medians), and the anonymous and file-backed parts of it (see rssOf). */
  idleRss: number;
  rawIdleRss: number;
  idleAnon: number;
  rawIdleAnon: number;
  idleFile: number;
  rawIdleFile: number;
}

/** `runs` starts of each server on one data directory (created by the first start, timed on its own). */
export async function measureColdStart(runs: number): Promise<ColdStart> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-cold-'));
  try {
    const dataDir = join(dir, 'data');
    const args = [MAIN, 'serve', '--port', '0', '--data-dir', dataDir];
    const first = await startOnce(args, 'stderr');
    const ours: Start[] = [];
    const raw: Start[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(await startOnce(args, 'stderr'));
      raw.push(await startOnce([RAW], 'stdout'));
    }
    return {
      firstStartMs: first.ms,
      startMs: median(ours.map((r) => r.ms)),
      rawStartMs: median(raw.map((r) => r.ms)),
      startCpuMs: median(ours.map((r) => r.cpuMs)),
      rawStartCpuMs: median(raw.map((r) => r.cpuMs)),
      idleRss: median(ours.map((r) => r.rss)),
      rawIdleRss: median(raw.map((r) => r.rss)),
      idleAnon: median(ours.map((r) => r.anon)),
      rawIdleAnon: median(raw.map((r) => r.anon)),
      idleFile: median(ours.map((r) => r.file)),
      rawIdleFile: median(raw.map((r) => r.file)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Spawns `node args…`, reads its port from the first line naming one (monolite's "serving" log line on stderr, the
 * peer's {"port":N} on stdout), GETs /api/health until a 200, then lets it idle, reads its RSS and stops it.
 */
interface Start { ms: number; cpuMs: number; rss: number; anon: number; file: number }

async function startOnce(args: string[], portFrom: 'stdout' | 'stderr'): Promise<Start> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: no port within 20 s\n${text}`)), 20_000);
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before serving\n${text}`)));
      child.stdout!.resume();
      child.stderr!.resume();
      child[portFrom]!.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        const match = /monolite is serving https?:\/\/[^:]+:(\d+)|"port":(\d+)/.exec(text);
        if (match !== null) {
          clearTimeout(timer);
          resolve(Number(match[1] ?? match[2]));
        }
      });
    });
    for (;;) {
      if ((await healthStatus(port)) === 200) break;
      if (performance.now() - started > 20_000) throw new Error(`${args.join(' ')}: no 200 on /api/health within 20 s`);
    }
    const ms = performance.now() - started;
    const cpuMs = (cpuTicks(child.pid) * TICK_US) / 1000;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const { rss, anon, file } = rssOf(child.pid);
    return { ms, cpuMs, rss, anon, file };
  } finally {
    child.removeAllListeners('exit');
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

/** The status of one GET /api/health on a fresh connection (0 when it fails); node:http, which is loaded already. */
function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/api/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}
