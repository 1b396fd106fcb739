// What every benchmark here does the same way: alternating rounds of monolite and its peer, and medians.

/** The median (the mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measures `ours` and `theirs` in `rounds` rounds, alternating who goes first so that neither always runs on a hotter
 * or cooler machine; `onRound` hears each pair as it is measured. Compare the per-round ratios' median: each ratio
 * compares two neighbouring measurements, so machine drift cancels out.
 */
export async function alternateRounds(
  rounds: number,
  ours: () => number | Promise<number>,
  theirs: () => number | Promise<number>,
  onRound: (round: number, ours: number, theirs: number) => void,
): Promise<{ ours: number[]; theirs: number[] }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    let x: number;
    let y: number;
    if (round % 2 === 1) {
      x = await ours();
      y = await theirs();
    } else {
      y = await theirs();
      x = await ours();
    }
    a.push(x);
    b.push(y);
    onRound(round, x, y);
  }
  return { ours: a, theirs: b };
}
