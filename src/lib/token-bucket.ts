// A token bucket: `burst` tokens at most, one more every `intervalMs`; a caller that finds none is told so at once
// (no waiting, no queue), which suits senders that drop what they cannot send now.

export interface TokenBucketOptions {
  /** Milliseconds to earn one token: the long-run rate is one take per interval. */
  intervalMs: number;
  /** Tokens the bucket holds at most (and starts with): how many takes may follow one another without a pause. */
  burst: number;
  /** A monotonic clock in ms (default `performance.now`); tests inject one. */
  now?: () => number;
}

/** A rate limiter allowing `burst` takes at once and one take per `intervalMs` over time. */
export class TokenBucket {
  readonly intervalMs: number;
  readonly burst: number;
  #now: () => number;
  // Time banked, in ms, rather than a fractional token count: with whole-ms clocks the arithmetic stays exact, so a
  // take exactly one interval after the last one always succeeds.
  #credit: number;
  #at: number;

  constructor(options: TokenBucketOptions) {
    const { intervalMs, burst } = options;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`Rate limit interval must be a positive number of milliseconds, got ${String(intervalMs)}`);
    }
    if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`Rate limit burst must be an integer of at least 1, got ${String(burst)}`);
    }
    this.intervalMs = intervalMs;
    this.burst = burst;
    this.#now = options.now ?? (() => performance.now());
    this.#at = this.#now();
    this.#credit = burst * intervalMs;
  }

  /** Takes one token if there is one; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    this.#refill();
    if (this.#credit < this.intervalMs) return false;
    this.#credit -= this.intervalMs;
    return true;
  }

  /** Milliseconds until `take()` would succeed (0 when a token is there now). */
  refillIn(): number {
    this.#refill();
    return this.#credit >= this.intervalMs ? 0 : this.intervalMs - this.#credit;
  }

  /** Whole tokens available now. */
  get available(): number {
    this.#refill();
    return Math.floor(this.#credit / this.intervalMs);
  }

  #refill(): void {
    const now = this.#now();
    // A clock that steps back earns nothing, and the lost time is not earned twice when it moves on again.
    if (now <= this.#at) return;
    this.#credit = Math.min(this.burst * this.intervalMs, this.#credit + (now - this.#at));
    this.#at = now;
  }
}
