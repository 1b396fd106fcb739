// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text exposition format 0.0.4.
// Every series caches its rendered name-and-labels text when it is created, so render() only formats numbers.

/** The Content-Type of render()'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Upper bounds (seconds) that suit HTTP request latency: 5 ms to 10 s. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** A label value; numbers (status codes) are rendered as `String(n)`. */
export type LabelValue = string | number;

export interface MetricOptions {
  /** Matches `[a-zA-Z_:][a-zA-Z0-9_:]*`; unique in its registry. */
  name: string;
  /** One line (or more) on what is measured; required. */
  help: string;
  /** Label names, each matching `[a-zA-Z_][a-zA-Z0-9_]*` and not starting with `__`. */
  labelNames?: readonly string[];
}

export interface CounterOptions extends MetricOptions {
  /** Runs at every render, before anything is written: for totals read from elsewhere on demand. */
  collect?: (counter: Counter) => void;
}

export interface GaugeOptions extends MetricOptions {
  /** Runs at every render, before anything is written: for values read on demand (memory, queue depth). */
  collect?: (gauge: Gauge) => void;
}

export interface HistogramOptions extends MetricOptions {
  /** Finite, strictly increasing upper bounds; `+Inf` is always added. DEFAULT_BUCKETS when absent. */
  buckets?: readonly number[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_ESCAPES = /[\\"\n]/g;
const HELP_ESCAPES = /[\\\n]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n' };

/** A number as the exposition format writes it: integers plainly, shortest round-trip otherwise, +Inf/-Inf/NaN. */
function formatValue(v: number): string {
  if (v === v && v !== Infinity && v !== -Infinity) return '' + v;
  return v !== v ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

function escapeLabelValue(value: string): string {
  // Lone surrogates have no UTF-8 form; make them U+FFFD here so what is scraped round-trips.
  const text = value.isWellFormed() ? value : value.toWellFormed();
  return text.replace(LABEL_ESCAPES, (c) => ESCAPED[c]);
}

/** One series of a family: its label values and the rendered `name{labels}` text in front of its value. */
abstract class Series {
  readonly labelValues: readonly string[];

  constructor(labelValues: readonly string[]) {
    this.labelValues = labelValues;
  }
}

export class CounterSeries extends Series {
  /** `name{labels} `, ready to be followed by the value. */
  readonly prefix: string;
  #value = 0;

  constructor(labelValues: readonly string[], prefix: string) {
    super(labelValues);
    this.prefix = prefix;
  }

  /** Adds `amount` (default 1); throws a RangeError when it is negative or NaN, since counters only go up. */
  inc(amount = 1): void {
    if (!(amount >= 0)) throw new RangeError(`Counter increment must be zero or more, got ${amount}`);
    this.#value += amount;
  }

  get(): number {
    return this.#value;
  }
}

export class GaugeSeries extends Series {
  readonly prefix: string;
  #value = 0;

  constructor(labelValues: readonly string[], prefix: string) {
    super(labelValues);
    this.prefix = prefix;
  }

  set(value: number): void {
    this.#value = value;
  }

  inc(amount = 1): void {
    this.#value += amount;
  }

  dec(amount = 1): void {
    this.#value -= amount;
  }

  get(): number {
    return this.#value;
  }
}

export class HistogramSeries extends Series {
  /** `name_bucket{labels,le="…"} ` per bound, then the `+Inf` one. */
  readonly bucketPrefixes: readonly string[];
  readonly sumPrefix: string;
  readonly countPrefix: string;
  readonly #bounds: Float64Array;
  /** Observations per bucket (not cumulative); the last is the `+Inf` bucket's own share. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(labelValues: readonly string[], bounds: Float64Array, bucketPrefixes: string[], sumPrefix: string, countPrefix: string) {
    super(labelValues);
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
    this.bucketPrefixes = bucketPrefixes;
    this.sumPrefix = sumPrefix;
    this.countPrefix = countPrefix;
  }

  /** Records one observation (seconds, bytes…); NaN lands only in the `+Inf` bucket, as in the Go client. */
  observe(value: number): void {
    const bounds = this.#bounds;
    const n = bounds.length;
    let i = 0;
    // `!(v <= b)`, not `v > b`: a NaN must walk past every finite bound.
    while (i < n && !(value <= bounds[i])) i++;
    this.#counts[i]++;
    this.#sum += value;
    this.#count++;
  }

  /** The cumulative count of each bucket (the last is `+Inf`), the sum and the count. */
  get(): { buckets: number[]; sum: number; count: number } {
    const buckets: number[] = [];
    let total = 0;
    for (const c of this.#counts) buckets.push((total += c));
    return { buckets, sum: this.#sum, count: this.#count };
  }

  render(out: string): string {
    const counts = this.#counts;
    const prefixes = this.bucketPrefixes;
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      total += counts[i];
      out += prefixes[i] + total + '\n';
    }
    return out + this.sumPrefix + formatValue(this.#sum) + '\n' + this.countPrefix + this.#count + '\n';
  }
}

type LabelIndex<S> = Map<string, LabelIndex<S> | S>;

/** What the three kinds share: validation, the cached label children, the header lines. */
/** A family's header and one `name{labels} value` line per series: what counters and gauges render. */
function renderScalars(out: string, header: string, series: readonly { prefix: string; get(): number }[]): string {
  out += header;
  for (let i = 0; i < series.length; i++) out += series[i].prefix + formatValue(series[i].get()) + '\n';
  return out;
}

abstract class Family<S extends Series> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Every series, in creation order (the order they are rendered in). */
  readonly series: S[] = [];
  /** `# HELP …\n# TYPE …\n`. */
  readonly header: string;
  /** Label values → series, one nested Map per label: lookups build no key strings. */
  readonly #index: LabelIndex<S> = new Map();
  /** The series of a family without labels (created up front, so it renders as 0 before its first update). */
  #only: S | undefined;

  constructor(type: string, options: MetricOptions, reservedLabels: readonly string[]) {
    const { name, help } = options;
    const labelNames = [...(options.labelNames ?? [])];
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
      throw new TypeError(`Invalid metric name "${name}": expected letters, digits, "_" and ":", not starting with a digit`);
    }
    if (typeof help !== 'string' || help.trim() === '') throw new TypeError(`Metric "${name}" needs a help text`);
    const seen = new Set<string>();
    for (const label of labelNames) {
      if (typeof label !== 'string' || !LABEL_NAME.test(label)) {
        throw new TypeError(`Invalid label name "${label}" for metric "${name}": expected letters, digits and "_", not starting with a digit`);
      }
      if (label.startsWith('__')) throw new TypeError(`Invalid label name "${label}" for metric "${name}": names starting with "__" are reserved`);
      if (reservedLabels.includes(label)) throw new TypeError(`Invalid label name "${label}" for ${type} "${name}": "${label}" is reserved`);
      if (seen.has(label)) throw new TypeError(`Duplicate label name "${label}" for metric "${name}"`);
      seen.add(label);
    }
    this.name = name;
    this.help = help;
    this.labelNames = Object.freeze(labelNames);
    this.header = `# HELP ${name} ${help.replace(HELP_ESCAPES, (c) => ESCAPED[c])}\n# TYPE ${name} ${type}\n`;
  }

  /** Ends a subclass's constructor (makeSeries may need its fields): creates the series of a family without labels. */
  protected ready(): void {
    if (this.labelNames.length === 0) this.#only = this.#create([]);
  }

  /** The series for these label values (one per label name, in order), created on first use and cached. */
  labels(...values: LabelValue[]): S {
    const n = values.length;
    if (n !== this.labelNames.length) throw this.#arityError(n);
    if (n === 0) return this.#only!;
    let node = this.#index;
    for (let i = 0; i < n - 1; i++) {
      const v = values[i];
      const next = node.get(typeof v === 'string' ? v : String(v)) as LabelIndex<S> | undefined;
      if (next === undefined) return this.#create(values);
      node = next;
    }
    const v = values[n - 1];
    return (node.get(typeof v === 'string' ? v : String(v)) as S | undefined) ?? this.#create(values);
  }

  /** The series of a family without labels; a TypeError for a family with labels. */
  protected only(): S {
    if (this.#only === undefined) throw new TypeError(`Metric "${this.name}" has labels (${this.labelNames.join(', ')}): use labels(…) first`);
    return this.#only;
  }

  /** `out` followed by this family's exposition: the header, then every series. */
  abstract render(out: string): string;

  protected abstract makeSeries(values: string[], labelText: string): S;

  #create(raw: readonly LabelValue[]): S {
    const values = raw.map((v) => (typeof v === 'string' ? v : String(v)));
    let labelText = '';
    for (let i = 0; i < values.length; i++) {
      labelText += `${i === 0 ? '' : ','}${this.labelNames[i]}="${escapeLabelValue(values[i])}"`;
    }
    const series = this.makeSeries(values, labelText);
    this.series.push(series);
    if (values.length > 0) {
      let node = this.#index;
      for (let i = 0; i < values.length - 1; i++) {
        let next = node.get(values[i]) as LabelIndex<S> | undefined;
        if (next === undefined) node.set(values[i], (next = new Map()));
        node = next;
      }
      node.set(values[values.length - 1], series);
    }
    return series;
  }

  #arityError(n: number): TypeError {
    const names = this.labelNames.length === 0 ? 'no labels' : `${this.labelNames.length} (${this.labelNames.join(', ')})`;
    return new TypeError(`Metric "${this.name}" takes ${names}, got ${n} label value${n === 1 ? '' : 's'}`);
  }
}

export class Counter extends Family<CounterSeries> {
  readonly collect: ((counter: Counter) => void) | undefined;

  constructor(options: CounterOptions) {
    super('counter', options, []);
    this.collect = options.collect;
    this.ready();
  }

  /** Adds `amount` (default 1) to the counter without labels. */
  inc(amount = 1): void {
    this.only().inc(amount);
  }

  get(): number {
    return this.only().get();
  }

  render(out: string): string {
    return renderScalars(out, this.header, this.series);
  }

  protected makeSeries(values: string[], labelText: string): CounterSeries {
    return new CounterSeries(values, labelText === '' ? this.name + ' ' : `${this.name}{${labelText}} `);
  }
}

export class Gauge extends Family<GaugeSeries> {
  readonly collect: ((gauge: Gauge) => void) | undefined;

  constructor(options: GaugeOptions) {
    super('gauge', options, []);
    this.collect = options.collect;
    this.ready();
  }

  set(value: number): void {
    this.only().set(value);
  }

  inc(amount = 1): void {
    this.only().inc(amount);
  }

  dec(amount = 1): void {
    this.only().dec(amount);
  }

  get(): number {
    return this.only().get();
  }

  render(out: string): string {
    return renderScalars(out, this.header, this.series);
  }

  protected makeSeries(values: string[], labelText: string): GaugeSeries {
    return new GaugeSeries(values, labelText === '' ? this.name + ' ' : `${this.name}{${labelText}} `);
  }
}

export class Histogram extends Family<HistogramSeries> {
  /** The finite upper bounds (`+Inf` is implied). */
  readonly buckets: readonly number[];
  readonly #bounds: Float64Array;
  /** The `le` label values, `+Inf` last. */
  readonly #les: string[];

  constructor(options: HistogramOptions) {
    super('histogram', options, ['le']);
    const buckets = checkBuckets(options);
    this.buckets = Object.freeze(buckets);
    this.#bounds = new Float64Array(buckets);
    this.#les = buckets.map(formatValue);
    this.#les.push('+Inf');
    this.ready();
  }

  observe(value: number): void {
    this.only().observe(value);
  }

  get(): { buckets: number[]; sum: number; count: number } {
    return this.only().get();
  }

  render(out: string): string {
    out += this.header;
    const series = this.series;
    for (let i = 0; i < series.length; i++) out = series[i].render(out);
    return out;
  }

  protected makeSeries(values: string[], labelText: string): HistogramSeries {
    const sep = labelText === '' ? '' : ',';
    const bucketPrefixes = this.#les.map((le) => `${this.name}_bucket{${labelText}${sep}le="${le}"} `);
    const suffix = labelText === '' ? ' ' : `{${labelText}} `;
    return new HistogramSeries(values, this.#bounds, bucketPrefixes, `${this.name}_sum${suffix}`, `${this.name}_count${suffix}`);
  }
}

function checkBuckets(options: HistogramOptions): number[] {
  const given = options.buckets ?? DEFAULT_BUCKETS;
  const buckets = given[given.length - 1] === Infinity ? given.slice(0, -1) : [...given];
  if (buckets.length === 0) throw new TypeError(`Histogram "${options.name}" needs at least one finite bucket`);
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new TypeError(`Histogram "${options.name}": bucket "${b}" is not a finite number`);
    if (i > 0 && !(b > buckets[i - 1])) {
      throw new TypeError(`Histogram "${options.name}": buckets must be strictly increasing, got "${b}" after "${buckets[i - 1]}"`);
    }
  }
  return buckets;
}

type AnyFamily = Counter | Gauge | Histogram;

/** A set of metric families, rendered together in registration order. */
export class Registry {
  readonly #families: AnyFamily[] = [];
  /** Every sample name in use (a histogram takes `_bucket`, `_sum` and `_count` too), to refuse clashes. */
  readonly #names = new Set<string>();

  counter(options: CounterOptions): Counter {
    return this.#add(new Counter(options), [options.name]);
  }

  gauge(options: GaugeOptions): Gauge {
    return this.#add(new Gauge(options), [options.name]);
  }

  histogram(options: HistogramOptions): Histogram {
    const n = options.name;
    return this.#add(new Histogram(options), [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]);
  }

  /** Runs every collect callback, then renders every family in the text exposition format 0.0.4. */
  render(): string {
    const families = this.#families;
    for (let i = 0; i < families.length; i++) {
      const f = families[i];
      if (f instanceof Counter) f.collect?.(f);
      else if (f instanceof Gauge) f.collect?.(f);
    }
    let out = '';
    for (let i = 0; i < families.length; i++) out = families[i].render(out);
    return out;
  }

  #add<F extends AnyFamily>(family: F, names: string[]): F {
    for (const name of names) {
      if (this.#names.has(name)) throw new Error(`Metric "${family.name}" clashes with a metric already registered (sample name "${name}")`);
    }
    for (const name of names) this.#names.add(name);
    this.#families.push(family);
    return family;
  }
}
