#!/usr/bin/env node
// Runs `node <args>` under Node >= 24. When the Node running this script is older (machines that ship Node 20),
// it takes Node 24 from the npm registry's `node` package through npx (cached by npm after the first use) and
// remembers the binary's path, so later runs start it directly. Plain JavaScript: it must run on old Node too.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_MAJOR = 24;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheFile = join(root, 'node_modules', '.cache', 'monolite', `node${MIN_MAJOR}-path`);

/** The path of a Node binary >= MIN_MAJOR: this one, $MONOLITE_NODE, the remembered one, or a fresh npx fetch. */
export function resolveNode() {
  if (Number(process.versions.node.split('.')[0]) >= MIN_MAJOR) return process.execPath;
  const fromEnv = process.env.MONOLITE_NODE;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  try {
    const remembered = readFileSync(cacheFile, 'utf8').trim();
    if (remembered && existsSync(remembered)) return remembered;
  } catch { /* not remembered yet */ }
  process.stderr.write(`monolite: Node ${process.versions.node} is older than ${MIN_MAJOR}; using node@${MIN_MAJOR} from the npm registry\n`);
  let found;
  try {
    found = execFileSync('npx', ['--yes', `node@${MIN_MAJOR}`, '-p', 'process.execPath'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      shell: process.platform === 'win32',
    }).trim();
  } catch (err) {
    process.stderr.write(`monolite: could not get node@${MIN_MAJOR} with npx (${err.message}); install Node >= ${MIN_MAJOR}\n`);
    process.exit(1);
  }
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, found + '\n');
  } catch { /* read-only checkout: fetch again next time */ }
  return found;
}

/**
 * The environment of the Node child: Node's module compile cache on (NODE_COMPILE_CACHE), in node_modules/.cache unless
 * the caller chose a folder. The cache keeps each file's type-stripped text and V8 code by content hash, so an edited
 * file is stripped again and the others are not: a start then skips loading the TypeScript stripper altogether
 * (`src/main.ts --version`: ~1.3 s and 110 MB peak RSS without, ~0.2 s and 80 MB with, on this project's machines).
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
export function nodeEnv(env = process.env) {
  if (env.NODE_COMPILE_CACHE) return env;
  return { ...env, NODE_COMPILE_CACHE: join(root, 'node_modules', '.cache', 'monolite', 'compile-cache') };
}

/** Runs the resolved Node with `args`, forwarding signals, and exits with the child's status. */
export function runNode(args) {
  const child = spawn(resolveNode(), args, { stdio: 'inherit', env: nodeEnv() });
  // A terminal's Ctrl-C reaches the whole process group, the child included; forwarding matters when only this
  // process is signalled (npm, a process manager). The server treats a repeated signal as the same request.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { if (child.exitCode === null) child.kill(sig); });
  }
  child.on('error', (err) => {
    process.stderr.write(`monolite: cannot start Node: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runNode(process.argv.slice(2));
