// better-sqlite3 (plainjob's driver), made loadable and safe in the Node running the bench. Two problems, each met
// on this project's machines:
//
// 1. npm builds a native addon for the Node that runs npm. Where that is older than the bench's Node (Node 20 on the
//    PATH, the bench under Node 24 from scripts/node.mjs), the addon fails to load (NODE_MODULE_VERSION mismatch).
// 2. An addon compiled against recent Node 24 headers aborts the process at a garbage collection: their
//    node::ObjectWrap registers an environment cleanup hook per object and removes it in the destructor, which V8 may
//    run from a GC with no context entered — `Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook,
//    seen here in the first round (better-sqlite3's Database and Statement are ObjectWraps; the 24.0.0 header has
//    no such hook, the 24.21.0 one has).
//
// So when the addon does not load, or carries that ObjectWrap (its `ObjectWrap::CleanupHook` symbol), it is rebuilt
// once: a prebuilt binary when prebuild-install can download one (GitHub) and it is free of (2), else from source
// with node-gyp against the headers of this major's first release (<major>.0.0: same ABI, ObjectWrap without the
// hook), taken from the npm registry's node-<platform>-<arch> package — GitHub and nodejs.org may be unreachable.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePeers, requirePeer } from '../peers.ts';

/** The part of better-sqlite3's API the bench uses. */
export interface BetterStatement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
}
export interface BetterDatabase {
  name: string;
  prepare(sql: string): BetterStatement;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  exec(sql: string): void;
  close(): void;
}
export type BetterSqlite3 = new (file: string) => BetterDatabase;

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Defined in an addon compiled against a node_object_wrap.h whose destructor can abort at GC (see above). */
const HAZARDOUS_OBJECT_WRAP = '_ZN4node10ObjectWrap11CleanupHookEPv';

/** The better-sqlite3 constructor, its addon loadable by this Node and free of the GC abort (rebuilt when needed). */
export function loadBetterSqlite3(): BetterSqlite3 {
  ensurePeers();
  // Checked in a child process: an addon that failed to load stays unusable in the process that tried, even rebuilt.
  const problem = addonProblem();
  if (problem !== undefined) {
    process.stderr.write(`bench: better-sqlite3 ${problem}; building it for Node ${process.versions.node}\n`);
    if (!downloadPrebuilt()) compileFromSource();
    const still = addonProblem();
    if (still?.startsWith('does not load')) throw new Error(`bench: better-sqlite3 still ${still} after the rebuild`);
    if (still !== undefined) process.stderr.write(`bench: warning: better-sqlite3 ${still}; the bench may abort\n`);
  }
  return requirePeer<BetterSqlite3>('better-sqlite3');
}

function packageDir(name: string): string {
  return dirname(createRequire(join(benchDir, 'package.json')).resolve(`${name}/package.json`));
}

function addonFile(): string {
  return join(packageDir('better-sqlite3'), 'build', 'Release', 'better_sqlite3.node');
}

/** Undefined when the addon is fine, else what is wrong with it (for a message). */
function addonProblem(): string | undefined {
  const script = `new (require(${JSON.stringify(packageDir('better-sqlite3'))}))(':memory:').close()`;
  try {
    execFileSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    // The error's message, without the stack: "The module '…' was compiled against a different Node.js version using
    // NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 137.", "Could not locate the
    // bindings file. …".
    const lines = String((err as { stderr?: Buffer }).stderr ?? err).split('\n').map((line) => line.trim());
    const start = Math.max(0, lines.findIndex((line) => /^\w*Error\b/.test(line)));
    const end = lines.findIndex((line, i) => i > start && (line.startsWith('at ') || line === '' || line.startsWith('{')));
    const message = lines.slice(start, end === -1 ? undefined : end).join(' ').replace(/^\w*Error: /, '').replace(/ Please .*$/, '');
    return `does not load (${message})`;
  }
  if (readFileSync(addonFile()).includes(HAZARDOUS_OBJECT_WRAP)) {
    return 'was compiled against Node headers whose ObjectWrap aborts the process at a garbage collection';
  }
  return undefined;
}

/** A prebuilt addon for this Node from GitHub (prebuild-install); false when none could be had, or it has the hazard. */
function downloadPrebuilt(): boolean {
  const addonDir = packageDir('better-sqlite3');
  try {
    const prebuild = createRequire(join(addonDir, 'package.json')).resolve('prebuild-install/bin.js');
    execFileSync(process.execPath, ['--no-deprecation', prebuild, '--runtime', 'node', '--target', process.versions.node], { cwd: addonDir, stdio: ['ignore', 2, 2] });
  } catch {
    process.stderr.write('bench: no prebuilt better-sqlite3 could be downloaded\n');
    return false;
  }
  if (addonProblem() === undefined) {
    process.stderr.write('bench: downloaded a prebuilt better-sqlite3 for this Node\n');
    return true;
  }
  process.stderr.write('bench: the prebuilt better-sqlite3 is not usable\n');
  return false;
}

function compileFromSource(): void {
  const major = process.versions.node.split('.')[0];
  const nodedir = nodeHeaders(`${major}.0.0`);
  process.stderr.write(`bench: compiling better-sqlite3 against the headers of Node ${major}.0.0 (about a minute)\n`);
  execFileSync('npm', ['rebuild', 'better-sqlite3', '--no-audit', '--no-fund'], {
    cwd: benchDir,
    stdio: ['ignore', 2, 'inherit'],
    shell: process.platform === 'win32',
    env: {
      ...process.env,
      npm_config_build_from_source: 'true',
      npm_config_runtime: 'node',
      npm_config_target: `${major}.0.0`,
      npm_config_nodedir: nodedir,
    },
  });
}

/** The C++ headers (include/node) of Node `version`, from the npm registry's node-<platform>-<arch> package, cached. */
function nodeHeaders(version: string): string {
  const dir = join(benchDir, 'node_modules', '.cache', 'node-headers', version);
  if (existsSync(join(dir, 'package', 'include', 'node', 'node_version.h'))) return join(dir, 'package');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = `node-${process.platform}-${process.arch}@${version}`;
  process.stderr.write(`bench: fetching the headers of Node ${version} (npm package ${spec}, about 50 MB)\n`);
  execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`bench: npm pack ${spec} produced no tarball in ${dir}`);
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/include/node'], { stdio: ['ignore', 2, 'inherit'] });
  rmSync(join(dir, tarball));
  return join(dir, 'package');
}
