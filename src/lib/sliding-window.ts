// A sliding-window rate limiter per key (failed logins, OTP attempts, per IP and per account): at most `limit` events
// in any `windowMs`, with the exact wait until the next allowed one, for many keys in bounded memory.
//
// Why a log of timestamps rather than two weighted fixed buckets: brute-force limits are small (5 to a few dozen),
// so a key's recent timestamps fit in a short array, and the log is exact: never more than `limit` events in any
// window, and a Retry-After that is the real wait (the oldest counted event leaving the window), not an estimate
// that can let through up to twice the limit when events bunch at a bucket edge. Memory is at most
// maxKeys × limit timestamps, and a key holds only as many as it has recent events (most keys hold one).
//
// Refused events are not recorded: a blocked client that keeps trying does not push its own block further out, and
// once the oldest counted event leaves the window it gets one attempt again. The long-run rate is therefore
// `limit` per window whatever the client does, and the block stays predictable for honest users.

export interface SlidingWindowOptions {
  /** Events allowed per key in any window. */
  limit: number;
  /** The window length in ms. */
  windowMs: number;
  /** Keys held at most (default 100,000): past it, the least recently used key is forgotten. */
  maxKeys?: number;
  /** A monotonic clock in ms (default `performance.now`); tests inject one. */
  now?: () => number;
}

/** One key's counted events: a queue of timestamps, oldest first, whose live part starts at `head`. */
interface EventLog {
  times: number[];
  head: number;
}

/** Counts events per key over a sliding window and says how long a key over its limit must wait. */
export class SlidingWindowLimiter {
  readonly maxKeys: number;
  #limit = 0;
  #windowMs = 0;
  #now: () => number;
  // Map order is recency order: a hit deletes and re-inserts its key, so the first key is the least recently used.
  #logs = new Map<string, EventLog>();

  constructor(options: SlidingWindowOptions) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`Limiter maxKeys must be a positive integer, got ${String(maxKeys)}`);
    this.maxKeys = maxKeys;
    this.#now = options.now ?? (() => performance.now());
    this.configure(options.limit, options.windowMs);
  }

  get limit(): number { return this.#limit; }
  get windowMs(): number { return this.#windowMs; }
  /** Keys held, including expired ones not yet dropped (they go when touched or when they reach the LRU end). */
  get size(): number { return this.#logs.size; }

  /**
   * Records one event for key; returns 0 when still within the limit, else the ms until the next event would be
   * allowed (the caller answers 429 with Retry-After). An event beyond the limit is not recorded (see above).
   */
  hit(key: string): number {
    const now = this.#now();
    this.#dropExpired(now);
    let log = this.#logs.get(key);
    if (log === undefined) {
      log = { times: [], head: 0 };
      if (this.#logs.size >= this.maxKeys) this.#logs.delete(this.#logs.keys().next().value as string);
    } else {
      this.#logs.delete(key);
    }
    // Re-inserted even when refused: a key still being hammered is the last one to forget.
    this.#logs.set(key, log);
    this.#expire(log, now);
    const wait = this.#wait(log, now);
    if (wait > 0) return wait;
    log.times.push(now);
    return 0;
  }

  /** ms until key may act again (0 if now), without recording. */
  retryAfter(key: string): number {
    const log = this.#logs.get(key);
    if (log === undefined) return 0;
    const now = this.#now();
    this.#expire(log, now);
    if (log.head === log.times.length) {
      this.#logs.delete(key);
      return 0;
    }
    return this.#wait(log, now);
  }

  /** Forgets key (after a successful login, e.g.). */
  reset(key: string): void {
    this.#logs.delete(key);
  }

  /**
   * Live settings: a config reload changes limit/window. Counted events keep their times, so a new window applies to
   * them at once; a lower limit keeps only each key's newest `limit` events (when the key is next touched).
   */
  configure(limit: number, windowMs: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Limiter limit must be a positive integer, got ${String(limit)}`);
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(`Limiter window must be a positive number of milliseconds, got ${String(windowMs)}`);
    }
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Forgets every key. */
  clear(): void {
    this.#logs.clear();
  }

  /** ms until `log` may record another event: 0 below the limit, else until its limit-th newest event leaves. */
  #wait(log: EventLog, now: number): number {
    const { times } = log;
    if (times.length - log.head < this.#limit) return 0;
    const wait = times[times.length - this.#limit] + this.#windowMs - now;
    // Whole ms, at least 1 (a fractional clock would otherwise say 0.3 ms, which reads as "go"), and never more than
    // a window, even if an injected clock stepped back.
    return Math.min(Math.max(1, Math.ceil(wait)), Math.ceil(this.#windowMs));
  }

  /** Drops events that have left the window (and any beyond the limit after it was lowered). */
  #expire(log: EventLog, now: number): void {
    const { times } = log;
    const cutoff = now - this.#windowMs;
    let head = Math.max(log.head, times.length - this.#limit);
    while (head < times.length && times[head] <= cutoff) head++;
    if (head === times.length) {
      times.length = 0;
      head = 0;
    } else if (head >= this.#limit) {
      // Compact once the dead prefix is as long as the live part can be: O(limit) work after at least `limit`
      // pushes, so O(1) amortized, and the array never grows past twice the limit.
      times.splice(0, head);
      head = 0;
    }
    log.head = head;
  }

  /**
   * Drops keys whose every event has left the window, from the least recently used end, stopping at the first live
   * one. Each key is dropped once per insertion, so this is O(1) amortized per hit. Recency order is almost newest-
   * event order (a refused hit moves a key without adding an event), so a few dead keys may wait a little longer.
   */
  #dropExpired(now: number): void {
    const cutoff = now - this.#windowMs;
    for (const [key, log] of this.#logs) {
      const { times } = log;
      if (times.length > 0 && times[times.length - 1] > cutoff) return;
      this.#logs.delete(key);
    }
  }
}
