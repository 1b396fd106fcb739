// TOML benchmark: parse throughput (MB/s) of monolite's parse next to smol-toml's (the peer) on the same generated
// document of more than 1 MB, in alternating rounds of one run, printed with the ratio monolite/smol-toml. Not a test.
import { requirePeer } from './peers.ts';
import { alternateRounds, median } from './rounds.ts';
import { parse } from '../../src/lib/toml.ts';

/** The part of smol-toml's API used here (only scripts/bench installs it). */
interface SmolToml {
  parse(text: string): Record<string, unknown>;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
const ROUND_MS = 600;
const WARMUP_MS = 1500;
const SECTIONS = 1000;

/**
 * A config-like document that uses every kind of TOML syntax: [section.N] tables, [[array.of.tables]], arrays of
 * integers, floats and strings, basic strings with escapes and unicode, literal and multi-line strings, inline
 * tables, dotted keys, all four date-time kinds, comments. Deterministic: the same text on every run.
 */
export function generateDocument(sections = SECTIONS): string {
  const out: string[] = [
    '# monolite TOML benchmark document (generated, deterministic)',
    'title = "TOML throughput benchmark"',
    'generated = 2024-05-27T07:32:00Z',
    'version = 3',
    'owner.name = "Tom Preston-Werner"',
    'owner.organization = "GitHub"',
    '',
  ];
  for (let i = 0; i < sections; i++) {
    const pad2 = (n: number) => String(n).padStart(2, '0');
    out.push(
      `# Section ${i}: one service's settings`,
      `[section.${i}]`,
      `name = "service-${i}"`,
      `enabled = ${i % 3 !== 0}`,
      `count = ${i * 37}`,
      `budget = ${1_000_000 + i * 7919}`,
      `ratio = ${((i % 97) / 7).toFixed(6)}`,
      `scale = ${(i % 13) + 1}.5e-3`,
      `limit = 1_000_${String(i % 1000).padStart(3, '0')}`,
      `mask = 0x${(0xdead0000 + i).toString(16)}`,
      `mode = 0o${(0o644 + (i % 8)).toString(8)}`,
      `path = 'C:\\Users\\monolite\\data\\${i}'`,
      `pattern = '^[a-z]+-${i}$'`,
      `escaped = "tab\\there \\"quoted\\" line\\nnext caf\\u00e9 ${i}"`,
      `unicode = "日本語のテキスト ${i} ✓ — ünïcödé"`,
      `description = "A plain description of service number ${i}, long enough to look like real configuration text."`,
      `ports = [8080, 8081, ${8082 + (i % 100)}, 9090]`,
      `weights = [0.5, 1.25, -3.75e-2, ${(i % 10) + 0.125}]`,
      `tags = ["alpha", "beta", "gamma-${i}", "delta"]`,
      `matrix = [[1, 2], [3, 4], [${i % 9}, ${i % 11}]]`,
      `owner = { name = "user${i}", id = ${i}, admin = ${i % 2 === 0}, email = "user${i}@example.com" }`,
      `server.host = "10.0.${i % 256}.${i % 7}"`,
      `server.port = ${3000 + (i % 1000)}`,
      `server.tls.enabled = true`,
      `server.tls.cert = "/etc/ssl/service-${i}.pem"`,
      `created = 1979-05-27T07:32:00-08:00`,
      `updated = 2024-${pad2((i % 12) + 1)}-${pad2((i % 28) + 1)}T12:${pad2(i % 60)}:00.${String(i % 1000).padStart(3, '0')}Z`,
      `birthday = 1990-${pad2((i % 12) + 1)}-${pad2((i % 28) + 1)}`,
      `alarm = ${pad2(i % 24)}:30:00`,
      `local = 2024-03-10T08:15:30`,
      'notes = """',
      `Multi-line text for section ${i}.`,
      '  An indented line with "quotes" and a \\',
      '  continued line."""',
      "raw = '''",
      `raw text \\n is not an escape here (${i})`,
      "'''",
      '',
      '[[array.of.tables]]',
      `id = ${i}`,
      `label = "item ${i}" # trailing comment`,
      `values = [${i}, ${i + 1}, ${i + 2}]`,
      `point = { x = ${i % 100}.25, y = -${i % 50}.75 }`,
      '',
    );
  }
  return out.join('\n');
}

/** Parses `text` repeatedly for about `ms` milliseconds; returns MB/s. */
function measure(parseOnce: (text: string) => unknown, text: string, megabytes: number, ms: number): number {
  let parses = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    parseOnce(text);
    parses++;
    elapsed = performance.now() - start;
  }
  return (parses * megabytes * 1000) / elapsed;
}


const format = (mbPerSec: number): string => mbPerSec.toFixed(1).padStart(7);

/** Runs the benchmark and prints its figures; resolves to the median ratio monolite/smol-toml. */
export async function main(): Promise<number> {
  const smol = requirePeer<SmolToml>('smol-toml');
  const text = generateDocument();
  const megabytes = Buffer.byteLength(text) / 1e6;

  // The same reading of the document, or the comparison means nothing.
  const ours = parse(text);
  const theirs = smol.parse(text);
  const ourKeys = Object.keys(ours).length;
  const theirKeys = Object.keys(theirs).length;
  if (ourKeys !== theirKeys) throw new Error(`TOML bench: parsers disagree on the top-level key count (monolite ${ourKeys}, smol-toml ${theirKeys})`);
  const ourSections = Object.keys(ours.section as object).length;
  const theirSections = Object.keys(theirs.section as object).length;
  if (ourSections !== SECTIONS || theirSections !== SECTIONS) {
    throw new Error(`TOML bench: expected ${SECTIONS} sections (monolite ${ourSections}, smol-toml ${theirSections})`);
  }

  const runOurs = (t: string) => parse(t);
  const runPeer = (t: string) => smol.parse(t);
  measure(runOurs, text, megabytes, WARMUP_MS);
  measure(runPeer, text, megabytes, WARMUP_MS);

  const lines = text.split('\n').length;
  console.log(`toml: ${megabytes.toFixed(2)} MB document (${lines} lines), ${ROUNDS} rounds of ~${ROUND_MS} ms each (node ${process.versions.node})`);
  console.log('round   monolite MB/s   smol-toml MB/s   ratio');
  const rates = await alternateRounds(ROUNDS, () => measure(runOurs, text, megabytes, ROUND_MS), () => measure(runPeer, text, megabytes, ROUND_MS),
    (round, a, b) => console.log(`${String(round).padStart(5)}   ${format(a)}         ${format(b)}        ${(a / b).toFixed(2)}`));
  const oursRates = rates.ours;
  const theirRates = rates.theirs;
  const ratios = oursRates.map((a, i) => a / theirRates[i]);
  const ratio = median(ratios);
  console.log(`monolite ${median(oursRates).toFixed(1)} MB/s  smol-toml ${median(theirRates).toFixed(1)} MB/s  ratio ${ratio.toFixed(2)}×`);
  return ratio;
}

if (import.meta.main) await main();
