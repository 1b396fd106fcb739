// src/lib/prometheus.ts: exact exposition text for small registries, escaping, number formatting, validation and
// cached label children; then the ground truth — `promtool check metrics` over a registry of every kind plus the
// process metrics — and our own checks of what promtool does not look at (bucket order and totals, one HELP/TYPE
// per family, families not interleaved, label values that round-trip).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { assertPromtoolPasses, havePromtool } from '../support/promtool.ts';
import { Registry, PROMETHEUS_CONTENT_TYPE, DEFAULT_BUCKETS } from '../../src/lib/prometheus.ts';
import { registerProcessMetrics } from '../../src/metrics/process.ts';

// --------------------------------------------------------------------------------------------- ground truth ---



// ------------------------------------------------------------------------------ a parser, and our own checks ---

interface Sample {
  name: string;
  labels: [string, string][];
  value: number;
  line: number;
}

interface Exposition {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
  /** Everything wrong with the text; empty when it passes. */
  problems: string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseNumber(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new SyntaxError(`"${text}" is not a number`);
  return Number(text);
}

/** Reads a label value after its opening quote; returns the value and the index after the closing quote. */
function readQuoted(text: string, start: number): [string, number] {
  let out = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const e = text[++i];
      if (e === '\\') out += '\\';
      else if (e === '"') out += '"';
      else if (e === 'n') out += '\n';
      else throw new SyntaxError(`invalid escape "\\${e}"`);
    } else out += c;
  }
  throw new SyntaxError('unterminated label value');
}

function parseSample(text: string, line: number): Sample {
  const name = NAME.exec(text)?.[0];
  if (name === undefined) throw new SyntaxError('no metric name');
  let i = name.length;
  const labels: [string, string][] = [];
  if (text[i] === '{') {
    i++;
    while (text[i] !== '}') {
      const label = LABEL.exec(text.slice(i))?.[0];
      if (label === undefined) throw new SyntaxError(`bad label name at column ${i + 1}`);
      i += label.length;
      if (text.slice(i, i + 2) !== '="') throw new SyntaxError(`expected =" after label ${label}`);
      const [value, next] = readQuoted(text, i + 2);
      labels.push([label, value]);
      i = next;
      if (text[i] === ',') i++;
      else if (text[i] !== '}') throw new SyntaxError(`expected , or } at column ${i + 1}`);
    }
    i++;
  }
  if (text[i] !== ' ') throw new SyntaxError(`expected a space before the value at column ${i + 1}`);
  const parts = text.slice(i + 1).split(' ');
  if (parts.length > 2) throw new SyntaxError('trailing text after the value');
  return { name, labels, value: parseNumber(parts[0]), line };
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(.)/g, (m, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : m));
}

/** The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` belong to the histogram. */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (types.get(base) === 'histogram') return base;
    }
  }
  return name;
}

const labelKey = (labels: [string, string][]): string => JSON.stringify(labels.filter(([n]) => n !== 'le'));

/** Parses an exposition and checks what promtool does not. */
function checkExposition(text: string): Exposition {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  const problems: string[] = [];
  const closed = new Set<string>();
  const seenSeries = new Set<string>();
  let current = '';
  const enter = (family: string, line: number) => {
    if (family === current) return;
    if (closed.has(family)) problems.push(`line ${line}: family ${family} appears again after other families (interleaved)`);
    if (current !== '') closed.add(current);
    current = family;
  };
  const lines = text.split('\n');
  if (lines.pop() !== '') problems.push('the text does not end with a newline');
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw === '') return problems.push(`line ${line}: empty line`);
    const meta = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(raw);
    if (meta !== null) {
      const [, kind, name, rest] = meta;
      enter(name, line);
      const map = kind === 'HELP' ? help : type;
      if (map.has(name)) problems.push(`line ${line}: second ${kind} for ${name}`);
      if (kind === 'TYPE' && samples.some((s) => familyOf(s.name, type) === name)) problems.push(`line ${line}: TYPE of ${name} after its samples`);
      map.set(name, kind === 'HELP' ? unescapeHelp(rest) : rest);
      return;
    }
    if (raw.startsWith('#')) return;
    let sample: Sample;
    try {
      sample = parseSample(raw, line);
    } catch (err) {
      return problems.push(`line ${line}: ${(err as Error).message}: ${raw}`);
    }
    const family = familyOf(sample.name, type);
    enter(family, line);
    const key = sample.name + JSON.stringify(sample.labels);
    if (seenSeries.has(key)) problems.push(`line ${line}: duplicate series ${raw}`);
    seenSeries.add(key);
    samples.push(sample);
  });

  for (const name of new Set([...help.keys(), ...type.keys()])) {
    if (!help.has(name)) problems.push(`family ${name} has no HELP`);
    if (!type.has(name)) problems.push(`family ${name} has no TYPE`);
  }
  for (const [name, kind] of type) {
    if (kind !== 'histogram') continue;
    // Per label set: buckets in order, le ascending, counts non-decreasing, +Inf last and equal to _count.
    const groups = new Map<string, { les: number[]; counts: number[]; count?: number; sum?: number }>();
    const group = (s: Sample) => {
      const key = labelKey(s.labels);
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { les: [], counts: [] }));
      return g;
    };
    for (const s of samples) {
      if (s.name === `${name}_bucket`) {
        const le = s.labels.find(([n]) => n === 'le');
        if (le === undefined) { problems.push(`line ${s.line}: bucket without le`); continue; }
        const g = group(s);
        g.les.push(parseNumber(le[1]));
        g.counts.push(s.value);
      } else if (s.name === `${name}_count`) group(s).count = s.value;
      else if (s.name === `${name}_sum`) group(s).sum = s.value;
    }
    for (const [key, g] of groups) {
      const where = `${name}${key}`;
      for (let i = 1; i < g.les.length; i++) {
        if (!(g.les[i] > g.les[i - 1])) problems.push(`${where}: le ${g.les[i]} after ${g.les[i - 1]}`);
        if (g.counts[i] < g.counts[i - 1]) problems.push(`${where}: bucket count ${g.counts[i]} after ${g.counts[i - 1]}`);
      }
      if (g.les.at(-1) !== Infinity) problems.push(`${where}: no +Inf bucket last`);
      if (g.count === undefined || g.sum === undefined) problems.push(`${where}: missing _count or _sum`);
      else if (g.counts.at(-1) !== g.count) problems.push(`${where}: +Inf bucket ${g.counts.at(-1)} differs from _count ${g.count}`);
    }
  }
  return { help, type, samples, problems };
}

// -------------------------------------------------------------------------------------------- exact output ---

describe('render', () => {
  test('a counter without labels renders 0 before its first increment', () => {
    const r = new Registry();
    const c = r.counter({ name: 'jobs_done_total', help: 'Jobs done.' });
    assert.equal(r.render(), '# HELP jobs_done_total Jobs done.\n# TYPE jobs_done_total counter\njobs_done_total 0\n');
    c.inc();
    c.inc(2.5);
    assert.equal(c.get(), 3.5);
    assert.equal(r.render(), '# HELP jobs_done_total Jobs done.\n# TYPE jobs_done_total counter\njobs_done_total 3.5\n');
  });

  test('a counter with labels renders its series in creation order; none yet is just the header', () => {
    const r = new Registry();
    const c = r.counter({ name: 'http_requests_total', help: 'Requests.', labelNames: ['method', 'status'] });
    assert.equal(r.render(), '# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n');
    c.labels('POST', 201).inc();
    c.labels('GET', '200').inc(3);
    c.labels('POST', '201').inc();
    assert.equal(r.render(), [
      '# HELP http_requests_total Requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="POST",status="201"} 2',
      'http_requests_total{method="GET",status="200"} 3',
      '',
    ].join('\n'));
  });

  test('a gauge goes up and down, and collect runs at render time', () => {
    const r = new Registry();
    let depth = 7;
    const g = r.gauge({ name: 'queue_depth', help: 'Jobs waiting.', labelNames: ['status'], collect: (gauge) => gauge.labels('pending').set(depth) });
    const plain = r.gauge({ name: 'temperature_celsius', help: 'Temperature.' });
    plain.set(20);
    plain.inc();
    plain.dec(0.5);
    plain.dec();
    assert.equal(plain.get(), 19.5);
    const expected = (n: number) => [
      '# HELP queue_depth Jobs waiting.',
      '# TYPE queue_depth gauge',
      `queue_depth{status="pending"} ${n}`,
      '# HELP temperature_celsius Temperature.',
      '# TYPE temperature_celsius gauge',
      'temperature_celsius 19.5',
      '',
    ].join('\n');
    assert.equal(r.render(), expected(7));
    depth = 3;
    assert.equal(r.render(), expected(3));
    assert.equal(g.labels('pending').get(), 3);
  });

  test('a histogram renders cumulative buckets, +Inf, _sum and _count', () => {
    const r = new Registry();
    const h = r.histogram({ name: 'upload_size_bytes', help: 'Upload sizes.', buckets: [100, 1000, 10000] });
    for (const v of [50, 100, 101, 999, 5000, 20000, 30000]) h.observe(v);
    assert.equal(r.render(), [
      '# HELP upload_size_bytes Upload sizes.',
      '# TYPE upload_size_bytes histogram',
      'upload_size_bytes_bucket{le="100"} 2', // upper bounds are inclusive
      'upload_size_bytes_bucket{le="1000"} 4',
      'upload_size_bytes_bucket{le="10000"} 5',
      'upload_size_bytes_bucket{le="+Inf"} 7',
      'upload_size_bytes_sum 56250',
      'upload_size_bytes_count 7',
      '',
    ].join('\n'));
    assert.deepEqual(h.get(), { buckets: [2, 4, 5, 7], sum: 56250, count: 7 });
  });

  test('a histogram with labels puts le last and keeps one block per label set', () => {
    const r = new Registry();
    const h = r.histogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['route'], buckets: [0.1, 0.5] });
    h.labels('/a').observe(0.05);
    h.labels('/b').observe(0.3);
    h.labels('/a').observe(0.7);
    assert.equal(r.render(), [
      '# HELP latency_seconds Latency.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{route="/a",le="0.1"} 1',
      'latency_seconds_bucket{route="/a",le="0.5"} 1',
      'latency_seconds_bucket{route="/a",le="+Inf"} 2',
      'latency_seconds_sum{route="/a"} 0.75',
      'latency_seconds_count{route="/a"} 2',
      'latency_seconds_bucket{route="/b",le="0.1"} 0',
      'latency_seconds_bucket{route="/b",le="0.5"} 1',
      'latency_seconds_bucket{route="/b",le="+Inf"} 1',
      'latency_seconds_sum{route="/b"} 0.3',
      'latency_seconds_count{route="/b"} 1',
      '',
    ].join('\n'));
  });

  test('default buckets suit HTTP latency in seconds; a trailing Infinity bucket is implied, not doubled', () => {
    const r = new Registry();
    assert.deepEqual(r.histogram({ name: 'a_seconds', help: 'A.' }).buckets, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    assert.deepEqual(DEFAULT_BUCKETS, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    r.histogram({ name: 'b_seconds', help: 'B.', buckets: [1, Infinity] });
    assert.equal(r.render().match(/b_seconds_bucket\{le="\+Inf"\}/g)?.length, 1);
  });

  test('a histogram counts a NaN observation only in +Inf, so +Inf still equals _count', () => {
    const r = new Registry();
    const h = r.histogram({ name: 'odd_seconds', help: 'Odd.', buckets: [1] });
    h.observe(NaN);
    assert.deepEqual(h.get().buckets, [0, 1]);
    assert.deepEqual(checkExposition(r.render()).problems, []);
  });

  test('numbers: integers plainly, shortest round-trip floats, +Inf, -Inf, NaN', () => {
    const r = new Registry();
    const g = r.gauge({ name: 'v', help: 'Values.', labelNames: ['k'] });
    const values: [string, number, string][] = [
      ['int', 42, '42'], ['zero', 0, '0'], ['neg', -7, '-7'], ['big', 2 ** 53, '9007199254740992'], ['float', 0.1 + 0.2, '0.30000000000000004'],
      ['small', 1.5e-7, '1.5e-7'], ['pinf', Infinity, '+Inf'], ['ninf', -Infinity, '-Inf'], ['nan', NaN, 'NaN'],
    ];
    for (const [k, v] of values) g.labels(k).set(v);
    const lines = r.render().split('\n').slice(2, -1);
    assert.deepEqual(lines, values.map(([k, , text]) => `v{k="${k}"} ${text}`));
    for (const [i, s] of checkExposition(r.render()).samples.entries()) assert.ok(Object.is(s.value, values[i][1]) || s.value === values[i][1], values[i][0]);
  });

  test('label values escape backslash, double quote and newline; other text stays as it is', () => {
    const r = new Registry();
    const c = r.counter({ name: 'odd_total', help: 'Odd values.', labelNames: ['v'] });
    c.labels('a\\b').inc();
    c.labels('say "hi"').inc();
    c.labels('two\nlines').inc();
    c.labels('tab\there, ünïcödé ✓, {braces}=,').inc();
    assert.deepEqual(r.render().split('\n').slice(2, -1), [
      'odd_total{v="a\\\\b"} 1',
      'odd_total{v="say \\"hi\\""} 1',
      'odd_total{v="two\\nlines"} 1',
      'odd_total{v="tab\there, ünïcödé ✓, {braces}=,"} 1',
    ]);
  });

  test('help text escapes backslash and newline, not quotes', () => {
    const r = new Registry();
    r.gauge({ name: 'h', help: 'Path C:\\data, "quoted"\nsecond line' });
    assert.equal(r.render().split('\n')[0], '# HELP h Path C:\\\\data, "quoted"\\nsecond line');
    assert.equal(checkExposition(r.render()).help.get('h'), 'Path C:\\data, "quoted"\nsecond line');
  });

  test('families render in registration order', () => {
    const r = new Registry();
    r.gauge({ name: 'b', help: 'B.' });
    r.counter({ name: 'a_total', help: 'A.' });
    assert.deepEqual([...checkExposition(r.render()).type.keys()], ['b', 'a_total']);
  });

  test('the content type is the text format 0.0.4', () => {
    assert.equal(PROMETHEUS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
  });
});

describe('label children', () => {
  test('labels() returns the same cached series for the same values, numbers and their text alike', () => {
    const r = new Registry();
    const c = r.counter({ name: 'c_total', help: 'C.', labelNames: ['method', 'route', 'status'] });
    const a = c.labels('GET', '/users/:id', 200);
    assert.equal(c.labels('GET', '/users/:id', 200), a);
    assert.equal(c.labels('GET', '/users/:id', '200'), a);
    assert.notEqual(c.labels('GET', '/users/:id', 404), a);
    assert.deepEqual(a.labelValues, ['GET', '/users/:id', '200']);
    assert.equal(c.series.length, 2);
  });

  test('values that would join to the same text are different series', () => {
    const r = new Registry();
    const c = r.counter({ name: 'c_total', help: 'C.', labelNames: ['a', 'b'] });
    c.labels('ab', 'c').inc();
    c.labels('a', 'bc').inc(2);
    c.labels('a\u0000b', '').inc(3);
    c.labels('a', '\u0000b').inc(4);
    assert.deepEqual(c.series.map((s) => s.get()), [1, 2, 3, 4]);
    assert.equal(c.labels('a', 'bc').get(), 2);
  });

  test('every arity from one to five labels keeps its series apart', () => {
    for (let n = 1; n <= 5; n++) {
      const r = new Registry();
      const names = Array.from({ length: n }, (_, i) => `l${i}`);
      const g = r.gauge({ name: 'g', help: 'G.', labelNames: names });
      const combos: string[][] = [];
      for (let k = 0; k < 2 ** n; k++) combos.push(names.map((_, i) => ((k >> i) & 1 ? 'x' : 'y')));
      combos.forEach((values, k) => g.labels(...values).set(k));
      combos.forEach((values, k) => assert.equal(g.labels(...values).get(), k, `${n} labels: ${values}`));
      assert.equal(g.series.length, 2 ** n);
      assert.deepEqual(checkExposition(r.render()).problems, []);
    }
  });

  test('label values round-trip through the text, awkward ones included', () => {
    const r = new Registry();
    const c = r.counter({ name: 'rt_total', help: 'Round trip.', labelNames: ['a', 'b'] });
    const values = ['', 'plain', 'back\\slash', 'quo"te', 'new\nline', '\\n literally', '"\\"\n', 'ünïcödé ✓ 日本', '} ,="{'];
    for (const a of values) c.labels(a, a + '!').inc();
    const parsed = checkExposition(r.render());
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.samples.map((s) => s.labels), values.map((v) => [['a', v], ['b', v + '!']]));
  });

  test('a lone surrogate becomes U+FFFD, so the UTF-8 text round-trips', () => {
    const r = new Registry();
    r.counter({ name: 's_total', help: 'S.', labelNames: ['v'] }).labels('a\uD800b').inc();
    const text = Buffer.from(r.render(), 'utf8').toString('utf8');
    assert.deepEqual(checkExposition(text).samples[0].labels, [['v', 'a\uFFFDb']]);
  });

  test('the wrong number of label values is a TypeError naming the metric and its labels', () => {
    const r = new Registry();
    const c = r.counter({ name: 'c_total', help: 'C.', labelNames: ['method', 'status'] });
    assert.throws(() => c.labels('GET'), { name: 'TypeError', message: 'Metric "c_total" takes 2 (method, status), got 1 label value' });
    assert.throws(() => c.labels('GET', '200', 'x'), /got 3 label values/);
    const plain = r.counter({ name: 'p_total', help: 'P.' });
    assert.throws(() => plain.labels('x'), /takes no labels, got 1/);
    assert.equal(plain.labels(), plain.labels());
  });

  test('the unlabelled shortcuts refuse a family with labels', () => {
    const r = new Registry();
    const c = r.counter({ name: 'c_total', help: 'C.', labelNames: ['a'] });
    const g = r.gauge({ name: 'g', help: 'G.', labelNames: ['a'] });
    const h = r.histogram({ name: 'h', help: 'H.', labelNames: ['a'] });
    assert.throws(() => c.inc(), { name: 'TypeError', message: 'Metric "c_total" has labels (a): use labels(…) first' });
    assert.throws(() => g.set(1), TypeError);
    assert.throws(() => h.observe(1), TypeError);
  });

  test('a counter refuses to go down', () => {
    const r = new Registry();
    const c = r.counter({ name: 'c_total', help: 'C.' });
    assert.throws(() => c.inc(-1), { name: 'RangeError', message: 'Counter increment must be zero or more, got -1' });
    assert.throws(() => c.inc(NaN), RangeError);
    c.inc(0);
    assert.equal(c.get(), 0);
  });
});

describe('validation at registration', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['metric name starting with a digit', () => new Registry().counter({ name: '1abc', help: 'x' }), /^Invalid metric name "1abc"/],
    ['metric name with a dash', () => new Registry().gauge({ name: 'a-b', help: 'x' }), /^Invalid metric name "a-b"/],
    ['empty metric name', () => new Registry().gauge({ name: '', help: 'x' }), /^Invalid metric name ""/],
    ['metric name with a space', () => new Registry().histogram({ name: 'a b', help: 'x' }), /^Invalid metric name "a b"/],
    ['empty help', () => new Registry().gauge({ name: 'g', help: ' ' }), /^Metric "g" needs a help text/],
    ['label name with a colon', () => new Registry().gauge({ name: 'g', help: 'x', labelNames: ['a:b'] }), /^Invalid label name "a:b" for metric "g"/],
    ['label name starting with a digit', () => new Registry().gauge({ name: 'g', help: 'x', labelNames: ['ok', '9x'] }), /^Invalid label name "9x"/],
    ['label name starting with __', () => new Registry().counter({ name: 'c_total', help: 'x', labelNames: ['__name'] }), /^Invalid label name "__name".*reserved/],
    ['le on a histogram', () => new Registry().histogram({ name: 'h', help: 'x', labelNames: ['route', 'le'] }), /^Invalid label name "le" for histogram "h": "le" is reserved/],
    ['duplicate label name', () => new Registry().gauge({ name: 'g', help: 'x', labelNames: ['a', 'a'] }), /^Duplicate label name "a" for metric "g"/],
    ['empty bucket list', () => new Registry().histogram({ name: 'h', help: 'x', buckets: [] }), /^Histogram "h" needs at least one finite bucket/],
    ['unsorted buckets', () => new Registry().histogram({ name: 'h', help: 'x', buckets: [1, 0.5] }), /^Histogram "h": buckets must be strictly increasing, got "0.5" after "1"/],
    ['repeated bucket', () => new Registry().histogram({ name: 'h', help: 'x', buckets: [1, 1] }), /strictly increasing/],
    ['NaN bucket', () => new Registry().histogram({ name: 'h', help: 'x', buckets: [1, NaN] }), /^Histogram "h": bucket "NaN" is not a finite number/],
  ];
  for (const [name, fn, message] of bad) {
    test(`${name} is a TypeError naming it`, () => assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof TypeError, String(err));
      assert.match(err.message, message);
      return true;
    }));
  }

  test('le is an ordinary label on a counter or gauge; colons are fine in metric names', () => {
    const r = new Registry();
    r.counter({ name: 'ns:c_total', help: 'x', labelNames: ['le'] }).labels('1').inc();
    r.gauge({ name: '_g', help: 'x', labelNames: ['_l'] });
  });

  test('a name registered twice, or a histogram sample name taken, is refused', () => {
    const r = new Registry();
    r.counter({ name: 'a_total', help: 'x' });
    assert.throws(() => r.gauge({ name: 'a_total', help: 'x' }), /^Error: Metric "a_total" clashes/);
    r.histogram({ name: 'req_seconds', help: 'x' });
    assert.throws(() => r.counter({ name: 'req_seconds_count', help: 'x' }), /sample name "req_seconds_count"/);
    r.gauge({ name: 'size_bucket', help: 'x' });
    assert.throws(() => r.histogram({ name: 'size', help: 'x' }), /sample name "size_bucket"/);
    // A refused histogram leaves its other names free.
    r.gauge({ name: 'size_sum', help: 'x' });
  });
});

// -------------------------------------------------------------------------- promtool and our own checks ---

/** A registry with every kind, label arities 0–3, awkward label values, special numbers, plus the process metrics. */
function everything(): { registry: Registry; stop: () => void } {
  const registry = new Registry();
  const stop = registerProcessMetrics(registry);
  const requests = registry.counter({ name: 'http_server_requests_total', help: 'Requests.', labelNames: ['method', 'route', 'status'] });
  for (const method of ['GET', 'POST']) for (const route of ['/users/:id', '/']) for (const status of [200, 404]) requests.labels(method, route, status).inc(3);
  registry.counter({ name: 'mail_sent_total', help: 'Mail sent.' }).inc(2);
  registry.counter({ name: 'odd_labels_total', help: 'Odd "labels", with a \\ and\na newline in the help.', labelNames: ['v'] })
    .labels('quote " backslash \\ newline \n end').inc();
  const depth = registry.gauge({ name: 'jobs_queue_depth', help: 'Jobs by status.', labelNames: ['status'], collect: (g) => {
    g.labels('pending').set(4);
    g.labels('running').set(1);
  } });
  depth.labels('failed').set(0);
  const special = registry.gauge({ name: 'special_values', help: 'Special values.', labelNames: ['kind'] });
  special.labels('inf').set(Infinity);
  special.labels('ninf').set(-Infinity);
  special.labels('nan').set(NaN);
  special.labels('tiny').set(1.5e-300);
  const latency = registry.histogram({ name: 'http_server_request_duration_seconds', help: 'Latency.', labelNames: ['method', 'route'] });
  for (let i = 0; i < 200; i++) latency.labels(i % 3 === 0 ? 'POST' : 'GET', i % 2 === 0 ? '/users/:id' : '/').observe((i % 37) / 3);
  const size = registry.histogram({ name: 'upload_size_bytes', help: 'Upload sizes.', buckets: [1024, 1048576] });
  size.observe(10);
  size.observe(2e6);
  registry.histogram({ name: 'empty_seconds', help: 'Never observed.', labelNames: ['x'] });
  return { registry, stop };
}

describe('against promtool and our own checks', () => {
  test('promtool check metrics passes a registry of every kind plus the process metrics', (t) => {
    const { registry, stop } = everything();
    t.after(stop);
    registry.render(); // a second render exercises the values carried over from the first
    const text = registry.render();
    if (!havePromtool(t)) return;
    assertPromtoolPasses(text);
  });

  test('our checks pass the same registry: one HELP/TYPE per family, not interleaved, histograms consistent', (t) => {
    const { registry, stop } = everything();
    t.after(stop);
    const parsed = checkExposition(registry.render());
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.type.get('http_server_request_duration_seconds'), 'histogram');
    assert.equal(parsed.type.get('process_cpu_seconds_total'), 'counter');
    assert.equal(parsed.help.get('odd_labels_total'), 'Odd "labels", with a \\ and\na newline in the help.');
    const odd = parsed.samples.find((s) => s.name === 'odd_labels_total');
    assert.deepEqual(odd?.labels, [['v', 'quote " backslash \\ newline \n end']]);
    const count = parsed.samples.filter((s) => s.name === 'http_server_request_duration_seconds_count').reduce((n, s) => n + s.value, 0);
    assert.equal(count, 200);
  });

  test('the process metrics use prom-client\'s names and plausible values', (t) => {
    const { registry, stop } = everything();
    t.after(stop);
    const parsed = checkExposition(registry.render());
    const value = (name: string) => parsed.samples.find((s) => s.name === name)?.value;
    const expected: [string, string][] = [
      ['process_resident_memory_bytes', 'gauge'], ['process_cpu_user_seconds_total', 'counter'],
      ['process_cpu_system_seconds_total', 'counter'], ['process_cpu_seconds_total', 'counter'],
      ['process_start_time_seconds', 'gauge'], ['nodejs_heap_size_total_bytes', 'gauge'], ['nodejs_heap_size_used_bytes', 'gauge'],
      ['nodejs_external_memory_bytes', 'gauge'], ['nodejs_eventloop_lag_seconds', 'gauge'], ['nodejs_eventloop_lag_p50_seconds', 'gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'], ['nodejs_version_info', 'gauge'],
    ];
    if (process.platform === 'linux') expected.push(['process_open_fds', 'gauge'], ['process_max_fds', 'gauge']);
    for (const [name, type] of expected) assert.equal(parsed.type.get(name), type, name);
    assert.ok(value('process_resident_memory_bytes')! > 1e6);
    assert.ok(value('process_cpu_user_seconds_total')! > 0, 'CPU time counts from the process start');
    const cpu = value('process_cpu_user_seconds_total')! + value('process_cpu_system_seconds_total')!;
    assert.ok(Math.abs(value('process_cpu_seconds_total')! - cpu) < 1e-9);
    const started = Date.now() / 1000 - process.uptime();
    assert.ok(Math.abs(value('process_start_time_seconds')! - started) < 2, 'start time is the process start');
    assert.ok(value('nodejs_heap_size_used_bytes')! <= value('nodejs_heap_size_total_bytes')!);
    if (process.platform === 'linux') assert.ok(value('process_open_fds')! >= 3 && value('process_open_fds')! <= value('process_max_fds')!);
    const version = parsed.samples.find((s) => s.name === 'nodejs_version_info');
    assert.deepEqual(version?.labels.map(([n]) => n), ['version', 'major', 'minor', 'patch']);
    assert.equal(version?.labels[0][1], process.version);
  });

  // The checker must catch what it claims to, or its passing means nothing.
  const broken: [string, string, RegExp][] = [
    ['interleaved families', '# HELP a x\n# TYPE a gauge\na{k="1"} 1\n# HELP b x\n# TYPE b gauge\nb 1\na{k="2"} 1\n', /family a appears again/],
    ['a second TYPE', '# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n', /second TYPE for a/],
    ['a missing HELP', '# TYPE a gauge\na 1\n', /family a has no HELP/],
    ['+Inf not equal to _count', '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n', /\+Inf bucket 2 differs from _count 3/],
    ['buckets out of order', '# HELP h x\n# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /le 1 after 2/],
    ['decreasing bucket counts', '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /bucket count 1 after 2/],
    ['an unescaped quote', '# HELP a x\n# TYPE a gauge\na{k="say "hi""} 1\n', /expected , or \}/],
    ['an invalid escape', '# HELP a x\n# TYPE a gauge\na{k="\\t"} 1\n', /invalid escape/],
    ['a duplicate series', '# HELP a x\n# TYPE a gauge\na{k="1"} 1\na{k="1"} 2\n', /duplicate series/],
  ];
  for (const [name, text, problem] of broken) {
    test(`the checker catches ${name}`, () => {
      const { problems } = checkExposition(text);
      assert.ok(problems.some((p) => problem.test(p)), problems.join('\n') || '(no problems found)');
    });
  }
});
