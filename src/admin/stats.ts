// Admin API, live stats: GET /stats (one sample, JSON) and GET /stats/stream (Server-Sent Events, one `stats` event
// per second). A sample holds the requests of the last whole second (rate, latency p50/p95/p99, status classes),
// open connections, blocked IPs, jobs waiting, event-loop lag and memory.
//
// One feed serves every open stream: a single timer samples once per second and runs only while a stream is open, as
// does its event-loop delay monitor (its own: the one of src/metrics/process.ts is reset by every Prometheus scrape).
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import type { RouteGroup } from '../lib/router.ts';
import type { WindowSnapshot } from '../lib/request-window.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { checkQueryNames } from './params.ts';
import { EventStream } from './sse.ts';

/** Where a sample's numbers come from (app.ts wires them). */
export interface StatsSources {
  /** The request pipeline's window (src/lib/request-window.ts, fed by the metrics middleware). */
  requests: { lastSecond(): WindowSnapshot };
  /** Client connections open now. */
  connections: () => number;
  /** IPs blocked right now. */
  blockedIps: () => number;
  /** Jobs waiting for a run. */
  queueDepth: () => number;
}

// One event a second; a heartbeat comment every 15 s keeps proxies from closing a quiet stream; clients reconnect
// after 3 s.
const INTERVAL_MS = 1000;
const HEARTBEAT_MS = 15_000;
const RETRY_MS = 3000;

export interface StatsSample {
  time: string;
  requests_per_second: number;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  connections: number;
  blocked_ips: number;
  queue_depth: number;
  /** How late the event loop ran timers over the last interval: the mean and the worst, in ms. */
  event_loop_lag_ms: { mean: number; max: number };
  memory: { rss: number; heap_used: number; heap_total: number; external: number };
  /** Stats streams open now. */
  streams: number;
}

/** The monitor's sampling period; what it records includes it, so it is subtracted. */
const LAG_RESOLUTION_MS = 20;

/** Registers /stats and /stats/stream on the admin group; `close()` ends every open stream (server shutdown). */
export function registerStatsRoutes(admin: RouteGroup<Handler>, sources: StatsSources): { close(): void } {
  const streams = new Set<EventStream>();
  let timer: NodeJS.Timeout | undefined;
  let monitor: ELDHistogram | undefined;
  let closed = false;
  // What the feed measured last, for the first event of a stream that joins it.
  let lastLag = { mean: 0, max: 0 };

  const sample = (lag: { mean: number; max: number }): StatsSample => {
    const window = sources.requests.lastSecond();
    const memory = process.memoryUsage();
    const [, , c2, c3, c4, c5] = window.statusClasses;
    return {
      time: new Date().toISOString(),
      requests_per_second: window.requests,
      latency_ms: { p50: window.p50Ms, p95: window.p95Ms, p99: window.p99Ms },
      status: { '2xx': c2, '3xx': c3, '4xx': c4, '5xx': c5 },
      connections: sources.connections(),
      blocked_ips: sources.blockedIps(),
      queue_depth: sources.queueDepth(),
      event_loop_lag_ms: lag,
      memory: { rss: memory.rss, heap_used: memory.heapUsed, heap_total: memory.heapTotal, external: memory.external },
      streams: streams.size,
    };
  };

  /** The lag the monitor saw since the last reading (zero before its first sample). */
  const monitoredLag = (): { mean: number; max: number } => {
    if (monitor === undefined || monitor.count === 0) return { mean: 0, max: 0 };
    const lag = { mean: toLagMs(monitor.mean), max: toLagMs(monitor.max) };
    monitor.reset();
    return lag;
  };

  const tick = (): void => {
    lastLag = monitoredLag();
    const next = sample(lastLag);
    for (const stream of streams) stream.send('stats', next);
  };

  const start = (): void => {
    monitor = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    monitor.enable();
    timer = setInterval(tick, INTERVAL_MS);
    // Never what keeps a process alive: close() or the last stream's end clears it anyway.
    timer.unref();
  };

  const stop = (): void => {
    clearInterval(timer);
    timer = undefined;
    lastLag = { mean: 0, max: 0 };
    monitor?.disable();
    monitor = undefined;
  };

  admin.get('/stats', async (ctx) => {
    checkQueryNames(ctx, []);
    // Without a running feed, the lag is how late one turn of the event loop comes now.
    const lag = timer !== undefined ? lastLag : await measureLag();
    ctx.json(200, sample(lag));
  });

  admin.get('/stats/stream', (ctx) => {
    checkQueryNames(ctx, []);
    if (closed) throw new HttpError(503, 'shutting_down', 'The server is shutting down');
    if (ctx.method === 'HEAD') {
      // The head alone: a stream opened for it would never end.
      ctx.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
      ctx.res.end();
      return;
    }
    const stream = new EventStream(ctx, { retryMs: RETRY_MS, heartbeatMs: HEARTBEAT_MS });
    streams.add(stream);
    if (timer === undefined) start();
    stream.onClose(() => {
      streams.delete(stream);
      if (streams.size === 0) stop();
    });
    // The first event at once, so that a dashboard has numbers before the first interval has passed.
    stream.send('stats', sample(lastLag));
    // The handler returns now: the stream lives on, and the request's duration (metrics, request log) is its setup.
  });

  return {
    close() {
      closed = true;
      for (const stream of [...streams]) stream.close();
      stop();
    },
  };
}

function toLagMs(ns: number): number {
  return Math.max(0, Math.round((ns / 1e6 - LAG_RESOLUTION_MS) * 1000) / 1000);
}

/** How long a setImmediate callback waits now, in ms: one sample of the event loop's lag. */
function measureLag(): Promise<{ mean: number; max: number }> {
  const start = performance.now();
  return new Promise((resolve) => setImmediate(() => {
    const ms = Math.round((performance.now() - start) * 1000) / 1000;
    resolve({ mean: ms, max: ms });
  }));
}
