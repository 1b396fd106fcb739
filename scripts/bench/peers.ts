// The benchmark peers (scripts/bench/package.json): installed into scripts/bench/node_modules on first use, loaded
// only here. src/ and test/ never import them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));

/** Peers named in package.json that are not installed (one added since the last install counts). */
function missingPeers(): string[] {
  const manifest = JSON.parse(readFileSync(join(benchDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {}).filter((name) => !existsSync(join(benchDir, 'node_modules', name, 'package.json')));
}

/** Runs `npm install` in scripts/bench when a peer is missing; npm's chatter goes to stderr, stdout stays results. */
export function ensurePeers(): void {
  const missing = missingPeers();
  if (missing.length === 0) return;
  process.stderr.write(`bench: installing ${missing.join(', ')} with npm install --prefix scripts/bench\n`);
  execFileSync('npm', ['install', '--prefix', benchDir, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 2, 'inherit'],
    shell: process.platform === 'win32',
  });
}

/** Loads a peer (installing the peers first when needed), typed by the caller with the part of its API it uses. */
export function requirePeer<T>(name: string): T {
  ensurePeers();
  return createRequire(join(benchDir, 'package.json'))(name) as T;
}
