// JWT benchmark: HS256 sign and verify operations per second of monolite's lib/jwt.ts next to fast-jwt (synchronous)
// and jose (asynchronous, each operation awaited as a request handler would), on the same session payloads, in
// alternating rounds of one run. Printed as ops/s and the ratio monolite/peer: above 1, monolite is faster. Not a test.
import { deepStrictEqual } from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { requirePeer } from './peers.ts';
import { alternateRounds, median } from './rounds.ts';
import { jwtKey, signJwt, verifyJwt, type JwtPayload } from '../../src/lib/jwt.ts';

/** The part of fast-jwt's API used here (only scripts/bench installs it). */
interface FastJwt {
  createSigner(options: { key: Buffer; algorithm: 'HS256' }): (payload: JwtPayload) => string;
  createVerifier(options: { key: Buffer }): (token: string) => JwtPayload;
}
/** The part of jose's API used here. */
interface Jose {
  SignJWT: new (payload: JwtPayload) => JoseSigner;
  jwtVerify(token: string, key: webcrypto.CryptoKey): Promise<{ payload: JwtPayload }>;
}
interface JoseSigner {
  setProtectedHeader(header: { alg: 'HS256'; typ?: 'JWT' }): JoseSigner;
  sign(key: webcrypto.CryptoKey): Promise<string>;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
const ROUND_MS = 300;
const WARMUP_MS = 400;
/** Distinct payloads (and tokens) cycled through, so no implementation sees one value over and over. */
const POOL = 256;

type Op = (i: number) => unknown;
type AsyncOp = (i: number) => Promise<unknown>;

/** Runs `op` in batches for about `ms` milliseconds; returns operations per second. */
function opsPerSecond(op: Op, ms: number): number {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 64; i++) op((ops + i) & (POOL - 1));
    ops += 64;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/** Like opsPerSecond, awaiting each operation before the next. */
async function asyncOpsPerSecond(op: AsyncOp, ms: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 64; i++) await op((ops + i) & (POOL - 1));
    ops += 64;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

const rate = (v: number): string => Math.round(v).toLocaleString('en-US').padStart(11);

/** Alternating rounds of monolite and a peer; prints a row per round and the medians; resolves to the figures. */
async function compare(what: string, peer: string, ours: () => number, theirs: () => number | Promise<number>) {
  console.log('');
  console.log(`jwt: HS256 ${what}, ops/s`);
  console.log(`round     monolite  ${peer.padStart(11)}   ratio`);
  const { ours: a, theirs: b } = await alternateRounds(ROUNDS, ours, theirs,
    (round, x, y) => console.log(`${String(round).padStart(5)}  ${rate(x)}  ${rate(y)}   ${(x / y).toFixed(2)}`));
  const ratio = median(a.map((x, i) => x / b[i]));
  console.log(`median ${rate(median(a))}  ${rate(median(b))}   ${ratio.toFixed(2)}`);
  return { ours: median(a), theirs: median(b), ratio };
}

/** Runs the benchmark and prints its figures; resolves to the median verify ratio monolite/fast-jwt. */
export async function main(): Promise<number> {
  const fastJwt = requirePeer<FastJwt>('fast-jwt');
  const jose = requirePeer<Jose>('jose');

  const secret = Buffer.from('bench secret: 48 bytes of HS256 key material....');
  const key = jwtKey(secret);
  // jose's fastest key form: a CryptoKey imported once (a Uint8Array secret is imported again on every call).
  const joseKey = await webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const fastSign = fastJwt.createSigner({ key: secret, algorithm: 'HS256' });
  const fastVerify = fastJwt.createVerifier({ key: secret });

  // A typical session: subject, issued and expiry times, scopes, numeric user id.
  const now = Math.floor(Date.now() / 1000);
  const payloads: JwtPayload[] = Array.from({ length: POOL }, (_, i) => ({
    sub: `user-${100000 + i}`, iat: now, exp: now + 3600, scope: 'read write profile', uid: 100000 + i,
  }));
  const tokens = payloads.map((p) => signJwt(p, key));

  // Each verifies the others' tokens to the same payload, or the comparison means nothing.
  const fastToken = fastSign(payloads[0]);
  const joseToken = await new jose.SignJWT(payloads[0]).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(joseKey);
  deepStrictEqual(verifyJwt(fastToken, key), payloads[0], 'monolite verifies a fast-jwt token');
  deepStrictEqual(verifyJwt(joseToken, key), payloads[0], 'monolite verifies a jose token');
  deepStrictEqual({ ...fastVerify(tokens[0]) }, payloads[0], 'fast-jwt verifies a monolite token');
  deepStrictEqual({ ...(await jose.jwtVerify(tokens[0], joseKey)).payload }, payloads[0], 'jose verifies a monolite token');
  const sameBytes = fastToken === tokens[0] && joseToken === tokens[0];

  // The results land in `sink` so that no call can be optimized away.
  let sink = 0;
  const signOurs: Op = (i) => (sink += signJwt(payloads[i], key).length);
  const signFast: Op = (i) => (sink += fastSign(payloads[i]).length);
  const signJose: AsyncOp = async (i) => {
    sink += (await new jose.SignJWT(payloads[i]).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(joseKey)).length;
  };
  const verifyOurs: Op = (i) => (sink += verifyJwt(tokens[i], key).uid as number);
  const verifyFast: Op = (i) => (sink += fastVerify(tokens[i]).uid as number);
  const verifyJose: AsyncOp = async (i) => {
    sink += (await jose.jwtVerify(tokens[i], joseKey)).payload.uid as number;
  };

  for (const op of [signOurs, signFast, verifyOurs, verifyFast]) opsPerSecond(op, WARMUP_MS);
  for (const op of [signJose, verifyJose]) await asyncOpsPerSecond(op, WARMUP_MS);

  console.log(`jwt: HS256 over ${POOL} session payloads (${tokens[0].length}-character tokens), ${ROUNDS} rounds of ~${ROUND_MS} ms `
    + `(node ${process.versions.node}); the three produce ${sameBytes ? 'identical' : 'interchangeable'} tokens`);
  const signVsFast = await compare('sign', 'fast-jwt', () => opsPerSecond(signOurs, ROUND_MS), () => opsPerSecond(signFast, ROUND_MS));
  const verifyVsFast = await compare('verify', 'fast-jwt', () => opsPerSecond(verifyOurs, ROUND_MS), () => opsPerSecond(verifyFast, ROUND_MS));
  const signVsJose = await compare('sign', 'jose', () => opsPerSecond(signOurs, ROUND_MS), () => asyncOpsPerSecond(signJose, ROUND_MS));
  const verifyVsJose = await compare('verify', 'jose', () => opsPerSecond(verifyOurs, ROUND_MS), () => asyncOpsPerSecond(verifyJose, ROUND_MS));

  console.log('');
  console.log(`jwt: sign   monolite/fast-jwt = ${signVsFast.ratio.toFixed(2)}, monolite/jose = ${signVsJose.ratio.toFixed(2)}`);
  console.log(`jwt: verify monolite/fast-jwt = ${verifyVsFast.ratio.toFixed(2)} (target ≥ 1.0), monolite/jose = ${verifyVsJose.ratio.toFixed(2)} (target ≥ 5)`);
  if (sink === 0) console.log('(unreachable: keeps the results alive)');
  return verifyVsFast.ratio;
}

if (import.meta.main) await main();
