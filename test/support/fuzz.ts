// Seeded fuzzing for the hand-written parsers: byte-level mutators and generators, and a runner that replays every
// input that ever failed (test/fuzz/corpus/<name>/), then mutates seeds until its time budget is spent.
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { mulberry32 } from './random.ts';
import { bounded, LONG } from './long.ts';

/** test/fuzz/corpus, or MONOLITE_FUZZ_CORPUS (the runner's own test points it at a temp folder). */
export const CORPUS_DIR = process.env.MONOLITE_FUZZ_CORPUS ?? fileURLToPath(new URL('../fuzz/corpus/', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The run's seed (printed when a target fails): MONOLITE_FUZZ_SEED to replay a failure; a fresh one per run under
 * `npm run test:long`, which explores; a fixed one in `npm test`, so that the main suite (and CI) is deterministic —
 * a new finding of a random seed would otherwise turn an unrelated change red. What test:long finds lands in the
 * corpus, which every run replays first.
 */
export const FUZZ_SEED = process.env.MONOLITE_FUZZ_SEED !== undefined ? Number(process.env.MONOLITE_FUZZ_SEED) >>> 0 : LONG ? randomInt(2 ** 32) : 0x6d6f6e6f;

/** A seeded random stream with the helpers generators need. */
export class Rng {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Mostly small numbers, sometimes large: lengths and repeat counts where the edges matter. */
  size(max: number): number {
    const r = this.next();
    return r < 0.6 ? this.int(Math.min(max, 8) + 1) : r < 0.9 ? this.int(Math.min(max, 64) + 1) : this.int(max + 1);
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Numbers at the edges of int8/16/32/53/64, floats and their spellings. */
export const BOUNDARY_NUMBERS: readonly string[] = [
  '0', '-0', '+0', '1', '-1', '127', '128', '-129', '255', '256', '32767', '32768', '65535', '65536', '2147483647', '2147483648',
  '-2147483649', '4294967295', '4294967296', '9007199254740991', '9007199254740992', '9007199254740993', '9223372036854775807',
  '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551616', '1e308', '1e309', '-1e309',
  '5e-324', '1e-400', '0.1', '.5', '5.', '1e', '1e+', '0x7fffffff', '0o777', '0b101', '1_000', '00', '007', 'NaN', 'nan',
  'Infinity', '-inf', '+inf', '1'.repeat(400),
];

/** Characters that parsers get wrong: NUL, lone surrogates, BOM, separators, line-end mixes, bidi, combining marks. */
export const UNICODE_EDGES: readonly string[] = [
  '\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDBFF\uDFFF', '\uD83D\uDE00', '\uFEFF', '\uFFFD', '\uFFFE', '\uFFFF',
  '\u2028', '\u2029', '\u200B', '\u00A0', '\u0085', '\u202E', '\u0301', 'e\u0301', '\u{10FFFF}', 'İ', 'ß', 'ﬀ', '\u3000',
  '\r', '\n', '\r\n', '\n\r', '\r\r\n', '\r\n\r\n', '\t', '\v', '\f', '\x7f', '\x1b', '\b',
];

/** Raw bytes that are not UTF-8: overlong forms, encoded surrogates, stray continuation bytes, truncated sequences. */
const BAD_UTF8: readonly Buffer[] = [
  [0xc0, 0xae], [0xc0, 0x80], [0xe0, 0x80, 0xae], [0xed, 0xa0, 0x80], [0x80], [0xbf], [0xff], [0xfe], [0xe2, 0x82],
  [0xf0, 0x9f, 0x98], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80],
].map((b) => Buffer.from(b));

const LINE_ENDS = ['\n', '\r\n', '\r', '\n\r', '\r\r\n', ''];

/** Bytes of `text` as WTF-8: UTF-8 that keeps lone surrogates (as 3-byte sequences), so a corpus file holds any string. */
export function toBytes(text: string | Buffer): Buffer {
  if (typeof text !== 'string') return text;
  if (text.isWellFormed()) return Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(out);
}

/** The text of WTF-8 `bytes` (lone surrogates come back); any other byte that is not UTF-8 becomes U+FFFD. */
export function toText(bytes: Buffer): string {
  const units: number[] = [];
  let text = '';
  const n = bytes.length;
  const cont = (i: number) => i < n && (bytes[i] & 0xc0) === 0x80;
  for (let i = 0; i < n;) {
    const b = bytes[i];
    let cp = -1;
    let len = 1;
    if (b < 0x80) cp = b;
    else if (b >= 0xc2 && b <= 0xdf && cont(i + 1)) { cp = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f); len = 2; }
    else if (b >= 0xe0 && b <= 0xef && cont(i + 1) && cont(i + 2)) {
      cp = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      len = 3;
      if (cp < 0x800) { cp = -1; len = 1; }
    } else if (b >= 0xf0 && b <= 0xf4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      cp = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
      len = 4;
      if (cp < 0x10000 || cp > 0x10ffff) { cp = -1; len = 1; }
    }
    if (cp === -1) cp = 0xfffd;
    if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else units.push(cp);
    i += len;
    if (units.length > 4096) { text += String.fromCharCode(...units); units.length = 0; }
  }
  return text + String.fromCharCode(...units);
}

export interface MutateOptions {
  /** Target-specific tokens to insert (keywords, delimiters, escapes). */
  dictionary?: readonly (string | Buffer)[];
  /** Other inputs to splice with. */
  pool?: readonly Buffer[];
  /** Outputs are cut to this many bytes. */
  maxLength?: number;
}

/** `input` after 1 to 4 (sometimes up to 16) stacked random edits. */
export function mutate(input: Buffer, rng: Rng, options: MutateOptions = {}): Buffer {
  const maxLength = options.maxLength ?? 64 * 1024;
  const dictionary = options.dictionary ?? [];
  let out = input;
  const edits = rng.chance(0.1) ? 1 + rng.int(16) : 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    out = mutateOnce(out, rng, dictionary, options.pool ?? []);
    if (out.length > maxLength) out = out.subarray(0, maxLength);
  }
  return out;
}

function insert(input: Buffer, at: number, piece: Buffer): Buffer {
  return Buffer.concat([input.subarray(0, at), piece, input.subarray(at)]);
}

function mutateOnce(input: Buffer, rng: Rng, dictionary: readonly (string | Buffer)[], pool: readonly Buffer[]): Buffer {
  const at = rng.int(input.length + 1);
  const len = 1 + rng.size(32);
  switch (rng.int(dictionary.length > 0 ? 13 : 12)) {
    case 0: { // bit flip
      if (input.length === 0) return rng.bytes(1);
      const out = Buffer.from(input);
      const i = rng.int(out.length);
      out[i] ^= 1 << rng.int(8);
      return out;
    }
    case 1: { // interesting byte
      if (input.length === 0) return rng.bytes(1);
      const out = Buffer.from(input);
      out[rng.int(out.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x0d, 0x0a, 0x20, 0x22, 0x27, 0x5c, 0x2e, 0x2f, 0x25, 0x3d, 0x2c, rng.int(256)]);
      return out;
    }
    case 2: return insert(input, at, rng.bytes(1 + rng.int(8))); // random bytes
    case 3: return Buffer.concat([input.subarray(0, at), input.subarray(at + len)]); // delete
    case 4: { // repeat a chunk, now and then many times
      const chunk = input.subarray(at, at + len);
      const times = rng.chance(0.1) ? 100 + rng.int(2000) : 1 + rng.int(8);
      return insert(input, at, Buffer.concat(Array(times).fill(chunk)));
    }
    case 5: { // splice with another input
      if (pool.length === 0) return input.subarray(0, at);
      const other = rng.pick(pool);
      return Buffer.concat([input.subarray(0, at), other.subarray(rng.int(other.length + 1))]);
    }
    case 6: return insert(input, at, Buffer.from(rng.pick(BOUNDARY_NUMBERS)));
    case 7: return insert(input, at, toBytes(rng.pick(UNICODE_EDGES)));
    case 8: return insert(input, at, rng.pick(BAD_UTF8));
    case 9: { // change a line end into another
      const text = input.toString('latin1');
      const nl = text.indexOf('\n', at);
      if (nl === -1) return insert(input, at, Buffer.from(rng.pick(LINE_ENDS)));
      const from = nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl;
      return Buffer.concat([input.subarray(0, from), Buffer.from(rng.pick(LINE_ENDS)), input.subarray(nl + 1)]);
    }
    case 10: return input.subarray(0, at); // truncate
    case 11: { // move a chunk elsewhere
      const chunk = Buffer.from(input.subarray(at, at + len));
      const rest = Buffer.concat([input.subarray(0, at), input.subarray(at + len)]);
      return insert(rest, rng.int(rest.length + 1), chunk);
    }
    default: return insert(input, at, toBytes(rng.pick(dictionary)));
  }
}

/** A random sequence of dictionary tokens and bits of noise: input that is near the grammar without being from it. */
export function tokenSoup(rng: Rng, dictionary: readonly (string | Buffer)[], count = 1 + rng.size(40)): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    parts.push(r < 0.7 ? toBytes(rng.pick(dictionary)) : r < 0.8 ? Buffer.from(rng.pick(BOUNDARY_NUMBERS))
      : r < 0.9 ? toBytes(rng.pick(UNICODE_EDGES)) : rng.bytes(1 + rng.int(4)));
  }
  return Buffer.concat(parts);
}

const JSON_KEYS = ['a', 'id', '', ' ', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'exp', 'sub',
  'scope', 'alg', '\\u0061', 'é', '\\ud800', 'a.b', '$where', 'x'.repeat(300)];

/**
 * JSON text that stays valid but goes where parsers and the code behind them slip: __proto__ and duplicate keys,
 * numbers at the edges, escapes (lone surrogate ones too), deep nesting, long strings.
 */
export function jsonText(rng: Rng, depth = 0): string {
  const r = rng.int(depth > 6 ? 6 : 9);
  switch (r) {
    case 0: return rng.pick(['null', 'true', 'false']);
    case 1: return rng.pick(BOUNDARY_NUMBERS.filter((n) => /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(n)));
    case 2: return JSON.stringify(rng.pick(UNICODE_EDGES) + rng.pick(['', 'x', 'a b', '<script>', "' OR 1=1 --", '%00', '../..']));
    case 3: return `"${rng.pick(['\\ud800', '\\udfff\\ud800', '\\u0000', '\\"', '\\\\', '\\/', '\\b\\f\\n\\r\\t', 'x'.repeat(rng.size(5000))])}"`;
    case 4: return String(rng.int(100));
    case 5: return '"' + 'abcdefgh'.slice(0, 1 + rng.int(8)) + '"';
    case 6: {
      const n = rng.size(8);
      return `[${Array.from({ length: n }, () => jsonText(rng, depth + 1)).join(',')}]`;
    }
    case 7: {
      const n = rng.size(8);
      const key = () => JSON.stringify(rng.pick(JSON_KEYS)).replace(/^"\\\\(u[0-9a-f]{4})"$/, '"\\$1"');
      return `{${Array.from({ length: n }, () => `${key()}:${jsonText(rng, depth + 1)}`).join(',')}}`;
    }
    default: {
      const n = 1 + rng.size(3000);
      return '['.repeat(n) + ']'.repeat(n);
    }
  }
}

export interface FuzzTarget {
  /** Valid and nearly valid inputs to mutate (strings are taken as WTF-8). */
  seeds: readonly (string | Buffer)[];
  /**
   * Checks one input: returns (or resolves) when every property holds, an expected rejection included; throws on a
   * violation. What it throws is reported with the input.
   */
  run: (input: Buffer) => unknown;
  /** Makes a fresh input from nothing (a grammar); used for about a quarter of the runs when given. */
  generate?: (rng: Rng) => string | Buffer;
  dictionary?: readonly (string | Buffer)[];
  /** Time for the whole target (default 0.7 s, 60 s under MONOLITE_LONG=1). */
  budgetMs?: number;
  /** Longest one input may take (default 2 s); a run that is still going is a hang. */
  timeoutMs?: number;
  /** Longest input made (default 64 KiB). */
  maxLength?: number;
}

export interface FuzzStats {
  seed: number;
  /** Inputs run: corpus, seeds and new ones. */
  runs: number;
  corpus: number;
  ms: number;
}

/** The saved failing inputs of `name`, oldest name first. */
export function corpusOf(name: string): { file: string; input: Buffer }[] {
  const dir = join(CORPUS_DIR, name);
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
  } catch {
    return [];
  }
  return names.map((f) => ({ file: join(dir, f), input: readFileSync(join(dir, f)) }));
}

/** Saves `input` as test/fuzz/corpus/<name>/<hash>.bin (the same input always gets the same file); returns its path. */
export function saveToCorpus(name: string, input: Buffer): string {
  const dir = join(CORPUS_DIR, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`);
  writeFileSync(file, input);
  return file;
}

/** A short, printable rendering of an input for a failure message. */
export function preview(input: Buffer, max = 300): string {
  const text = JSON.stringify(toText(input.subarray(0, max)));
  return input.length > max ? `${text}… (${input.length} bytes)` : text;
}

/**
 * Fuzzes one target: replays its corpus, runs its seeds, then mutated and generated inputs until `budgetMs` is
 * spent. The first failing input is saved to the corpus and reported with the seed (MONOLITE_FUZZ_SEED replays it).
 * Every run has a deadline; a synchronous run stuck past it is caught by a watchdog thread, which saves the input,
 * says so on stderr and kills the process (a loop cannot be interrupted from its own thread).
 */
export async function fuzz(name: string, target: FuzzTarget): Promise<FuzzStats> {
  const budgetMs = target.budgetMs ?? bounded(700, 60_000);
  const timeoutMs = target.timeoutMs ?? 2000;
  const maxLength = target.maxLength ?? 64 * 1024;
  const seed = (FUZZ_SEED ^ hashName(name)) >>> 0;
  const rng = new Rng(seed);
  const dictionary = target.dictionary ?? [];
  const seeds = target.seeds.map(toBytes);
  const corpus = corpusOf(name);
  const pool: Buffer[] = [...seeds, ...corpus.map((c) => c.input)];
  const recent: Buffer[] = [];
  const started = performance.now();
  let runs = 0;

  const check = async (input: Buffer, origin: string): Promise<void> => {
    runs++;
    watch(name, input, timeoutMs);
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = target.run(input);
      if (result instanceof Promise) {
        await Promise.race([result, new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`No result within ${timeoutMs} ms (a hang)`)), timeoutMs);
        })]);
      }
      const took = performance.now() - t0;
      if (took > timeoutMs) throw new Error(`Took ${Math.round(took)} ms; the limit is ${timeoutMs} ms (too slow for its size)`);
    } catch (err) {
      const file = origin.startsWith('corpus ') ? origin.slice(7) : saveToCorpus(name, input);
      throw new Error(`Fuzz target "${name}" failed on ${origin.startsWith('corpus ') ? 'the saved input' : `a ${origin} input`} `
        + `${relative(PROJECT_ROOT, file)}: ${preview(input)}\n  seed ${FUZZ_SEED}, run ${runs}: replay with MONOLITE_FUZZ_SEED=${FUZZ_SEED} `
        + `(the saved input is replayed first on every run)\n  ${(err as Error)?.message ?? String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
      unwatch();
    }
  };

  for (const { file, input } of corpus) await check(input, `corpus ${file}`);
  for (const input of seeds) await check(input, 'seed');
  while (performance.now() - started < budgetMs) {
    let input: Buffer;
    let origin: string;
    if (target.generate && rng.chance(0.25)) {
      input = toBytes(target.generate(rng));
      if (input.length > maxLength) input = input.subarray(0, maxLength);
      origin = 'generated';
    } else {
      const base = recent.length > 0 && rng.chance(0.3) ? rng.pick(recent) : rng.pick(pool);
      input = mutate(base, rng, { dictionary, pool, maxLength });
      origin = 'mutated';
    }
    await check(input, origin);
    // Stacking edits on recent mutants reaches inputs farther from the seeds.
    if (recent.length < 256) recent.push(input);
    else recent[rng.int(256)] = input;
  }
  return { seed: FUZZ_SEED, runs, corpus: corpus.length, ms: Math.round(performance.now() - started) };
}

function hashName(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32LE(0);
}

// ------------------------------------------------------------------------------------------------ watchdog ---

// Shared with the watchdog thread: [generation, running, input length, timeout ms, name length], then the name
// (256 bytes) and the input. Copying the input in costs a memcpy per run, far less than the parse.
const HEADER_INTS = 5;
const NAME_BYTES = 256;
const INPUT_BYTES = 1024 * 1024;
let shared: { ints: Int32Array; bytes: Uint8Array; worker: Worker } | undefined;

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { buffer, corpusDir, seed } = workerData;
const ints = new Int32Array(buffer, 0, ${HEADER_INTS});
const bytes = new Uint8Array(buffer, ${HEADER_INTS * 4});
let seen = -1;
let since = Date.now();
setInterval(() => {
  const generation = Atomics.load(ints, 0);
  if (generation !== seen || Atomics.load(ints, 1) === 0) { seen = generation; since = Date.now(); return; }
  // A run still going long after its deadline: the main thread is stuck in a loop, or its event loop is.
  if (Date.now() - since < Math.max(3 * ints[3], 1000)) return;
  const name = Buffer.from(bytes.subarray(0, ints[4])).toString('utf8');
  const input = Buffer.from(bytes.subarray(${NAME_BYTES}, ${NAME_BYTES} + ints[2]));
  const dir = path.join(corpusDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, crypto.createHash('sha256').update(input).digest('hex').slice(0, 16) + '.bin');
  fs.writeFileSync(file, input);
  fs.writeSync(2, '\\nFuzz target "' + name + '" hung (no result after ' + (Date.now() - since) + ' ms) on ' + file + ': '
    + JSON.stringify(input.subarray(0, 300).toString('utf8')) + '\\n  seed ' + seed + ': replay with MONOLITE_FUZZ_SEED=' + seed
    + ' (the saved input is replayed first on every run)\\n');
  process.kill(process.pid, 'SIGKILL');
}, 100);
`;

function watch(name: string, input: Buffer, timeoutMs: number): void {
  if (shared === undefined) {
    const buffer = new SharedArrayBuffer(HEADER_INTS * 4 + NAME_BYTES + INPUT_BYTES);
    const worker = new Worker(WATCHDOG, { eval: true, workerData: { buffer, corpusDir: CORPUS_DIR, seed: FUZZ_SEED } });
    worker.unref();
    shared = { ints: new Int32Array(buffer, 0, HEADER_INTS), bytes: new Uint8Array(buffer, HEADER_INTS * 4), worker };
  }
  const { ints, bytes } = shared;
  const nameBytes = Buffer.from(name).subarray(0, NAME_BYTES);
  bytes.set(nameBytes, 0);
  const kept = Math.min(input.length, INPUT_BYTES);
  bytes.set(input.subarray(0, kept), NAME_BYTES);
  ints[2] = kept;
  ints[3] = timeoutMs;
  ints[4] = nameBytes.length;
  Atomics.store(ints, 1, 1);
  Atomics.add(ints, 0, 1);
}

function unwatch(): void {
  if (shared !== undefined) Atomics.store(shared.ints, 1, 0);
}
