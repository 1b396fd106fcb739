// The process_* and nodejs_* basics every exporter has, under prom-client's names so existing dashboards work:
// memory, CPU seconds, start time, file descriptors, heap, event-loop lag, the Node.js version. Read at render time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry } from '../lib/prometheus.ts';

const FD_DIR = '/proc/self/fd';

/** Registers the process metrics on `registry`; the returned function stops the event-loop delay monitor. */
export function registerProcessMetrics(registry: Registry): () => void {
  registry.gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    collect: (g) => g.set(process.memoryUsage.rss()),
  });

  // The counters grow by the CPU time used since the previous render; the first render adds all of it since start.
  let lastCpu = { user: 0, system: 0 };
  const cpuUser = registry.counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    collect: () => {
      const now = process.cpuUsage();
      const user = Math.max(0, now.user - lastCpu.user);
      const system = Math.max(0, now.system - lastCpu.system);
      lastCpu = now;
      cpuUser.inc(user / 1e6);
      cpuSystem.inc(system / 1e6);
      cpuTotal.inc((user + system) / 1e6);
    },
  });
  const cpuSystem = registry.counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.' });
  const cpuTotal = registry.counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.' });

  // performance.timeOrigin is when this process started, in Unix milliseconds.
  registry.gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.' })
    .set(Math.round(performance.timeOrigin) / 1000);

  if (existsSync(FD_DIR)) {
    registry.gauge({
      name: 'process_open_fds',
      help: 'Number of open file descriptors.',
      // Minus the descriptor readdirSync itself had open while listing.
      collect: (g) => g.set(readdirSync(FD_DIR).length - 1),
    });
  }
  const maxFds = readMaxFds();
  if (maxFds !== undefined) {
    registry.gauge({ name: 'process_max_fds', help: 'Maximum number of open file descriptors.' }).set(maxFds);
  }

  const heapTotal = registry.gauge({
    name: 'nodejs_heap_size_total_bytes',
    help: 'Process heap size from Node.js in bytes.',
    collect: () => {
      const usage = process.memoryUsage();
      heapTotal.set(usage.heapTotal);
      heapUsed.set(usage.heapUsed);
      external.set(usage.external);
    },
  });
  const heapUsed = registry.gauge({ name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.' });
  const external = registry.gauge({ name: 'nodejs_external_memory_bytes', help: 'Node.js external memory size in bytes.' });

  const stopLag = registerEventLoopLag(registry);

  const [major, minor, patch] = process.versions.node.split('.');
  registry.gauge({ name: 'nodejs_version_info', help: 'Node.js version info.', labelNames: ['version', 'major', 'minor', 'patch'] })
    .labels(process.version, major, minor, patch)
    .set(1);

  return stopLag;
}

/**
 * nodejs_eventloop_lag_seconds as prom-client measures it — how late a setImmediate scheduled at render runs, so
 * each render shows what the previous one measured — plus the delay statistics of perf_hooks' monitor since the
 * previous render (the monitor is reset at each render).
 */
function registerEventLoopLag(registry: Registry): () => void {
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  let running = true;
  let lastLag = 0;
  const measure = (start: bigint) => {
    lastLag = Number(process.hrtime.bigint() - start) / 1e9;
  };

  const stats = {
    min: registry.gauge({ name: 'nodejs_eventloop_lag_min_seconds', help: 'The minimum recorded event loop delay.' }),
    max: registry.gauge({ name: 'nodejs_eventloop_lag_max_seconds', help: 'The maximum recorded event loop delay.' }),
    mean: registry.gauge({ name: 'nodejs_eventloop_lag_mean_seconds', help: 'The mean of the recorded event loop delays.' }),
    stddev: registry.gauge({ name: 'nodejs_eventloop_lag_stddev_seconds', help: 'The standard deviation of the recorded event loop delays.' }),
    p50: registry.gauge({ name: 'nodejs_eventloop_lag_p50_seconds', help: 'The 50th percentile of the recorded event loop delays.' }),
    p90: registry.gauge({ name: 'nodejs_eventloop_lag_p90_seconds', help: 'The 90th percentile of the recorded event loop delays.' }),
    p99: registry.gauge({ name: 'nodejs_eventloop_lag_p99_seconds', help: 'The 99th percentile of the recorded event loop delays.' }),
  };
  // Every collect runs before anything is rendered, so this one can set the statistics registered above.
  registry.gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    collect: (lag) => {
      lag.set(lastLag);
      if (running) setImmediate(measure, process.hrtime.bigint());
      // With no sample since the last reset, min and max hold sentinels and mean is NaN: keep the previous values.
      if (monitor.count > 0) {
        stats.min.set(monitor.min / 1e9);
        stats.max.set(monitor.max / 1e9);
        stats.mean.set(monitor.mean / 1e9);
        stats.stddev.set(monitor.stddev / 1e9);
        stats.p50.set(monitor.percentile(50) / 1e9);
        stats.p90.set(monitor.percentile(90) / 1e9);
        stats.p99.set(monitor.percentile(99) / 1e9);
      }
      monitor.reset();
    },
  });

  return () => {
    running = false;
    monitor.disable();
  };
}

/** The soft limit on open files from /proc/self/limits; undefined without /proc or when unlimited. */
function readMaxFds(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+)/m.exec(text);
  return m === null ? undefined : Number(m[1]);
}
