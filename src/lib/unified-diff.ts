// Line-based unified diffs (the `diff -u` format that `patch` applies), computed with Myers' O(ND) algorithm in
// its linear-space form, so two large configs with a few edits diff in milliseconds; plus ANSI colouring for terminals.
import { styleText } from 'node:util';

export interface UnifiedDiffOptions {
  /** Shown after `---` (default `a`). */
  oldLabel?: string;
  /** Shown after `+++` (default `b`). */
  newLabel?: string;
  /** Unchanged lines around each change (default 3). */
  context?: number;
}

const NO_NEWLINE = '\\ No newline at end of file';

/** A unified diff turning `oldText` into `newText`, or '' when they are identical. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions = {}): string {
  const context = options.context ?? 3;
  if (!Number.isInteger(context) || context < 0) throw new RangeError(`Invalid context ${JSON.stringify(context)}: expected an integer >= 0`);
  if (oldText === newText) return '';
  const oldLines = splitLines(oldText);
  const newLines = splitLines(newText);
  const { deleted, inserted } = diffLines(oldLines, newLines);

  // Walk both files in step; each change is a run of deletions followed by a run of insertions, as GNU prints them.
  interface Change { oldStart: number; oldEnd: number; newStart: number; newEnd: number }
  const changes: Change[] = [];
  for (let i = 0, j = 0; i < oldLines.length || j < newLines.length;) {
    if ((i < oldLines.length && deleted[i]) || (j < newLines.length && inserted[j])) {
      const change = { oldStart: i, oldEnd: i, newStart: j, newEnd: j };
      while (i < oldLines.length && deleted[i]) i++;
      while (j < newLines.length && inserted[j]) j++;
      change.oldEnd = i;
      change.newEnd = j;
      changes.push(change);
    } else {
      i++;
      j++;
    }
  }

  const out = [`--- ${options.oldLabel ?? 'a'}`, `+++ ${options.newLabel ?? 'b'}`];
  for (let first = 0; first < changes.length;) {
    // Changes whose unchanged gap is at most 2×context share a hunk, since their context would overlap or touch.
    let last = first;
    while (last + 1 < changes.length && changes[last + 1].oldStart - changes[last].oldEnd <= 2 * context) last++;
    const oldFrom = Math.max(0, changes[first].oldStart - context);
    const newFrom = changes[first].newStart - (changes[first].oldStart - oldFrom);
    const oldTo = Math.min(oldLines.length, changes[last].oldEnd + context);
    const newTo = changes[last].newEnd + (oldTo - changes[last].oldEnd);
    out.push(`@@ -${range(oldFrom, oldTo)} +${range(newFrom, newTo)} @@`);
    let i = oldFrom;
    let j = newFrom;
    for (let k = first; k <= last; k++) {
      const change = changes[k];
      for (; i < change.oldStart; i++, j++) pushLine(out, ' ', oldLines[i]);
      for (; i < change.oldEnd; i++) pushLine(out, '-', oldLines[i]);
      for (; j < change.newEnd; j++) pushLine(out, '+', newLines[j]);
    }
    for (; i < oldTo; i++, j++) pushLine(out, ' ', oldLines[i]);
    first = last + 1;
  }
  return out.join('\n') + '\n';
}

/** The diff with ANSI colours for a terminal; it always colours, so callers check the stream (e.g. `hasColors()`). */
export function colorizeDiff(diff: string): string {
  const style = (format: Parameters<typeof styleText>[0], line: string) => styleText(format, line, { validateStream: false });
  const lines = diff.split('\n');
  // Lines left in the current hunk: a '-' line reading "--- x" inside a hunk is content, not a file header.
  let oldLeft = 0;
  let newLeft = 0;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith('-')) { oldLeft--; lines[k] = style('red', line); }
      else if (line.startsWith('+')) { newLeft--; lines[k] = style('green', line); }
      else if (line.startsWith(' ')) { oldLeft--; newLeft--; }
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      lines[k] = style('cyan', line);
    } else if (line.startsWith('--- ') || line.startsWith('+++ ')) {
      lines[k] = style('bold', line);
    }
  }
  return lines.join('\n');
}

/** Lines with their '\n' kept, so a last line without one never equals the same text with one (as in GNU diff). */
function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return text === '' ? [] : lines;
}

function pushLine(out: string[], prefix: string, line: string): void {
  if (line.endsWith('\n')) out.push(prefix + line.slice(0, -1));
  else out.push(prefix + line, NO_NEWLINE);
}

/** GNU's range notation over [from, to): an empty range names the line before it, and a count of 1 is implied. */
function range(from: number, to: number): string {
  const count = to - from;
  if (count === 0) return `${from},0`;
  return count === 1 ? `${from + 1}` : `${from + 1},${count}`;
}

/** Which old lines are deleted and which new lines inserted in a shortest edit script. */
function diffLines(oldLines: string[], newLines: string[]): { deleted: Uint8Array; inserted: Uint8Array } {
  // Integers compare faster than strings in the inner loop.
  const ids = new Map<string, number>();
  const intern = (line: string) => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    return id;
  };
  const oldIds = oldLines.map(intern);
  const newIds = newLines.map(intern);
  const inOld = new Uint8Array(ids.size);
  const inNew = new Uint8Array(ids.size);
  for (const id of oldIds) inOld[id] = 1;
  for (const id of newIds) inNew[id] = 1;

  // A line absent from the other side is a change in every alignment, so it can leave the search without
  // affecting minimality; this keeps wholesale rewrites linear instead of O(N·M).
  const deleted = new Uint8Array(oldIds.length);
  const inserted = new Uint8Array(newIds.length);
  const xIndex: number[] = [];
  const yIndex: number[] = [];
  for (let i = 0; i < oldIds.length; i++) {
    if (inNew[oldIds[i]]) xIndex.push(i);
    else deleted[i] = 1;
  }
  for (let j = 0; j < newIds.length; j++) {
    if (inOld[newIds[j]]) yIndex.push(j);
    else inserted[j] = 1;
  }
  const x = Int32Array.from(xIndex, (i) => oldIds[i]);
  const y = Int32Array.from(yIndex, (j) => newIds[j]);
  const xChanged = new Uint8Array(x.length);
  const yChanged = new Uint8Array(y.length);
  compareSeq(x, y, xChanged, yChanged);
  for (let k = 0; k < x.length; k++) if (xChanged[k]) deleted[xIndex[k]] = 1;
  for (let k = 0; k < y.length; k++) if (yChanged[k]) inserted[yIndex[k]] = 1;
  return { deleted, inserted };
}

/**
 * Myers' linear-space divide and conquer (as in GNU diffseq.h, without its speed heuristics, so the result stays
 * minimal): strip the common ends, find the middle snake of a shortest path, recurse on both halves.
 */
function compareSeq(x: Int32Array, y: Int32Array, xChanged: Uint8Array, yChanged: Uint8Array): void {
  // Furthest-reaching x per diagonal k = x - y, which spans [-y.length - 1, x.length + 1] with the sentinels.
  const offset = y.length + 1;
  const fd = new Int32Array(x.length + y.length + 3);
  const bd = new Int32Array(x.length + y.length + 3);
  // An explicit stack: the halves are independent, and deep inputs must not overflow the call stack.
  const stack: number[] = [0, x.length, 0, y.length];
  while (stack.length > 0) {
    let ylim = stack.pop()!;
    let yoff = stack.pop()!;
    let xlim = stack.pop()!;
    let xoff = stack.pop()!;
    while (xoff < xlim && yoff < ylim && x[xoff] === y[yoff]) { xoff++; yoff++; }
    while (xoff < xlim && yoff < ylim && x[xlim - 1] === y[ylim - 1]) { xlim--; ylim--; }
    if (xoff === xlim) {
      for (let j = yoff; j < ylim; j++) yChanged[j] = 1;
    } else if (yoff === ylim) {
      for (let i = xoff; i < xlim; i++) xChanged[i] = 1;
    } else {
      const [xmid, ymid] = middleSnake(x, y, xoff, xlim, yoff, ylim, fd, bd, offset);
      stack.push(xmid, xlim, ymid, ylim, xoff, xmid, yoff, ymid);
    }
  }
}

/** A point on the middle snake of a shortest edit path through x[xoff, xlim) and y[yoff, ylim). */
function middleSnake(
  x: Int32Array, y: Int32Array, xoff: number, xlim: number, yoff: number, ylim: number,
  fd: Int32Array, bd: Int32Array, offset: number,
): [number, number] {
  const dmin = xoff - ylim;
  const dmax = xlim - yoff;
  const fmid = xoff - yoff;
  const bmid = xlim - ylim;
  let fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
  // With an odd delta the paths meet while extending forward, with an even one while extending backward.
  const odd = ((fmid - bmid) & 1) !== 0;
  fd[offset + fmid] = xoff;
  bd[offset + bmid] = xlim;
  for (;;) {
    if (fmin > dmin) fd[offset + --fmin - 1] = -1;
    else fmin++;
    if (fmax < dmax) fd[offset + ++fmax + 1] = -1;
    else fmax--;
    for (let d = fmax; d >= fmin; d -= 2) {
      const lo = fd[offset + d - 1];
      const hi = fd[offset + d + 1];
      let i = lo >= hi ? lo + 1 : hi;
      let j = i - d;
      while (i < xlim && j < ylim && x[i] === y[j]) { i++; j++; }
      fd[offset + d] = i;
      if (odd && bmin <= d && d <= bmax && bd[offset + d] <= i) return [i, j];
    }
    if (bmin > dmin) bd[offset + --bmin - 1] = 0x7fffffff;
    else bmin++;
    if (bmax < dmax) bd[offset + ++bmax + 1] = 0x7fffffff;
    else bmax--;
    for (let d = bmax; d >= bmin; d -= 2) {
      const lo = bd[offset + d - 1];
      const hi = bd[offset + d + 1];
      let i = lo < hi ? lo : hi - 1;
      let j = i - d;
      while (i > xoff && j > yoff && x[i - 1] === y[j - 1]) { i--; j--; }
      bd[offset + d] = i;
      if (!odd && fmin <= d && d <= fmax && i <= fd[offset + d]) return [i, j];
    }
  }
}
