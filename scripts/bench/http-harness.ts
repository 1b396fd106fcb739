// What the HTTP benchmarks share: settings from the environment, bench servers in their own processes (each prints
// {"port":N,…} on its first line), and measured runs of wrk or load.ts with the server's CPU time per response.
//   BENCH_SECONDS      length of each measured run (default 5)
//   BENCH_ROUNDS       rounds per scenario; medians are reported (default 3)
//   BENCH_CONNECTIONS  concurrent keep-alive connections (default 64)
//   BENCH_NO_WRK=1     use the Node load generator even when wrk is installed
//   BENCH_CPU_PROF=1   profile the servers with --cpu-prof
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const LOAD = join(HERE, 'load.ts');

/** A bench server: a script that listens on an ephemeral port and prints {"port":N,…} on its first stdout line. */
export interface ServerSpec {
  name: string;
  file: string;
  /** Arguments after the file. */
  args?: string[];
  env?: Record<string, string>;
}

export interface Settings {
  seconds: number;
  rounds: number;
  connections: number;
  wrk: string | null;
  profileDir: string | null;
}

export interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system, all threads) per response in µs; NaN where /proc is missing. */
  cpuUs: number;
}

export interface RunningServer {
  name: string;
  port: number;
  child: ChildProcess;
  /** What the server printed besides its port (a token, ids…). */
  info: Record<string, unknown>;
  /** monolite's servers: a session token of their bench user. */
  token?: string;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number, integer: boolean): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!(n > 0) || (integer && !Number.isInteger(n))) {
      throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}; got "${raw}"`);
    }
    return n;
  };
  const seconds = number('BENCH_SECONDS', 5, false);
  const rounds = number('BENCH_ROUNDS', 3, true);
  const connections = number('BENCH_CONNECTIONS', 64, true);
  const wrk = env.BENCH_NO_WRK === '1' ? null : findOnPath('wrk', env.PATH ?? '');
  const profileDir = env.BENCH_CPU_PROF === '1' ? mkdtempSync(join(tmpdir(), 'monolite-bench-prof-')) : null;
  return { seconds, rounds, connections, wrk, profileDir };
}

/** The full path of an executable named `name` on `path`, or null. */
function findOnPath(name: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch { /* not here */ }
  }
  return null;
}

/** Starts a bench server in its own process and waits for the port it prints. */
export function startServer(spec: ServerSpec, settings: Settings): Promise<RunningServer> {
  const name = spec.name;
  const args = settings.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`, `--cpu-prof-name=${name.replaceAll(' ', '-')}.cpuprofile`];
  // The IPC channel carries nothing; its closing tells the server that this process is gone.
  const child = spawn(process.execPath, [...args, spec.file, ...(spec.args ?? [])], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, ...spec.env } });
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`The ${name} bench server did not start: ${why}`));
    };
    const timer = setTimeout(() => fail('no port within 20 s'), 20_000);
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? code})`));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', function onData(chunk: string) {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // anything printed later is not ours to read, but must not block the child
      child.removeAllListeners('exit');
      clearTimeout(timer);
      try {
        const info = JSON.parse(out.slice(0, nl)) as Record<string, unknown>;
        const { port, token } = info as { port: number; token?: string };
        if (!Number.isInteger(port) || port <= 0) throw new Error(`bad port in "${out.slice(0, nl)}"`);
        resolve({ name, port, child, token, info });
      } catch (err) {
        fail(`expected {"port":N} on stdout; ${(err as Error).message}`);
      }
    });
  });
}

/** SIGTERM (the servers then exit normally, which lets --cpu-prof write), SIGKILL after 10 s. */
export function stopServer(server: RunningServer): Promise<void> {
  const child = server.child;
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

/** One run of the load generator against `server`; fails on socket errors and non-2xx answers. */
export async function measure(server: RunningServer, path: string, settings: Settings, headers: string[] = []): Promise<Measurement> {
  const url = `http://127.0.0.1:${server.port}${path}`;
  const timeout = (settings.seconds + 30) * 1000;
  const cpuBefore = cpuTicks(server.child.pid);
  let m: Omit<Measurement, 'cpuUs'> & { requests: number };
  if (settings.wrk !== null) {
    const seconds = Math.max(1, Math.round(settings.seconds));
    const out = await run(settings.wrk, ['-t1', `-c${settings.connections}`, `-d${seconds}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url], timeout);
    m = parseWrk(out, url);
  } else {
    const out = await run(process.execPath, [LOAD, '--url', url, '--connections', String(settings.connections), '--seconds', String(settings.seconds), ...headers.flatMap((h) => ['--header', h])], timeout);
    const r = JSON.parse(out) as LoadResult;
    if (r.errors > 0 || r.non2xx > 0) throw new Error(`${url}: ${r.errors} socket errors, ${r.non2xx} non-2xx responses`);
    if (r.requests === 0) throw new Error(`${url}: no responses at all`);
    m = { rps: r.rps, p50: r.latencyMs.p50, p99: r.latencyMs.p99, requests: r.requests };
  }
  const cpuAfter = cpuTicks(server.child.pid);
  return { rps: m.rps, p50: m.p50, p99: m.p99, cpuUs: ((cpuAfter - cpuBefore) * TICK_US) / m.requests };
}

// Linux's USER_HZ, which /proc reports CPU times in; 100 on every mainstream architecture.
export const TICK_US = 10_000;

/**
 * The CPU time a process has used so far, in ticks (NaN off Linux). Requests/s swing with whatever else the machine
 * runs; CPU time per request does much less, so the table shows both.
 */
export function cpuTicks(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the parenthesised command name (which may itself hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

function run(file: string, args: string[], timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}${stderr ? '\n' + stderr : ''}`));
      else resolve(stdout);
    });
  });
}

/** Requests/sec, the request count and the 50th/99th latency percentiles (in ms) from `wrk --latency` output. */
function parseWrk(out: string, url: string): Omit<Measurement, 'cpuUs'> & { requests: number } {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const requests = /^\s+(\d+) requests in /m.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)\b/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\b/m.exec(out);
  if (rps === null || requests === null || p50 === null || p99 === null) throw new Error(`Cannot read wrk's output for ${url}:\n${out}`);
  const errors = /^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m.exec(out);
  if (errors !== null && errors.slice(1).some((n) => n !== '0')) throw new Error(`${url}: wrk reports ${errors[0].trim()}`);
  const non2xx = /^\s+Non-2xx or 3xx responses:\s+(\d+)/m.exec(out);
  if (non2xx !== null) throw new Error(`${url}: wrk got ${non2xx[1]} non-2xx/3xx responses`);
  const ms = (m: RegExpExecArray) => Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  return { rps: Number(rps[1]), requests: Number(requests[1]), p50: ms(p50), p99: ms(p99) };
}


export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtMs(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

export function fmtUs(us: number): string {
  return Number.isNaN(us) ? 'n/a' : `${us.toFixed(1)} µs`;
}

