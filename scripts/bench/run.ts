// `npm run bench [-- name…]`: installs the bench peers once, then runs each scripts/bench/<name>.ts in its own process.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { ensurePeers } from './peers.ts';
import { join } from 'node:path';
import { styleText } from 'node:util';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
// Modules in this folder that are not benchmarks.
const NOT_BENCHES = new Set(['run', 'load', 'peers', 'rounds', 'http-harness']);

/** Runs the benches named in `argv` (all of them when none is named); exits 1 when any failed. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  // A bench is a <name>.ts here, or a folder <name>/ whose entry is main.ts (scripts/bench/load/).
  const entries = new Map<string, string>();
  for (const entry of readdirSync(HERE, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !NOT_BENCHES.has(entry.name.slice(0, -3))) {
      entries.set(entry.name.slice(0, -3), entry.name);
    } else if (entry.isDirectory() && existsSync(join(HERE, entry.name, 'main.ts'))) {
      entries.set(entry.name, join(entry.name, 'main.ts'));
    }
  }
  const available = [...entries.keys()].sort();
  const unknown = argv.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new Error(`No bench named ${unknown.map((n) => `"${n}"`).join(', ')}; available: ${available.join(', ')}`);
  }
  const selected = argv.length > 0 ? available.filter((name) => argv.includes(name)) : available;

  ensurePeers();

  const failed: string[] = [];
  for (const name of selected) {
    console.log('');
    console.log(styleText('bold', `== ${name} (scripts/bench/${entries.get(name)}) ==`));
    const started = performance.now();
    const code = await run(process.execPath, [join(HERE, entries.get(name)!)]);
    const took = ((performance.now() - started) / 1000).toFixed(1);
    if (code === 0) console.log(styleText('dim', `${name}: done in ${took} s`));
    else {
      console.log(styleText('red', `${name}: failed (exit ${code}) after ${took} s`));
      failed.push(name);
    }
  }
  if (failed.length > 0) throw new Error(`Failed: ${failed.join(', ')}`);
}

/** Runs a command with the terminal attached; resolves with its exit code (1 when it died by a signal). */
function run(file: string, args: string[], options: { shell?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', shell: options.shell });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
