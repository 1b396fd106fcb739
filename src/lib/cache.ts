// A small key/value cache interface (EasyREST's CachePlugin: get, set, delete) and its in-memory implementation, a
// bounded LRU with optional expiry. Synchronous on purpose: one process needs no network cache, and an await on
// every cached read would cost more than the lookup.

export interface CachePlugin {
  get(key: string): string | undefined;
  /** Stores `value`; with `ttlMs`, it is gone after that long. */
  set(key: string, value: string, ttlMs?: number): void;
  delete(key: string): void;
}

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; Infinity for none. */
  expires: number;
}

/** An LRU map of at most `maxEntries` keys (the least recently used goes first). */
export class MemoryCache implements CachePlugin {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;
  /** The key at the young end of #entries, when known. */
  #newest: string | undefined;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#max = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#max >= 1)) throw new RangeError(`maxEntries must be at least 1, got ${this.#max}`);
  }

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.delete(key);
      return undefined;
    }
    // Re-inserting moves the key to the young end of the Map's insertion order — unless it is there already (the
    // same key asked again and again, the common case, then costs no Map churn).
    if (key !== this.#newest) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#newest = key;
    }
    return entry.value;
  }

  set(key: string, value: string, ttlMs?: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: ttlMs === undefined ? Infinity : this.#now() + ttlMs });
    this.#newest = key;
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
    if (key === this.#newest) this.#newest = undefined;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * `map`'s value for `key`, made by `make` and kept on first use. A memo for answers that never go stale (they depend
 * on the key alone): when it holds `limit` entries it starts over, so a flood of new keys costs work, not memory.
 */
export function remember<K, V>(map: Map<K, V>, key: K, limit: number, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    if (map.size >= limit) map.clear();
    map.set(key, value);
  }
  return value;
}
