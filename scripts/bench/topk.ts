// Top-K benchmark: updates/s of the sliding-window Space-Saving sketch next to an exact sliding counter (a ring of
// the window's keys plus a Map of counts, written here as the peer) on the same Zipf stream of IPs, in alternating
// rounds of one run, printed with the ratio; then the block-ip middleware's cost per request. Not a test.
import { SlidingTopK } from '../../src/lib/topk.ts';
import { blockIp, type BlockIpConfig } from '../../src/middleware/block-ip.ts';
import { Logger } from '../../src/log/logger.ts';
import type { Context } from '../../src/http/context.ts';
import { alternateRounds, median } from './rounds.ts';
import { mulberry32, zipf } from '../../test/support/random.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
const ROUND_MS = 400;
const WARMUP_MS = 500;
const STREAM = 1 << 16;
const DISTINCT_IPS = 10_000;

// The medium preset (exact sub-windows) and a long window where the sketch is approximate.
const CASES = [
  { name: 'window 1,000 (medium preset)', window: 1000, capacity: 100 },
  { name: 'window 100,000', window: 100_000, capacity: 512 },
];

/** STREAM client IPs drawn from DISTINCT_IPS addresses with Zipf(1) popularity, v4 and some v6. */
function zipfStream(): string[] {
  const random = mulberry32(42);
  const ips = Array.from({ length: DISTINCT_IPS }, (_, k) =>
    k % 8 === 7 ? `2001:db8:${(k >> 8).toString(16)}::${(k & 255).toString(16)}` : `${1 + (k % 223)}.${(k * 7) & 255}.${k >> 8}.${k & 255}`);
  const ranks = zipf(DISTINCT_IPS, 1, random);
  const out: string[] = [];
  for (let i = 0; i < STREAM; i++) out.push(ips[ranks.sample()]);
  return out;
}

/** The peer: exact counts over the last `window` keys (a ring of keys and a Map of counts; O(window) memory). */
class ExactSlidingCounter {
  readonly counts = new Map<string, number>();
  #ring: (string | undefined)[];
  #at = 0;

  constructor(window: number) {
    this.#ring = new Array<string | undefined>(window).fill(undefined);
  }

  add(key: string): void {
    const ring = this.#ring;
    const old = ring[this.#at];
    if (old !== undefined) {
      const n = (this.counts.get(old) as number) - 1;
      if (n === 0) this.counts.delete(old);
      else this.counts.set(old, n);
    }
    ring[this.#at] = key;
    if (++this.#at === ring.length) this.#at = 0;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

/** Runs `pass` for about `ms` milliseconds; returns operations per second. */
function measure(pass: () => number, opsPerPass: number, ms: number): number {
  pass();
  let passes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    pass();
    passes++;
    elapsed = performance.now() - start;
  }
  return (passes * opsPerPass * 1000) / elapsed;
}


const format = (opsPerSec: number): string => Math.round(opsPerSec).toLocaleString('en-US').padStart(12);

/** Alternating rounds of the two; prints them and returns the median ratio ours/peer. */
async function compare(label: string, ours: () => number, peer: () => number, opsPerPass: number): Promise<number> {
  measure(ours, opsPerPass, WARMUP_MS);
  measure(peer, opsPerPass, WARMUP_MS);
  console.log(`${label}`);
  console.log('round   Space-Saving updates/s   exact Map updates/s   ratio');
  const { ours: a, theirs: b } = await alternateRounds(ROUNDS, () => measure(ours, opsPerPass, ROUND_MS), () => measure(peer, opsPerPass, ROUND_MS),
    (round, x, y) => console.log(`${String(round).padStart(5)}   ${format(x)}             ${format(y)}          ${(x / y).toFixed(2)}`));
  const ratios = a.map((x, i) => x / b[i]);
  const ratio = median(ratios);
  console.log(`median  ${format(median(a))}             ${format(median(b))}          ${ratio.toFixed(2)}` +
    `   (${(1e9 / median(a)).toFixed(1)} ns vs ${(1e9 / median(b)).toFixed(1)} ns per update)`);
  return ratio;
}

/** ns per request of the middleware on the same stream, for non-blocked IPs (and with enabled = false). */
function middlewareCost(stream: string[]): void {
  const contexts = stream.map((ip) => ({ ip }) as unknown as Context);
  const run = (config: BlockIpConfig): number => {
    let blocks = 0;
    const handler = blockIp({ config: () => config, log: new Logger([]), onBlock: () => blocks++ })(() => {});
    const pass = (): number => {
      for (let i = 0; i < contexts.length; i++) handler(contexts[i]);
      return blocks;
    };
    measure(pass, contexts.length, WARMUP_MS);
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) rates.push(measure(pass, contexts.length, ROUND_MS));
    if (blocks !== 0) throw new Error(`Top-K bench: the Zipf stream got ${blocks} IPs blocked; the cost measured would not be the pass-through one`);
    return 1e9 / median(rates);
  };
  const medium: BlockIpConfig = { enabled: true, level: 'medium', window: 1000, activation_rps: 500, max_share: 35, block_for: 180_000, allow: ['127.0.0.1', '::1'] };
  const on = run(medium);
  const off = run({ ...medium, enabled: false });
  console.log(`block-ip middleware, medium preset, always above the activation rate: ${on.toFixed(1)} ns per request ` +
    `(enabled = false: ${off.toFixed(1)} ns; a called no-op next included)`);
}

/** Runs the benchmark and prints its figures; resolves to the median ratio Space-Saving/exact of the first case. */
export async function main(): Promise<number> {
  const stream = zipfStream();
  console.log(`topk: ${STREAM.toLocaleString('en-US')} requests from ${DISTINCT_IPS.toLocaleString('en-US')} IPs (Zipf 1), ` +
    `${ROUNDS} rounds of ~${ROUND_MS} ms each (node ${process.versions.node})`);
  const ratios: number[] = [];
  for (const c of CASES) {
    const sketch = new SlidingTopK({ window: c.window, capacity: c.capacity });
    const exact = new ExactSlidingCounter(c.window);
    const ours = (): number => {
      for (let i = 0; i < stream.length; i++) sketch.add(stream[i]);
      return sketch.total;
    };
    const peer = (): number => {
      for (let i = 0; i < stream.length; i++) exact.add(stream[i]);
      return exact.counts.size;
    };
    console.log('');
    ratios.push(await compare(`${c.name}: ${sketch.subWindows} × ${c.capacity} counters vs a ${c.window.toLocaleString('en-US')}-slot ring and a Map`, ours, peer, stream.length));
  }
  console.log('');
  middlewareCost(stream);
  console.log(`topk: Space-Saving/exact = ${ratios.map((r) => r.toFixed(2)).join(' and ')} (higher is better for Space-Saving)`);
  return ratios[0];
}

if (import.meta.main) await main();
