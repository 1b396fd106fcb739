// The asset both static bench servers serve: 10 KB of JavaScript with its brotli form beside it, under a hashed name
// (as the asset pipeline writes it), in a temp folder removed at exit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

export const ASSET_PATH = '/assets/app.3f9a0c12be.js';
export const ASSET_BYTES = 10 * 1024;

/** Writes the asset (the same bytes in every process) and returns the folder and the two files. */
export function writeAsset(): { dir: string; file: string; brFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-static-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  // Code-like text with enough variety that brotli keeps a few KB: names from a fixed pseudo-random sequence.
  let seed = 42;
  const word = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 'v' + seed.toString(36);
  };
  let js = '';
  while (js.length < ASSET_BYTES) js += `export function ${word()}(${word()}, ${word()}) { return ${word()} + ${word()} * ${seed % 97}; }\n`;
  js = js.slice(0, ASSET_BYTES - 1) + '\n';
  mkdirSync(join(dir, 'assets'));
  const file = join(dir, ASSET_PATH.slice(1));
  writeFileSync(file, js);
  writeFileSync(file + '.br', brotliCompressSync(js, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  return { dir, file, brFile: file + '.br' };
}
