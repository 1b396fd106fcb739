// The asset pipeline: minifies HTML, CSS and JavaScript, names every other asset by content hash
// (`<stem>.<10 hex of sha256>.<ext>`, HTML and .d.ts excepted), rewrites the references to them, writes manifest.json
// and gzip and brotli variants of the text files, and reports the sizes. Stable files also keep their plain name.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { minifyCss } from '../../src/lib/minify-css.ts';
import { minifyHtml } from '../../src/lib/minify-html.ts';
import { minifyJs } from '../../src/lib/minify-js.ts';
import { compress } from './compress.ts';
import { isTextFile } from '../../src/lib/mime.ts';
import { findReferences, replaceReferences, type Reference, type TextKind } from './references.ts';
import { hashedName, renamedUrl, resolveReference, type ResolvedReference } from './resolve.ts';
import { formatSizeTable, totalSizes, type AssetSizes, type SizeTotals } from './size-table.ts';

/** Files that keep a copy under their plain name too, because other sites link to them (the SDK's public URL). */
export const DEFAULT_STABLE = ['sdk/monolite.js', 'favicon.ico', 'robots.txt'];
const MANIFEST = 'manifest.json';
const HASH_LENGTH = 10;

export interface BuildOptions {
  /** The source tree (public/) and the output directory, emptied first (build/public/). */
  input: string;
  output: string;
  /** Tree paths that also keep their plain name; DEFAULT_STABLE when absent. */
  stable?: string[];
  /** Receives the report lines (the size table); silent when absent. */
  log?: (line: string) => void;
}

export interface BuiltFile extends AssetSizes {
  /** The file's path in the output tree (hashed or not). */
  output: string;
  /** It has a copy under its plain name as well. */
  stable: boolean;
}

export interface BuildResult {
  files: BuiltFile[];
  totals: SizeTotals;
  /** Tree path → hashed tree path, as written to manifest.json. */
  manifest: Record<string, string>;
}

interface Asset {
  path: string;
  bytes: Buffer;
  kind: TextKind | null;
  /** The minified text, for HTML, CSS and JavaScript. */
  text: string | null;
  /** References to other hashed files of the tree. */
  links: { ref: Reference; resolved: ResolvedReference }[];
  hashed: boolean;
  /** Set once its content (with rewritten references) is final. */
  content: Buffer | null;
  hash: string;
}

/** Builds `input` into `output`; see the file comment. Throws on a syntax error (file, line, column) or a cycle. */
export async function buildAssets(options: BuildOptions): Promise<BuildResult> {
  const input = resolve(options.input);
  const output = resolve(options.output);
  checkDirectories(input, output);
  const stable = new Set(options.stable ?? DEFAULT_STABLE);
  const log = options.log ?? (() => {});

  const assets = new Map<string, Asset>();
  for (const path of listTree(input, log)) assets.set(path, readAsset(input, path));
  if (assets.has(MANIFEST)) throw new Error(`The input has a "${MANIFEST}" at its root, where the pipeline writes its manifest; rename it`);
  for (const asset of assets.values()) {
    if (asset.text === null || asset.kind === null) continue;
    for (const ref of findReferences(asset.kind, asset.text)) {
      const resolved = resolveReference(asset.path, ref);
      if (resolved !== null && resolved.target !== asset.path && assets.get(resolved.target)?.hashed) asset.links.push({ ref, resolved });
    }
  }

  // Content hashes cover the rewritten references, so a file is named after the files it refers to.
  for (const asset of dependencyOrder(assets)) {
    const text = asset.text === null ? null : replaceReferences(asset.text, asset.links.map(({ ref, resolved }) => (
      { start: ref.start, end: ref.end, url: renamedUrl(ref, resolved, assets.get(resolved.target)!.hash) })));
    asset.content = text === null ? asset.bytes : Buffer.from(text);
    asset.hash = createHash('sha256').update(asset.content).digest('hex').slice(0, HASH_LENGTH);
  }

  await rm(output, { recursive: true, force: true });
  const manifest: Record<string, string> = {};
  const files = await Promise.all([...assets.values()].map(async (asset): Promise<BuiltFile> => {
    const out = asset.hashed ? hashedName(asset.path, asset.hash) : asset.path;
    const names = asset.hashed && stable.has(asset.path) ? [out, asset.path] : [out];
    if (asset.hashed) manifest[asset.path] = out;
    const content = asset.content!;
    // Text the static server serves as such; images and fonts are compressed already.
    const variants = isTextFile(asset.path) ? await compress(content) : { gzip: null, brotli: null };
    for (const name of names) {
      const file = join(output, ...name.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
      if (variants.gzip !== null) await writeFile(`${file}.gz`, variants.gzip);
      if (variants.brotli !== null) await writeFile(`${file}.br`, variants.brotli);
    }
    return {
      path: asset.path, output: out, stable: names.length > 1, original: asset.bytes.length, minified: content.length,
      gzip: variants.gzip?.length ?? null, brotli: variants.brotli?.length ?? null,
    };
  }));
  const sortedManifest = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => (a < b ? -1 : 1)));
  await mkdir(output, { recursive: true });
  await writeFile(join(output, MANIFEST), JSON.stringify(sortedManifest, null, 2) + '\n');

  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  const totals = totalSizes(files);
  log(`assets: ${shortPath(input)} → ${shortPath(output)}`);
  for (const line of formatSizeTable(files, totals)) log(line);
  return { files, totals, manifest: sortedManifest };
}

/** `path` relative to the working directory when inside it, else absolute. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** Refuses directory pairs where emptying the output could delete sources or something that is not a build. */
function checkDirectories(input: string, output: string): void {
  if (!existsSync(input) || !statSync(input).isDirectory()) throw new Error(`Input directory "${input}" does not exist`);
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + sep);
  if (inside(input, output)) throw new Error(`Output directory "${output}" contains the input "${input}"; pick another output`);
  if (inside(output, input)) throw new Error(`Output directory "${output}" is inside the input "${input}"; pick one outside it`);
  if (existsSync(output) && readdirSync(output).length > 0 && !existsSync(join(output, MANIFEST))) {
    throw new Error(`Output directory "${output}" is not empty and holds no ${MANIFEST} from an earlier build; empty it or pick another`);
  }
}

/** Tree paths (with `/`) of the files under `root`, sorted; hidden files are left out (not .well-known/). */
function listTree(root: string, log: (line: string) => void): string[] {
  const paths: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') && entry.name !== '.well-known') continue;
      const path = prefix + entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), `${path}/`);
      else if (entry.isFile()) paths.push(path);
    }
  };
  walk(root, '');
  const all = new Set(paths);
  return paths.sort().filter((path) => {
    // Variants precompressed by hand would be stale next to the minified file: they are made again.
    const stale = /\.(gz|br)$/.test(path) && all.has(path.slice(0, -3));
    if (stale) log(`assets: skipping ${path} (its variants are made from ${path.slice(0, -3)})`);
    return !stale;
  });
}

function kindOf(path: string): TextKind | null {
  if (/\.html?$/i.test(path)) return 'html';
  if (/\.css$/i.test(path)) return 'css';
  if (/\.m?js$/i.test(path)) return 'js';
  return null;
}

function readAsset(root: string, path: string): Asset {
  const bytes = readFileSync(join(root, ...path.split('/')));
  const kind = kindOf(path);
  let text: string | null = null;
  if (kind !== null) {
    const source = bytes.toString('utf8');
    try {
      text = kind === 'html' ? minifyHtml(source) : kind === 'css' ? minifyCss(source) : minifyJs(source);
    } catch (err) {
      if (err instanceof SyntaxError) throw new SyntaxError(`${path}: ${err.message}`, { cause: err });
      throw err;
    }
  }
  const hashed = kind !== 'html' && !/\.d\.[mc]?ts$/i.test(path);
  return { path, bytes, kind, text, links: [], hashed, content: null, hash: '' };
}

/** Hashed files after everything they refer to, then the others; a reference cycle is an error naming its files. */
function dependencyOrder(assets: Map<string, Asset>): Asset[] {
  const order: Asset[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (asset: Asset, trail: string[]) => {
    if (state.get(asset.path) === 'done') return;
    if (state.get(asset.path) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(asset.path)), asset.path].join(' → ');
      throw new Error(`Reference cycle between content-hashed files: ${cycle}; each name would depend on the other's, so break the cycle`);
    }
    state.set(asset.path, 'visiting');
    for (const link of asset.links) visit(assets.get(link.resolved.target)!, [...trail, asset.path]);
    state.set(asset.path, 'done');
    order.push(asset);
  };
  for (const asset of assets.values()) if (asset.hashed) visit(asset, []);
  for (const asset of assets.values()) if (!asset.hashed) visit(asset, []);
  return order;
}
