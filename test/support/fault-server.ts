// Test support for the fault suites (test/faults/): a temporary data directory configured the way an operator would
// (`monolite config import`), `monolite serve` children on it (several in turn, across a kill and a restart), a
// small shop database served as REST, and one cleanup that kills every child it started and removes every file.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { stringify } from '../../src/lib/toml.ts';
import { ROOT, servingUrl, start, type Running } from './process.ts';

/** The REST database of the fault suites: `items` takes the writes whose acknowledgement the tests check. */
const SHOP = `
CREATE TABLE items (id INTEGER PRIMARY KEY, client TEXT NOT NULL, seq INTEGER NOT NULL, note TEXT, UNIQUE (client, seq));
`;

export interface Served {
  run: Running;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
}

export interface FaultBed {
  /** The temporary folder holding everything (removed by cleanup). */
  dir: string;
  dataDir: string;
  /** shop.db, served as REST database "shop" (no scope check) when `shop` was asked for. */
  shopFile: string;
  /** Runs a `monolite` command on the data directory; throws with its output unless it exits 0. */
  cli(args: string[], input?: string): string;
  /** Saves `settings` (merged over the bed's base settings) as the new stored configuration version. */
  importConfig(settings: Record<string, unknown>): void;
  /** importConfig without blocking the event loop (the test's clients keep running meanwhile). */
  importConfigAsync(settings: Record<string, unknown>): Promise<void>;
  /**
   * Starts `monolite serve --port 0` (or `script` with the data directory as its first argument, a fixture built on
   * createApp + serveUntilSignal) and resolves once it serves.
   */
  serve(options?: { script?: string; port?: number; env?: Record<string, string> }): Promise<Served>;
  /** SIGKILLs every child still running and removes the folder; safe to call twice. */
  cleanup(): Promise<void>;
}

export interface FaultBedOptions {
  /** Create shop.db and serve it as REST database "shop" without scope checks. */
  shop?: boolean;
  /** The folder that holds the data directory (a tmpfs mount); default a new temporary folder. */
  parent?: string;
}

/** A data directory with a first configuration imported (`settings` over the base ones), ready to serve. */
export function faultBed(settings: Record<string, unknown>, options: FaultBedOptions = {}): FaultBed {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-fault-'));
  const dataDir = join(options.parent ?? dir, 'data');
  const shopFile = join(options.parent ?? dir, 'shop.db');
  if (options.shop) {
    const db = new DatabaseSync(shopFile);
    db.exec('PRAGMA journal_mode = WAL;' + SHOP);
    db.close();
  }
  const base: Record<string, any> = {
    auth: { secret: randomBytes(24).toString('base64url') },
    // Every client here comes from loopback: the IP blocker must not take the test's load for a flood (flood.test.ts
    // turns it on).
    block_ip: { enabled: false },
    log: { store: false },
    backup: { enabled: false },
  };
  if (options.shop) base.rest = { check_scope: false, databases: { shop: { uri: `sqlite://${shopFile}`, title: 'Shop' } } };
  const children: Running[] = [];
  const cli = (args: string[], input?: string): string => {
    const run = spawnSync(process.execPath, ['src/main.ts', ...args, '--data-dir', dataDir], { cwd: ROOT, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    if (run.status !== 0) throw new Error(`monolite ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`);
    return run.stdout;
  };
  const configFile = join(dir, 'monolite.toml');
  const importConfig = (more: Record<string, unknown>) => {
    writeFileSync(configFile, stringify(merge(structuredClone(base), more)));
    cli(['config', 'import', configFile]);
  };
  const importConfigAsync = (more: Record<string, unknown>) => new Promise<void>((resolve, reject) => {
    const file = join(dir, `monolite-${Date.now()}-${Math.random().toString(36).slice(2)}.toml`);
    writeFileSync(file, stringify(merge(structuredClone(base), more)));
    execFile(process.execPath, ['src/main.ts', 'config', 'import', file, '--data-dir', dataDir], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`monolite config import exited ${err.code}:\n${stdout}${stderr}`));
      else resolve();
    });
  });
  importConfig(settings);
  return {
    dir, dataDir, shopFile, cli, importConfig, importConfigAsync,
    async serve(opts = {}) {
      const args = opts.script === undefined
        ? ['src/main.ts', 'serve', '--port', String(opts.port ?? 0), '--data-dir', dataDir]
        : [opts.script, dataDir];
      const run = start(args, opts.env);
      children.push(run);
      const url = (await servingUrl(run)).replace('//localhost:', '//127.0.0.1:');
      return { run, url, port: Number(new URL(url).port) };
    },
    async cleanup() {
      await Promise.all(children.map(async (run) => {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
        await run.exited;
      }));
      children.length = 0;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `PRAGMA integrity_check` of the SQLite file `file` (opened read-write, so a WAL left by a killed server is read). */
export function integrityCheck(file: string): string {
  const db = new DatabaseSync(file);
  try {
    return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  } finally {
    db.close();
  }
}

function merge(into: Record<string, any>, from: Record<string, any>): Record<string, any> {
  for (const [key, value] of Object.entries(from)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof into[key] === 'object' && into[key] !== null) merge(into[key], value);
    else into[key] = value;
  }
  return into;
}
