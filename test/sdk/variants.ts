// The two builds of the browser SDK every SDK suite runs against: the source module as browsers load it, and the same
// source passed through src/lib/minify-js.ts (what the asset pipeline serves), written to a temporary file and imported.
// The SDK suites are written once and run for each: a minifier that changes behaviour fails them.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as source from '../../public/sdk/monolite.js';

export type Sdk = typeof source;

export const SDK_FILE = fileURLToPath(new URL('../../public/sdk/monolite.js', import.meta.url));
const MINIFIER = new URL('../../src/lib/minify-js.ts', import.meta.url);

export interface SdkVariant {
  name: 'source' | 'minified';
  /** Why this variant cannot run here (the suite is then skipped); undefined when it can. */
  skip?: string;
  sdk: Sdk;
}

/** The minified SDK, imported from a temporary file; or the reason it cannot be built. */
async function minified(): Promise<Sdk | string> {
  if (!existsSync(fileURLToPath(MINIFIER))) return 'src/lib/minify-js.ts does not exist yet';
  // A computed specifier: the module may not exist when this file is type-checked.
  const { minifyJs } = await import(MINIFIER.href) as { minifyJs: (source: string) => string };
  const code = minifyJs(readFileSync(SDK_FILE, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'monolite-sdk-'));
  try {
    const file = join(dir, 'monolite.min.mjs');
    writeFileSync(file, code);
    return await import(pathToFileURL(file).href) as Sdk;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both variants; the minified one is skipped while the minifier is missing (and fails the run under CI=true). */
export async function sdkVariants(): Promise<SdkVariant[]> {
  const min = await minified();
  if (typeof min === 'string' && process.env.CI === 'true') assert.fail(`${min} (CI=true requires the minified SDK suite)`);
  return [
    { name: 'source', sdk: source },
    typeof min === 'string' ? { name: 'minified', skip: min, sdk: source } : { name: 'minified', sdk: min },
  ];
}

/** Declares `suite` once per variant, as `describe('<name> SDK')`. */
export async function forEachVariant(suite: (sdk: Sdk, variant: SdkVariant['name']) => void): Promise<void> {
  for (const variant of await sdkVariants()) {
    describe(`${variant.name} SDK`, { skip: variant.skip }, () => suite(variant.sdk, variant.name));
  }
}

/** A StorageLike in memory, with its items visible to the test. */
export function memoryStorage(initial: Record<string, string> = {}): { items: Map<string, string>; getItem(k: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void } {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => { items.set(k, v); },
    removeItem: (k) => { items.delete(k); },
  };
}
