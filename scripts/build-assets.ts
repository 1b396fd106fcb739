// `npm run build:assets`: builds public/ into build/public/ (minified, content-hashed, precompressed; see
// scripts/assets/build.ts) and prints the size table. Flags: --in DIR, --out DIR, --stable PATH (repeatable).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildAssets, DEFAULT_STABLE } from './assets/build.ts';

export { buildAssets, DEFAULT_STABLE, type BuildOptions, type BuildResult, type BuiltFile } from './assets/build.ts';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        in: { type: 'string' },
        out: { type: 'string' },
        stable: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`build-assets: ${(err as Error).message}`);
    return 2;
  }
  if (values.help) {
    console.log([
      'Usage: npm run build:assets -- [--in DIR] [--out DIR] [--stable PATH]...',
      '  --in DIR       source tree (default public/)',
      '  --out DIR      output directory, emptied first (default build/public/)',
      `  --stable PATH  also keep PATH under its plain name (default ${DEFAULT_STABLE.join(', ')})`,
    ].join('\n'));
    return 0;
  }
  try {
    await buildAssets({
      input: values.in ?? join(ROOT, 'public'),
      output: values.out ?? join(ROOT, 'build', 'public'),
      stable: values.stable,
      log: (line) => console.log(line),
    });
    return 0;
  } catch (err) {
    console.error(`build-assets: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main(process.argv.slice(2));
