// Heavy hitters of a stream in fixed memory: Space-Saving (Metwally, Agrawal, El Abbadi 2005) with per-entry error
// bounds, and a sliding window of the last N items built from a ring of Space-Saving sketches.
//
// Guarantees. One SpaceSaving sketch with m counters over a stream of n items keeps, for each monitored key, a
// count c and an error e with c − e ≤ true count ≤ c and e ≤ min ≤ n/m; an unmonitored key occurred at most `min`
// times, so every key occurring more than n/m times is monitored. The window splits the last `window` items into
// `subWindows` consecutive sub-windows, each counted by its own sketch; a key's guaranteed count is the sum of its
// per-sketch lower bounds and its estimate the sum of its per-sketch upper bounds (the sketch's minimum where it is
// not monitored). So: guaranteed ≤ true count in the window ≤ estimate, and each misses the truth by at most
// total/m. The guaranteed count never over-reports: acting on it (blocking) can never punish a key for more traffic
// than it really sent. The window moves a sub-window at a time; `add` says when the newest sub-window has just
// filled, the moment the sketches cover exactly the last `window` items.

/**
 * The counters of one Space-Saving sketch in the stream-summary layout, over integer ids (the callers map keys):
 * counters with equal counts share a bucket and buckets form a list sorted by count, so an update is O(1). All
 * state lives in typed arrays allocated once.
 */
class Counters {
  readonly capacity: number;
  /** The id each counter counts. */
  readonly idOf: Int32Array;
  /** The id whose counter the last `insert` took over, or -1. */
  evicted = -1;
  #error: Float64Array;
  // Per counter: its bucket and its neighbours in that bucket's circular member list.
  #bucket: Int32Array;
  #prev: Int32Array;
  #next: Int32Array;
  // Per bucket: its count, its first member (the longest there, evicted first), and its neighbours by count.
  #value: Float64Array;
  #first: Int32Array;
  #lower: Int32Array;
  #higher: Int32Array;
  #freeBuckets: Int32Array;
  #freeTop = 0;
  #minBucket = -1;
  #maxBucket = -1;
  used = 0;
  total = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.idOf = new Int32Array(capacity);
    this.#error = new Float64Array(capacity);
    this.#bucket = new Int32Array(capacity);
    this.#prev = new Int32Array(capacity);
    this.#next = new Int32Array(capacity);
    this.#value = new Float64Array(capacity);
    this.#first = new Int32Array(capacity);
    this.#lower = new Int32Array(capacity);
    this.#higher = new Int32Array(capacity);
    this.#freeBuckets = new Int32Array(capacity);
    this.clear();
  }

  get min(): number { return this.used < this.capacity ? 0 : this.#value[this.#minBucket]; }
  count(slot: number): number { return this.#value[this.#bucket[slot]]; }
  error(slot: number): number { return this.#error[slot]; }

  /** Counts one more occurrence of the id counted by `slot`. */
  increment(slot: number): void {
    this.total++;
    this.#increment(slot);
  }

  /**
   * Starts counting `id` (not monitored here) with one occurrence; returns its counter. When all are in use it takes
   * over the one that has waited longest at the minimum, inheriting that count as its error, and sets `evicted`.
   */
  insert(id: number): number {
    this.total++;
    if (this.used < this.capacity) {
      this.evicted = -1;
      const slot = this.used++;
      this.idOf[slot] = id;
      this.#error[slot] = 0;
      const min = this.#minBucket;
      if (min !== -1 && this.#value[min] === 1) this.#attach(slot, min);
      else this.#attach(slot, this.#newBucket(1, -1, min));
      return slot;
    }
    const min = this.#minBucket;
    const slot = this.#first[min];
    this.evicted = this.idOf[slot];
    this.idOf[slot] = id;
    this.#error[slot] = this.#value[min];
    this.#increment(slot);
    return slot;
  }

  /** Calls `visit` with each counter whose count is above `floor`, highest counts first. */
  forEachAbove(floor: number, visit: (slot: number, count: number, error: number) => void): void {
    for (let b = this.#maxBucket; b !== -1 && this.#value[b] > floor; b = this.#lower[b]) {
      const head = this.#first[b];
      let slot = head;
      do {
        visit(slot, this.#value[b], this.#error[slot]);
        slot = this.#next[slot];
      } while (slot !== head);
    }
  }

  clear(): void {
    for (let i = 0; i < this.capacity; i++) this.#freeBuckets[i] = this.capacity - 1 - i;
    this.#freeTop = this.capacity;
    this.#minBucket = this.#maxBucket = -1;
    this.used = 0;
    this.total = 0;
  }

  /** Moves `slot` from its bucket (count c) to the bucket of count c + 1, creating it when absent. */
  #increment(slot: number): void {
    const b = this.#bucket[slot];
    const target = this.#value[b] + 1;
    const up = this.#higher[b];
    if (up !== -1 && this.#value[up] === target) {
      this.#detach(slot, b);
      this.#attach(slot, up);
    } else if (this.#next[slot] === slot) {
      this.#value[b] = target; // alone in its bucket, and the next bucket is higher still: the order holds
    } else {
      this.#detach(slot, b);
      this.#attach(slot, this.#newBucket(target, b, up));
    }
  }

  /** Appends `slot` at the end of bucket `b`'s member list. */
  #attach(slot: number, b: number): void {
    this.#bucket[slot] = b;
    const head = this.#first[b];
    if (head === -1) {
      this.#first[b] = slot;
      this.#prev[slot] = this.#next[slot] = slot;
      return;
    }
    const tail = this.#prev[head];
    this.#prev[slot] = tail;
    this.#next[slot] = head;
    this.#next[tail] = slot;
    this.#prev[head] = slot;
  }

  /** Takes `slot` out of bucket `b`, releasing the bucket when it empties. */
  #detach(slot: number, b: number): void {
    const next = this.#next[slot];
    if (next === slot) {
      this.#releaseBucket(b);
      return;
    }
    const prev = this.#prev[slot];
    this.#next[prev] = next;
    this.#prev[next] = prev;
    if (this.#first[b] === slot) this.#first[b] = next;
  }

  /** A new empty bucket of count `value` between buckets `lower` and `higher` (-1: list end). */
  #newBucket(value: number, lower: number, higher: number): number {
    const b = this.#freeBuckets[--this.#freeTop];
    this.#value[b] = value;
    this.#first[b] = -1;
    this.#lower[b] = lower;
    this.#higher[b] = higher;
    if (lower === -1) this.#minBucket = b;
    else this.#higher[lower] = b;
    if (higher === -1) this.#maxBucket = b;
    else this.#lower[higher] = b;
    return b;
  }

  #releaseBucket(b: number): void {
    const lower = this.#lower[b];
    const higher = this.#higher[b];
    if (lower === -1) this.#minBucket = higher;
    else this.#higher[lower] = higher;
    if (higher === -1) this.#maxBucket = lower;
    else this.#lower[higher] = lower;
    this.#freeBuckets[this.#freeTop++] = b;
  }
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Space-Saving capacity must be a positive integer, got ${capacity}`);
}

/** Space-Saving over an unbounded stream with `capacity` counters; O(1) per item, memory fixed at construction. */
export class SpaceSaving {
  readonly capacity: number;
  #counters: Counters;
  #index = new Map<string, number>();
  #keys: (string | undefined)[];

  constructor(capacity: number) {
    checkCapacity(capacity);
    this.capacity = capacity;
    this.#counters = new Counters(capacity);
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** Items counted since the last clear. */
  get total(): number { return this.#counters.total; }
  /** Keys monitored (at most `capacity`). */
  get size(): number { return this.#counters.used; }
  /** The smallest count: an upper bound on how often any unmonitored key occurred (0 until every counter is used). */
  get min(): number { return this.#counters.min; }

  /** Counts one occurrence of `key`. */
  add(key: string): void {
    const c = this.#counters;
    const slot = this.#index.get(key);
    if (slot !== undefined) {
      c.increment(slot);
      return;
    }
    const full = c.used === c.capacity;
    const taken = c.insert(0); // the id goes unused here: a counter's key is found by its slot
    if (full) this.#index.delete(this.#keys[taken] as string);
    this.#keys[taken] = key;
    this.#index.set(key, taken);
  }

  /** The upper bound of `key`'s count (its counter, or `min` when unmonitored). */
  estimate(key: string): number {
    const slot = this.#index.get(key);
    return slot === undefined ? this.#counters.min : this.#counters.count(slot);
  }

  /** The count `key` certainly reached: counter minus error (0 when unmonitored). Never more than the truth. */
  guaranteed(key: string): number {
    const slot = this.#index.get(key);
    return slot === undefined ? 0 : this.#counters.count(slot) - this.#counters.error(slot);
  }

  /** The error bound of `key`'s counter (`min` when unmonitored). */
  error(key: string): number {
    const slot = this.#index.get(key);
    return slot === undefined ? this.#counters.min : this.#counters.error(slot);
  }

  /** Calls `visit` for each monitored key whose count is above `floor`, highest counts first. */
  forEachAbove(floor: number, visit: (key: string, count: number, error: number) => void): void {
    this.#counters.forEachAbove(floor, (slot, count, error) => visit(this.#keys[slot] as string, count, error));
  }

  /** Forgets every key; the memory stays allocated for reuse. */
  clear(): void {
    this.#index.clear();
    this.#keys.fill(undefined);
    this.#counters.clear();
  }
}

/** A key whose guaranteed count is above a threshold. */
export interface HeavyHitter {
  key: string;
  /** Occurrences certainly in the window (never more than the truth). */
  guaranteed: number;
  /** Occurrences at most in the window. */
  estimate: number;
}

export interface SlidingTopKOptions {
  /** How many recent items the counts cover; rounded up to a multiple of `subWindows`. */
  window: number;
  /** Space-Saving counters per sub-window; memory is subWindows × capacity counters, whatever the keys. */
  capacity: number;
  /** Steps the window moves by (default 10); more means finer steps and more counters. */
  subWindows?: number;
}

/**
 * Heavy hitters over the last `window` items: a ring of Space-Saving sketches, one per sub-window of
 * `window / subWindows` items; the oldest is cleared and reused when a new sub-window starts. The sketches share one
 * key index (key → id, with each id's counter in every sketch), so a key stays indexed while any sub-window counts
 * it and a lookup of the whole window costs one Map read.
 */
export class SlidingTopK {
  /** Items covered once the window is full (the requested window rounded up to a multiple of subWindows). */
  readonly window: number;
  readonly subWindows: number;
  /** Items per sub-window: the step the window moves by. */
  readonly subWindowSize: number;
  #sketches: Counters[];
  #current = 0;
  #fill = 0;
  #total = 0;
  #index = new Map<string, number>();
  #keyOf: (string | undefined)[];
  // Per id: how many sketches count it, and (subWindows entries per id) its counter in each sketch or -1.
  #refs: Int32Array;
  #slotIn: Int32Array;
  #freeIds: Int32Array;
  #freeTop: number;

  constructor(options: SlidingTopKOptions) {
    const { window, capacity } = options;
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`Sliding window must be a positive integer, got ${window}`);
    checkCapacity(capacity);
    const requested = options.subWindows ?? 10;
    if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`Sub-window count must be a positive integer, got ${requested}`);
    const subWindows = Math.min(requested, window);
    this.subWindows = subWindows;
    this.subWindowSize = Math.ceil(window / subWindows);
    this.window = this.subWindowSize * subWindows;
    this.#sketches = Array.from({ length: subWindows }, () => new Counters(capacity));
    // Every counter of every sketch may count a different key, plus the one arriving before it takes a counter over.
    const ids = subWindows * capacity + 1;
    this.#keyOf = new Array<string | undefined>(ids).fill(undefined);
    this.#refs = new Int32Array(ids);
    this.#slotIn = new Int32Array(ids * subWindows).fill(-1);
    this.#freeIds = new Int32Array(ids);
    for (let i = 0; i < ids; i++) this.#freeIds[i] = ids - 1 - i;
    this.#freeTop = ids;
  }

  /** Items in the window now (up to `window`). */
  get total(): number { return this.#total; }
  /** Distinct keys counted by some sub-window (at most subWindows × capacity). */
  get size(): number { return this.#index.size; }

  /**
   * Counts one occurrence of `key`. Returns true when this item completed a sub-window: the sketches then cover
   * exactly the last `window` items (fewer only before the first `window` items), the moment to look for heavy
   * hitters. The next add slides the window by one sub-window.
   */
  add(key: string): boolean {
    if (this.#fill === this.subWindowSize) this.#slide();
    const current = this.#current;
    const sketch = this.#sketches[current];
    let id = this.#index.get(key);
    if (id === undefined) {
      id = this.#freeIds[--this.#freeTop];
      this.#index.set(key, id);
      this.#keyOf[id] = key;
    }
    const at = id * this.subWindows + current;
    const slot = this.#slotIn[at];
    if (slot !== -1) sketch.increment(slot);
    else {
      this.#slotIn[at] = sketch.insert(id);
      this.#refs[id]++;
      const evicted = sketch.evicted;
      if (evicted !== -1) this.#drop(evicted, current);
    }
    this.#total++;
    return ++this.#fill === this.subWindowSize;
  }

  /** Occurrences of `key` certainly in the window: a lower bound, at most total/capacity below the truth. */
  guaranteed(key: string): number {
    const id = this.#index.get(key);
    if (id === undefined) return 0;
    let n = 0;
    for (let j = 0; j < this.subWindows; j++) {
      const slot = this.#slotIn[id * this.subWindows + j];
      if (slot !== -1) n += this.#sketches[j].count(slot) - this.#sketches[j].error(slot);
    }
    return n;
  }

  /** Occurrences of `key` at most in the window: an upper bound, at most total/capacity above the truth. */
  estimate(key: string): number {
    const id = this.#index.get(key);
    let n = 0;
    for (let j = 0; j < this.subWindows; j++) {
      const slot = id === undefined ? -1 : this.#slotIn[id * this.subWindows + j];
      n += slot === -1 ? this.#sketches[j].min : this.#sketches[j].count(slot);
    }
    return n;
  }

  /** The keys whose guaranteed count is above `threshold`, highest first. */
  heavyHitters(threshold: number): HeavyHitter[] {
    // A sum of subWindows lower bounds above the threshold has a term above threshold/subWindows, and each
    // sketch's count bounds its term: only those counters need a look.
    const floor = threshold / this.subWindows;
    const candidates = new Set<string>();
    for (const sketch of this.#sketches) sketch.forEachAbove(floor, (slot) => candidates.add(this.#keyOf[sketch.idOf[slot]] as string));
    const out: HeavyHitter[] = [];
    for (const key of candidates) {
      const guaranteed = this.guaranteed(key);
      if (guaranteed > threshold) out.push({ key, guaranteed, estimate: this.estimate(key) });
    }
    return out.sort((a, b) => b.guaranteed - a.guaranteed);
  }

  /** Forgets everything. */
  clear(): void {
    for (let j = 0; j < this.subWindows; j++) this.#clearSketch(j);
    this.#current = 0;
    this.#fill = 0;
    this.#total = 0;
  }

  /** Starts the next sub-window in the oldest sketch. */
  #slide(): void {
    this.#current = this.#current + 1 === this.subWindows ? 0 : this.#current + 1;
    this.#total -= this.#sketches[this.#current].total;
    this.#clearSketch(this.#current);
    this.#fill = 0;
  }

  #clearSketch(j: number): void {
    const sketch = this.#sketches[j];
    for (let slot = 0; slot < sketch.used; slot++) this.#drop(sketch.idOf[slot], j);
    sketch.clear();
  }

  /** Sketch `j` no longer counts `id`; an id no sketch counts leaves the index. */
  #drop(id: number, j: number): void {
    this.#slotIn[id * this.subWindows + j] = -1;
    if (--this.#refs[id] !== 0) return;
    this.#index.delete(this.#keyOf[id] as string);
    this.#keyOf[id] = undefined;
    this.#freeIds[this.#freeTop++] = id;
  }
}
