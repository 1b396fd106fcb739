// Plain-text tables for command output: columns padded to their widest cell, two spaces apart, no trailing spaces.
import type { Writable } from 'node:stream';

/** Writes `rows` (the first is usually the header) as aligned columns. */
export function printTable(out: Writable, rows: string[][]): void {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  for (const row of rows) out.write(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd() + '\n');
}
