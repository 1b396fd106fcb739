// The asset pipeline's report: one row per file with its size before and after minification and compressed, then
// the totals, as a plain-text table with right-aligned numbers.

export interface AssetSizes {
  /** The file's path in the input tree. */
  path: string;
  original: number;
  minified: number;
  /** Size of the .gz / .br variant; null when none was written (not text, or not smaller). */
  gzip: number | null;
  brotli: number | null;
}

export interface SizeTotals {
  files: number;
  original: number;
  minified: number;
  /** What a client that accepts the encoding downloads: each file's variant, or the file when it has none. */
  gzip: number;
  brotli: number;
}

/** Sums the sizes; a file without a variant counts with its (minified) size in the gzip and brotli totals. */
export function totalSizes(files: AssetSizes[]): SizeTotals {
  const totals: SizeTotals = { files: files.length, original: 0, minified: 0, gzip: 0, brotli: 0 };
  for (const f of files) {
    totals.original += f.original;
    totals.minified += f.minified;
    totals.gzip += f.gzip ?? f.minified;
    totals.brotli += f.brotli ?? f.minified;
  }
  return totals;
}

const bytes = (n: number) => n.toLocaleString('en-US');
const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)} %`);

/** The table as lines: header, one row per file (in the order given), a rule, the totals and their ratios. */
export function formatSizeTable(files: AssetSizes[], totals: SizeTotals): string[] {
  const header = ['file', 'original', 'minified', 'gzip', 'brotli'];
  const rows = files.map((f) => [
    f.path, bytes(f.original), bytes(f.minified), f.gzip === null ? '-' : bytes(f.gzip), f.brotli === null ? '-' : bytes(f.brotli),
  ]);
  const total = [`total (${totals.files} files)`, bytes(totals.original), bytes(totals.minified), bytes(totals.gzip), bytes(totals.brotli)];
  const ratio = ['of original', '100.0 %', percent(totals.minified, totals.original), percent(totals.gzip, totals.original), percent(totals.brotli, totals.original)];
  const all = [header, ...rows, total, ratio];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line), rule, line(total), line(ratio)];
}
