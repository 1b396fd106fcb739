// Requests of the last whole second, for a live view (the admin stats feed): how many, by status class, and their
// latency percentiles. Recording costs a few integer operations and no allocation, so it can sit on the hot path.
//
// Why one-second slots and a histogram rather than a list of durations: memory and recording cost stay fixed
// whatever the traffic. The buckets are those of HdrHistogram: exact microseconds below 32 µs, then 32 buckets per
// power of two, found with one count-leading-zeros and a shift (no logarithm). A percentile read from them is at
// most 1/32 (3.1%) above the true value — plenty for a chart. The clock is monotonic (performance.now) so a
// wall-clock jump never mixes two seconds.

/** What the last whole second held. Latencies are null when it held no request. */
export interface WindowSnapshot {
  requests: number;
  /** Requests by status class: index 1 to 5 for 1xx to 5xx (index 0 counts anything else). */
  statusClasses: number[];
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
// Durations are counted in whole microseconds up to 2^31 − 1 (about 36 minutes); longer ones land in the last bucket.
const MAX_US = 0x7fffffff;
const BUCKETS = SUB + (31 - SUB_BITS) * SUB;

/** The bucket of a duration in whole microseconds. */
function bucketOf(us: number): number {
  if (us < SUB) return us;
  const exponent = 31 - Math.clz32(us);
  return SUB + (exponent - SUB_BITS) * SUB + ((us >>> (exponent - SUB_BITS)) & (SUB - 1));
}

/** The (exclusive) upper bound of a bucket in microseconds. */
function upperBoundUs(bucket: number): number {
  if (bucket < SUB) return bucket + 1;
  const k = bucket - SUB;
  return (SUB + (k & (SUB - 1)) + 1) * 2 ** (k >> SUB_BITS);
}

class Slot {
  requests = 0;
  readonly statusClasses = new Uint32Array(6);
  readonly latency = new Uint32Array(BUCKETS);

  clear(): void {
    if (this.requests === 0) return;
    this.requests = 0;
    this.statusClasses.fill(0);
    this.latency.fill(0);
  }
}

export class RequestWindow {
  readonly #now: () => number;
  /** The second (of the monotonic clock) `#current` counts. */
  #second = -1;
  #current = new Slot();
  #previous = new Slot();

  /** `now` is a monotonic clock in ms (default `performance.now`); tests inject one. */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** Counts one answered request that took `durationMs` and ended with `status`; `now` saves a clock read. */
  record(durationMs: number, status: number, now = this.#now()): void {
    const second = Math.floor(now / 1000);
    if (second !== this.#second) this.#rotate(second);
    const slot = this.#current;
    slot.requests++;
    const cls = (status / 100) | 0;
    slot.statusClasses[cls >= 1 && cls <= 5 ? cls : 0]++;
    const us = durationMs >= MAX_US / 1000 ? MAX_US : durationMs > 0 ? (durationMs * 1000) | 0 : 0;
    slot.latency[bucketOf(us)]++;
  }

  /** The requests of the last whole second (the one before the current one). */
  lastSecond(): WindowSnapshot {
    this.#rotate(Math.floor(this.#now() / 1000));
    const slot = this.#previous;
    return {
      requests: slot.requests,
      statusClasses: Array.from(slot.statusClasses),
      p50Ms: percentile(slot, 0.5),
      p95Ms: percentile(slot, 0.95),
      p99Ms: percentile(slot, 0.99),
    };
  }

  #rotate(second: number): void {
    if (second === this.#second) return;
    if (second === this.#second + 1) {
      // The current second becomes the previous one; the old previous slot is reused (no allocation).
      const old = this.#previous;
      this.#previous = this.#current;
      this.#current = old;
      old.clear();
    } else {
      // A second or more went by without a request: both slots are empty.
      this.#previous.clear();
      this.#current.clear();
    }
    this.#second = second;
  }
}

/** The duration (ms) at rank `q` of the slot: the upper bound of the bucket holding it, so never an underestimate. */
function percentile(slot: Slot, q: number): number | null {
  if (slot.requests === 0) return null;
  const rank = Math.max(1, Math.ceil(q * slot.requests));
  let seen = 0;
  const latency = slot.latency;
  for (let i = 0; i < BUCKETS; i++) {
    seen += latency[i];
    if (seen >= rank) return upperBoundUs(i) / 1000;
  }
  return upperBoundUs(BUCKETS - 1) / 1000;
}
