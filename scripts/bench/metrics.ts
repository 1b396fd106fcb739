// Metrics benchmark: time to render 1,000 series with monolite's Registry next to prom-client's (the peer), same
// series and values, in alternating rounds of one run; then the hot-path cost of a label lookup plus an increment.
// Printed as time per render (or per call) and the ratio prom-client/monolite: above 1, monolite is faster. Not a test.
import { requirePeer } from './peers.ts';
import { alternateRounds, median } from './rounds.ts';
import { Registry } from '../../src/lib/prometheus.ts';

/** The part of prom-client's API used here (only scripts/bench installs it). */
interface PromClient {
  Registry: new () => PromRegistry;
  Counter: new (options: PromOptions) => PromMetric;
  Gauge: new (options: PromOptions) => PromMetric;
  Histogram: new (options: PromOptions & { buckets: number[] }) => PromMetric;
}
interface PromOptions {
  name: string;
  help: string;
  labelNames: string[];
  registers: PromRegistry[];
}
interface PromRegistry {
  metrics(): Promise<string>;
}
interface PromSeries {
  inc(value?: number): void;
  set(value: number): void;
  observe(value: number): void;
}
interface PromMetric {
  labels(...values: string[]): PromSeries;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 6;
const ROUND_MS = 400;
const WARMUP_MS = 500;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ROUTES = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? `/api/resource${i}/:id` : `/api/resource${i}`));
const STATUSES = ['200', '201', '304', '400', '404', '500'];
const QUEUES = Array.from({ length: 40 }, (_, i) => `queue_${i}`);
const JOB_STATES = ['pending', 'running', 'failed'];
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * 1,000 samples: a counter of 5 methods × 20 routes × 6 statuses (600), a latency histogram over the 20 routes
 * (20 × 11 buckets, +Inf, _sum, _count = 280) and a gauge of 40 queues × 3 states (120).
 */
const COMBOS: [string, string, string][] = [];
for (const m of METHODS) for (const r of ROUTES) for (const s of STATUSES) COMBOS.push([m, r, s]);

interface Pair {
  monolite: Registry;
  peer: PromRegistry;
  /** The counters, for the label lookup + increment loop. */
  ours: { labels(...values: string[]): { inc(): void } };
  theirs: PromMetric;
}

/** Both registries with the same families, series and values (a fixed pseudo-random sequence). */
function buildRegistries(): Pair {
  const prom = requirePeer<PromClient>('prom-client');
  const monolite = new Registry();
  const peer = new prom.Registry();
  const registers = [peer];
  const help = { requests: 'HTTP requests answered.', latency: 'Request latency in seconds.', depth: 'Jobs by queue and state.' };

  const c1 = monolite.counter({ name: 'http_requests_total', help: help.requests, labelNames: ['method', 'route', 'status'] });
  const c2 = new prom.Counter({ name: 'http_requests_total', help: help.requests, labelNames: ['method', 'route', 'status'], registers });
  const h1 = monolite.histogram({ name: 'http_request_duration_seconds', help: help.latency, labelNames: ['route'], buckets: BUCKETS });
  const h2 = new prom.Histogram({ name: 'http_request_duration_seconds', help: help.latency, labelNames: ['route'], buckets: BUCKETS, registers });
  const g1 = monolite.gauge({ name: 'jobs_queue_depth', help: help.depth, labelNames: ['queue', 'state'] });
  const g2 = new prom.Gauge({ name: 'jobs_queue_depth', help: help.depth, labelNames: ['queue', 'state'], registers });

  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const [m, r, s] of COMBOS) {
    const n = 1 + Math.floor(next() * 10000);
    c1.labels(m, r, s).inc(n);
    c2.labels(m, r, s).inc(n);
  }
  for (const r of ROUTES) {
    for (let i = 0; i < 50; i++) {
      const v = next() * next() * 3;
      h1.labels(r).observe(v);
      h2.labels(r).observe(v);
    }
  }
  for (const q of QUEUES) {
    for (const s of JOB_STATES) {
      const n = Math.floor(next() * 500);
      g1.labels(q, s).set(n);
      g2.labels(q, s).set(n);
    }
  }
  return { monolite, peer, ours: c1, theirs: c2 };
}

/** `name{labels sorted} value` per sample, sorted: the same set means the same series and values. */
function canonical(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`Metrics bench: cannot read the sample line "${line}"`);
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => `${l[1]}=${Number.isNaN(Number(l[2])) ? l[2] : Number(l[2])}`).sort();
    out.push(`${m[1]}{${labels.join(',')}} ${Number(m[3])}`);
  }
  return out.sort();
}

/** Runs `pass` (one render) for about `ms` milliseconds; returns milliseconds per pass. */
async function measure(pass: () => unknown, ms: number): Promise<number> {
  await pass();
  let passes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    await pass();
    passes++;
    elapsed = performance.now() - start;
  }
  return elapsed / passes;
}

/** Runs `calls` label lookups + increments per pass for about `ms` milliseconds; returns nanoseconds per call. */
function measureCalls(pass: () => void, calls: number, ms: number): number {
  pass();
  let passes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 16; i++) pass();
    passes += 16;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1e6) / (passes * calls);
}


const ms = (v: number): string => v.toFixed(3).padStart(9);
const ns = (v: number): string => v.toFixed(1).padStart(9);

/** Alternating rounds of `ours` and `theirs`; prints a row per round and the medians; resolves to the median ratio. */
async function compare(label: string, unit: (v: number) => string, ours: () => Promise<number>, theirs: () => Promise<number>): Promise<number> {
  console.log(`round  monolite ${label}  prom-client ${label}   ratio`);
  const { ours: a, theirs: b } = await alternateRounds(ROUNDS, ours, theirs,
    (round, x, y) => console.log(`${String(round).padStart(5)}      ${unit(x)}         ${unit(y)}    ${(y / x).toFixed(2)}`));
  const ratios = a.map((x, i) => b[i] / x);
  const ratio = median(ratios);
  console.log(`median     ${unit(median(a))}         ${unit(median(b))}    ${ratio.toFixed(2)}`);
  return ratio;
}

/** Runs the benchmark and prints its figures; resolves to the median render ratio prom-client/monolite. */
export async function main(): Promise<number> {
  const pair = buildRegistries();

  // Same series and values, or the comparison means nothing.
  const ours = canonical(pair.monolite.render());
  const theirs = canonical(await pair.peer.metrics());
  if (ours.length !== 1000) throw new Error(`Metrics bench: expected 1000 samples, monolite renders ${ours.length}`);
  const differ = ours.findIndex((line, i) => line !== theirs[i]);
  if (differ !== -1 || ours.length !== theirs.length) {
    throw new Error(`Metrics bench: the registries differ (monolite "${ours[differ]}", prom-client "${theirs[differ]}")`);
  }

  // Each pass ends with the text's UTF-8 bytes, as the response needs them: a string built by concatenation is a
  // rope that V8 only flattens when read, and leaving that out would measure a fraction of the work.
  const renderOurs = () => Buffer.from(pair.monolite.render(), 'utf8');
  const renderPeer = async () => Buffer.from(await pair.peer.metrics(), 'utf8');
  await measure(renderOurs, WARMUP_MS);
  await measure(renderPeer, WARMUP_MS);

  console.log(`metrics: render (+ UTF-8 encode) of ${ours.length} samples (counter 600, histogram 280, gauge 120), ${ROUNDS} rounds of ~${ROUND_MS} ms (node ${process.versions.node})`);
  const renderRatio = await compare('ms/render', ms, () => measure(renderOurs, ROUND_MS), () => measure(renderPeer, ROUND_MS));
  console.log(`metrics: render time prom-client/monolite = ${renderRatio.toFixed(2)} (above 1: monolite renders faster)`);

  // The hot path of the HTTP middleware: find the series for three label values, add one.
  const methods = COMBOS.map((c) => c[0]);
  const routes = COMBOS.map((c) => c[1]);
  const statuses = COMBOS.map((c) => c[2]);
  const incOurs = () => {
    const counter = pair.ours;
    for (let i = 0; i < methods.length; i++) counter.labels(methods[i], routes[i], statuses[i]).inc();
  };
  const incPeer = () => {
    const counter = pair.theirs;
    for (let i = 0; i < methods.length; i++) counter.labels(methods[i], routes[i], statuses[i]).inc();
  };
  measureCalls(incOurs, methods.length, WARMUP_MS);
  measureCalls(incPeer, methods.length, WARMUP_MS);
  console.log('');
  console.log(`metrics: labels(method, route, status).inc() over ${methods.length} series`);
  const incRatio = await compare('ns/call  ', ns, async () => measureCalls(incOurs, methods.length, ROUND_MS), async () => measureCalls(incPeer, methods.length, ROUND_MS));
  console.log(`metrics: label lookup + inc time prom-client/monolite = ${incRatio.toFixed(2)} (above 1: monolite is faster)`);
  return renderRatio;
}

if (import.meta.main) await main();
