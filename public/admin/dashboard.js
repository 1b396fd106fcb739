// The dashboard view: tiles and three live charts (requests/s, latency p50/p95/p99, status classes) fed by the stats
// stream GET /api/admin/stats/stream, read with fetch so that it carries the session token, kept to the last 120
// samples. The stream runs only while the view is shown; it reconnects after the server's retry delay and stops for
// good on a 401 or 403 (the console then asks to sign in).
import { MonoliteError } from '../sdk/monolite.js';
import { ml } from '../js/ui.js';
import { followEventStream } from './event-stream.js';
import { LineChart } from './line-chart.js';
import { clear, report } from './elements.js';
import { formatBytes, formatMs, formatNumber } from './format.js';

const STREAM = '/api/admin/stats/stream';
const CAPACITY = 120;

/** The dashboard of `section` (#view-dashboard): show() starts the stream, hide() stops it. */
export function createDashboard(section) {
  const state = section.querySelector('#stream-state');
  const tiles = Object.fromEntries([...section.querySelectorAll('[data-tile]')].map((dd) => [dd.getAttribute('data-tile'), dd]));
  /** The samples received, oldest first. */
  const samples = [];
  const charts = [
    {
      chart: new LineChart(section.querySelector('#chart-requests'), {
        title: 'Requests per second', series: [{ key: 'rps', label: 'requests/s' }], format: formatNumber, capacity: CAPACITY,
      }),
      pick: (s) => [s.requests_per_second],
    },
    {
      chart: new LineChart(section.querySelector('#chart-latency'), {
        title: 'Latency', capacity: CAPACITY, format: formatMs,
        series: [{ key: 'p50', label: 'p50' }, { key: 'p95', label: 'p95' }, { key: 'p99', label: 'p99' }],
      }),
      pick: (s) => [s.latency_ms?.p50 ?? null, s.latency_ms?.p95 ?? null, s.latency_ms?.p99 ?? null],
    },
    {
      chart: new LineChart(section.querySelector('#chart-status'), {
        title: 'Responses by status class, per second', capacity: CAPACITY, format: formatNumber,
        series: ['2xx', '3xx', '4xx', '5xx'].map((key) => ({ key, label: key })),
      }),
      pick: (s) => ['2xx', '3xx', '4xx', '5xx'].map((key) => s.status?.[key] ?? 0),
    },
  ];
  let controller = null;

  const render = () => {
    const latest = samples[samples.length - 1];
    tiles.connections.textContent = formatNumber(latest.connections);
    tiles.blocked_ips.textContent = formatNumber(latest.blocked_ips);
    tiles.queue_depth.textContent = formatNumber(latest.queue_depth);
    tiles.lag.textContent = `${formatMs(latest.event_loop_lag_ms?.mean)} mean, ${formatMs(latest.event_loop_lag_ms?.max)} max`;
    tiles.rss.textContent = formatBytes(latest.memory?.rss);
    tiles.heap.textContent = `${formatBytes(latest.memory?.heap_used)} / ${formatBytes(latest.memory?.heap_total)}`;
    for (const { chart, pick } of charts) {
      const rows = samples.map(pick);
      chart.draw(rows[0].map((_, i) => rows.map((r) => r[i])));
    }
    section.setAttribute('data-samples', String(samples.length));
  };

  const onEvent = (event) => {
    if (event.type !== 'stats') return;
    let sample;
    try {
      sample = JSON.parse(event.data);
    } catch {
      return; // one unreadable event is skipped; the next second brings another
    }
    samples.push(sample);
    if (samples.length > CAPACITY) samples.splice(0, samples.length - CAPACITY);
    render();
  };

  const run = async (signal) => {
    clear(section);
    state.textContent = 'Connecting to the stats stream…';
    const stopped = await followEventStream({
      open: (headers, signal) => ml.request('GET', STREAM, { headers, signal }), signal, onEvent,
      onOpen: () => {
        clear(section);
        state.textContent = 'Live: a new sample every second.';
      },
      onDisconnect: (err, delayMs) => {
        state.textContent = `The stats stream was interrupted (${err?.message ?? 'no reason given'}); reconnecting in ${Math.max(1, Math.round(delayMs / 1000))} s.`;
      },
      // An answer that another try would get again (no session, no admin scope) stops the stream; 429 passes.
      shouldRetry: (err) => !(err instanceof MonoliteError && err.status >= 400 && err.status < 500 && err.status !== 429),
    });
    if (stopped === undefined || signal.aborted) return;
    state.textContent = 'The stats stream stopped.';
    report(section, stopped);
  };

  return {
    show() {
      if (controller !== null) return;
      controller = new AbortController();
      run(controller.signal);
    },
    hide() {
      controller?.abort();
      controller = null;
      state.textContent = '';
    },
  };
}
