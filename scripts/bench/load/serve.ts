// The load bench's servers as real processes: `monolite serve` on a data directory configured the way an operator
// would (`monolite config import`, `monolite users create`), and the Fastify peer, each with its own copy of the shop.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jwtKey, signJwt } from '../../../src/lib/jwt.ts';
import { stringify } from '../../../src/lib/toml.ts';
import { startServer, type RunningServer, type Settings } from '../http-harness.ts';
import { createShop } from '../servers/shop-data.ts';
import { BENCH_JWT_SECRET, BENCH_LOGIN } from '../servers/fastify.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'main.ts');
const FASTIFY = fileURLToPath(new URL('../servers/fastify.ts', import.meta.url));

/** A temporary folder holding a monolite data directory and a shop database, removed by `remove()`. */
export interface Workspace {
  dir: string;
  dataDir: string;
  shopFile: string;
  remove(): void;
}

/**
 * A data directory with the shop served as REST database "shop", external HS256 tokens signed with the bench secret
 * accepted, and one verified account with a password (for the login scenario). Everything else is the default.
 */
export function prepareMonolite(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-load-'));
  const dataDir = join(dir, 'data');
  const shopFile = join(dir, 'shop.db');
  createShop(shopFile);
  const config = {
    // `config import` replaces the whole document, so the generated secret is replaced too.
    auth: { secret: randomBytes(24).toString('base64url'), external_secrets: BENCH_JWT_SECRET },
    rest: { databases: { shop: { uri: `sqlite://${shopFile}` } } },
  };
  writeFileSync(join(dir, 'monolite.toml'), stringify(config));
  cli(dataDir, ['config', 'import', join(dir, 'monolite.toml')]);
  cli(dataDir, ['users', 'create', BENCH_LOGIN.identity, '--password-stdin', '--verified'], BENCH_LOGIN.password);
  return { dir, dataDir, shopFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A folder with the Fastify peer's shop. */
export function preparePeer(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-load-peer-'));
  const shopFile = join(dir, 'shop.db');
  createShop(shopFile);
  return { dir, dataDir: dir, shopFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function cli(dataDir: string, args: string[], input?: string): void {
  const run = spawnSync(process.execPath, [MAIN, ...args, '--data-dir', dataDir], { cwd: ROOT, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (run.status !== 0) throw new Error(`monolite ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`);
}

/** The token both servers accept: HS256 with the bench secret, scopes read and write, valid for an hour. */
export function benchToken(): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ sub: 'bench', scope: 'read write', iat: now, exp: now + 3600 }, jwtKey(BENCH_JWT_SECRET));
}

/** Spawns `node src/main.ts serve --port 0` on `dataDir` and resolves once it says where it serves. */
export function startMonolite(dataDir: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    let settled = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`monolite serve did not start: ${why}\n${err}`));
    };
    const timer = setTimeout(() => fail('no "monolite is serving" line within 20 s'), 20_000);
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? code})`));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (settled) return; // later output is drained, not read
      err += chunk;
      const match = /monolite is serving https?:\/\/[^:]+:(\d+)/.exec(err);
      if (match === null) return;
      settled = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ name: 'monolite', port: Number(match[1]), child, info: {}, token: benchToken() });
    });
  });
}

/** Starts the Fastify + better-sqlite3 peer on `shopFile`. */
export function startFastify(shopFile: string, settings: Settings): Promise<RunningServer> {
  return startServer({ name: 'fastify', file: FASTIFY, args: [shopFile] }, settings);
}

/**
 * The resident set size of a process in bytes (peak too), and its two parts: anonymous memory (the process's own: V8's
 * heap, malloc) and file-backed pages (mostly the `node` binary's code and read-only data, shared with every process
 * running it and dropped first under memory pressure); from /proc, NaN off Linux.
 */
export function rssOf(pid: number | undefined): { rss: number; peak: number; anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { rss: NaN, peak: NaN, anon: NaN, file: NaN };
  }
}
