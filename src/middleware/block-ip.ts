// Top-K IP blocking, a coarse circuit breaker against floods (restinpieces' BlockIp): while the server takes more
// than an activation rate, an IP that sent more than a share of the last N requests is refused (429) for a while.
//
// Every request is counted into a sliding-window Space-Saving sketch (src/lib/topk.ts); each time the window has
// moved by a step (a tenth of it) the request rate over the window is measured and, above the activation rate,
// every IP whose guaranteed count (a lower bound: never more than it really sent) is strictly above
// window × share is blocked. The allow-list is consulted only when an IP is about to be blocked — a BlockList
// lookup costs more than the whole count — so allowed IPs are counted like any traffic but never blocked.
import { createAddressMatcher } from '../lib/address-list.ts';
import { SlidingTopK } from '../lib/topk.ts';
import { HttpError } from '../http/errors.ts';
import type { Middleware } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';

export type BlockIpConfig = Config['block_ip'];

/** What onBlock hears: the IP, its guaranteed count in the window, that count as a percent of the window. */
export interface BlockEvent {
  ip: string;
  count: number;
  share: number;
  /** Unix ms at which the block ends. */
  until: number;
}

export interface BlockIpOptions {
  /** The current settings; read per request, and a new object (a reload) is picked up on the next request. */
  config: () => BlockIpConfig;
  log: Logger;
  /** Clock in Unix ms (tests inject one). */
  now?: () => number;
  /** Called once per block (metrics, notifier). */
  onBlock?: (event: BlockEvent) => void;
}

/** The middleware plus a reading of how many IPs are blocked now, for a gauge. */
export type BlockIpMiddleware = Middleware<Handler> & { blockedCount(): number };

// upstream's presets: requests in the window, activation rate (requests/s), share of the window (percent).
const PRESETS: Record<string, { window: number; activationRps: number; maxShare: number }> = {
  low: { window: 500, activationRps: 100, maxShare: 50 },
  medium: { window: 1000, activationRps: 500, maxShare: 35 },
  high: { window: 2000, activationRps: 1000, maxShare: 20 },
};

// Counters per sub-window: a sub-window of up to this many requests is counted exactly (every preset is); longer
// ones miss at most window/MAX_CAPACITY requests of an IP's count, which can only delay a block, never cause one.
const MAX_CAPACITY = 512;
// Blocked IPs remembered at once; past it the oldest block is dropped, so a spread-out attack cannot grow memory.
const MAX_BLOCKED = 4096;

/** Blocks IPs that send more than their share of recent traffic while the traffic is high. */
export function blockIp(options: BlockIpOptions): BlockIpMiddleware {
  const { config, log, onBlock } = options;
  const now = options.now ?? Date.now;
  // Unix ms at which each blocked IP is let through again; insertion order is block order.
  const blocked = new Map<string, number>();

  let current: BlockIpConfig | undefined;
  let allowed: (ip: string) => boolean = () => false;
  let window = 0;
  let activationRps = 0;
  let maxShare = 0;
  let sketch: SlidingTopK | undefined;
  // Times at which the last subWindows + 1 sub-windows ended (slot 0 starts as the first request's time), so the
  // rate over the window is its requests over the time since the sub-window before its oldest one ended.
  let stepTimes = new Float64Array(1);
  let steps = -1;

  function configure(c: BlockIpConfig): void {
    // A reload replaces the whole config; the allow-list is rebuilt (and the blocked set swept) only if it changed.
    if (current === undefined || !sameList(current.allow, c.allow)) {
      allowed = createAddressMatcher(c.allow, 'block_ip.allow');
      for (const ip of blocked.keys()) if (allowed(ip)) blocked.delete(ip);
    }
    current = c;
    const preset = PRESETS[c.level] ?? { window: c.window, activationRps: c.activation_rps, maxShare: c.max_share };
    activationRps = preset.activationRps;
    maxShare = preset.maxShare;
    if (sketch === undefined || preset.window !== window) {
      window = preset.window;
      sketch = new SlidingTopK({ window, capacity: Math.min(Math.ceil(window / 10), MAX_CAPACITY) });
      stepTimes = new Float64Array(sketch.subWindows + 1);
      steps = -1;
    }
  }

  /** A sub-window just filled: measure the rate and block the heavy hitters. */
  function review(s: SlidingTopK): void {
    const t = now();
    steps++;
    const ring = stepTimes.length;
    stepTimes[steps % ring] = t;
    const since = stepTimes[Math.max(steps - s.subWindows, 0) % ring];
    const rps = (s.total * 1000) / Math.max(t - since, 1);
    if (rps < activationRps) return;
    const threshold = (s.window * maxShare) / 100;
    for (const hitter of s.heavyHitters(threshold)) {
      if (blocked.has(hitter.key) || allowed(hitter.key)) continue;
      block(hitter.key, hitter.guaranteed, (hitter.guaranteed * 100) / s.window, t);
    }
  }

  function block(ip: string, count: number, share: number, t: number): void {
    const until = t + (current as BlockIpConfig).block_for;
    if (blocked.size >= MAX_BLOCKED) {
      pruneExpired(t);
      if (blocked.size >= MAX_BLOCKED) blocked.delete(blocked.keys().next().value as string);
    }
    blocked.set(ip, until);
    share = Math.round(share * 10) / 10;
    log.warn('Blocked an IP', { ip, count, share, until: new Date(until).toISOString() });
    onBlock?.({ ip, count, share, until });
  }

  /** Drops ended blocks from the front (the oldest); stops at the first live one. */
  function pruneExpired(t: number): void {
    for (const [ip, until] of blocked) {
      if (until > t) break;
      blocked.delete(ip);
    }
  }

  const middleware = (next: Handler): Handler => (ctx) => {
    const c = config();
    if (!c.enabled) return next(ctx);
    if (c !== current) configure(c);
    const ip = ctx.ip;
    if (blocked.size !== 0) {
      const until = blocked.get(ip);
      if (until !== undefined) {
        const t = now();
        if (t < until) {
          // Refused requests are not counted: the IP's share falls while it waits.
          const seconds = Math.max(1, Math.ceil((until - t) / 1000));
          throw new HttpError(429, 'ip_blocked', 'Too many requests from this address; retry later', { headers: { 'retry-after': String(seconds) } });
        }
        blocked.delete(ip);
      }
    }
    const s = sketch as SlidingTopK;
    if (steps === -1) {
      stepTimes[0] = now();
      steps = 0;
    }
    if (s.add(ip)) review(s);
    return next(ctx);
  };

  return Object.assign(middleware, {
    blockedCount(): number {
      const t = now();
      pruneExpired(t);
      // After a reload shortened block_for, an ended block can sit behind a live one: count only the live ones.
      let n = 0;
      for (const until of blocked.values()) if (until > t) n++;
      return n;
    },
  });
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
