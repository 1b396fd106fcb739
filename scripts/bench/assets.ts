// Asset benchmark: the asset pipeline's bytes for public/ (before, minified, gzip, brotli), and monolite's JavaScript
// minifier next to terser (the peer) doing the same job — whitespace and comments only (compress and mangle off, as
// monolite renames nothing) — on the same files (public/ and nodemailer's sources): output bytes and MB/s in alternating rounds, as ratios.
import { mkdtempSync, readFileSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePeer } from './peers.ts';
import { alternateRounds, median } from './rounds.ts';
import { buildAssets } from '../build-assets.ts';
import { minifyJs } from '../../src/lib/minify-js.ts';

/** The part of terser's API used here (only scripts/bench installs it). */
interface Terser {
  minify(code: string, options: Record<string, unknown>): Promise<{ code?: string }>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
const ROUND_MS = 800;
const TERSER_OPTIONS = { compress: false, mangle: false, module: true, format: { comments: /^!|@license|@preserve/ } };

function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsFiles(path));
    else if (name.endsWith('.js')) out.push(path);
  }
  return out;
}

/** MB/s of `minify` over `sources`, run repeatedly for about ROUND_MS. */
async function throughput(sources: string[], minify: (s: string) => string | Promise<string>): Promise<number> {
  const bytes = sources.reduce((n, s) => n + Buffer.byteLength(s), 0);
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < ROUND_MS) {
    for (const s of sources) await minify(s);
    done += bytes;
  }
  return done / 1e6 / ((performance.now() - start) / 1000);
}

export async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'monolite-bench-assets-'));
  try {
    const { totals } = await buildAssets({ input: join(ROOT, 'public'), output: join(out, 'public') });
    const pct = (n: number) => `${((n / totals.original) * 100).toFixed(1)} %`;
    console.log(`asset pipeline on public/ (${totals.files} files): ${totals.original.toLocaleString('en')} B → minified ${totals.minified.toLocaleString('en')} B (${pct(totals.minified)})` +
      ` → gzip ${totals.gzip.toLocaleString('en')} B (${pct(totals.gzip)}) → brotli ${totals.brotli.toLocaleString('en')} B (${pct(totals.brotli)})`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const terser = requirePeer<Terser>('terser');
  // The pages and the SDK, plus a larger body of hand-written (unminified) library code: nodemailer's sources.
  const files = [...jsFiles(join(ROOT, 'public')), ...jsFiles(join(ROOT, 'scripts/bench/node_modules/nodemailer/lib'))];
  const sources = files.map((f) => readFileSync(f, 'utf8'));
  const inBytes = sources.reduce((n, s) => n + Buffer.byteLength(s), 0);
  let ours = 0;
  let theirs = 0;
  for (const s of sources) {
    ours += Buffer.byteLength(minifyJs(s));
    theirs += Buffer.byteLength((await terser.minify(s, TERSER_OPTIONS)).code ?? '');
  }
  console.log(`JavaScript minification, ${files.length} files, ${inBytes.toLocaleString('en')} B: monolite ${ours.toLocaleString('en')} B, terser (no compress, no mangle) ${theirs.toLocaleString('en')} B → size ratio ${(ours / theirs).toFixed(3)} (lower is smaller)`);

  const terserMinify = async (s: string) => (await terser.minify(s, TERSER_OPTIONS)).code ?? '';
  await throughput(sources, minifyJs); // warm-up for both, unmeasured
  await throughput(sources, terserMinify);
  const runs = await alternateRounds(ROUNDS, () => throughput(sources, minifyJs), () => throughput(sources, terserMinify),
    (round, a, b) => console.log(`  round ${round}/${ROUNDS}  monolite ${a.toFixed(1)} MB/s  terser ${b.toFixed(1)} MB/s`));
  const ratios = runs.ours.map((a, i) => a / runs.theirs[i]);
  console.log(`minify speed: monolite ${median(runs.ours).toFixed(1)} MB/s, terser ${median(runs.theirs).toFixed(1)} MB/s → ${median(ratios).toFixed(2)}× (median of per-round ratios)`);
}

if (import.meta.main) await main();
