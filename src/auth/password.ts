// Password hashing with scrypt (node:crypto, run on the libuv thread pool so the event loop keeps serving) and the
// password policy: length in code points after NFC normalization, no NUL, not one of the 10,000 most common.
//
// Stored format, self-describing so that the cost can rise later without losing old hashes:
//
//   $scrypt$ln=15,r=8,p=1$<salt>$<key>
//
// ln is log2 of scrypt's N (the CPU/memory cost), r the block size, p the parallelization; salt is 16 random bytes
// and key the 32-byte derived key, both in standard base64 (A–Z a–z 0–9 + /) without padding (22 and 43 characters).
// The parser is strict: anything else is not a hash and verifies as false.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** scrypt's parameters: N (a power of two) sets CPU and memory, r the block size, p the parallelization. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * The cost new hashes get: 2^15 × 8 × 1 uses 32 MiB and took 83–108 ms per hash on the 2-core development machine
 * (2^14: ~45 ms, 2^16: ~175 ms), a login delay nobody notices that still makes each guess expensive offline.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

export type PasswordProblem = 'too_short' | 'too_long' | 'nul' | 'common';

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const MIN_LENGTH = 8;
const MAX_LENGTH = 256;
// scrypt refuses to run when 128·r·(N + p + 2) bytes exceed maxmem (OpenSSL's own accounting). A fixed ceiling of
// 256 MiB leaves room for N = 2^17 with r = 8 (128 MiB), so the cost can be raised well past the default while the
// old hashes keep verifying; the ceiling is not an allocation, only what a hash may ask for.
const MAX_MEMORY = 256 * 1024 * 1024;
// Bounds for parameters read back from storage: far past any sensible cost, and low enough that a corrupted or
// planted hash can't make one verification run for minutes.
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;

const HASH_FORMAT = /^\$scrypt\$ln=([1-9]\d?),r=([1-9]\d?),p=([1-9]\d?)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

/** NFC normalization used everywhere a password is hashed or compared (so "é" typed two ways is one password). */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** Hashes with scrypt (async, node:crypto — off the event loop, libuv thread pool) and a 16-byte random salt. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const problem = costProblem(cost);
  if (problem !== null) throw new RangeError(`Invalid scrypt cost ${JSON.stringify(cost)}: ${problem}`);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(normalizePassword(password), salt, cost);
  return `$scrypt$ln=${Math.log2(cost.N)},r=${cost.r},p=${cost.p}$${base64(salt)}$${base64(key)}`;
}

/**
 * True when password matches; constant-time compare; false (never throws) for an empty or malformed stored hash —
 * but DOES still spend the same time as a real check (hash against a dummy) so callers can't be timed.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = typeof stored === 'string' ? parseHash(stored) : null;
  const target = parsed ?? (await dummyParsed());
  const key = await derive(normalizePassword(password), target.salt, target.cost);
  // The comparison runs on the dummy path too: the two paths differ in nothing a clock can see but the parse.
  const same = timingSafeEqual(key, target.key);
  return parsed !== null && same;
}

/**
 * True when the stored hash uses a lower cost than `cost` (rehash on next login): any of N, r, p below the target.
 * Also true for a string that is not a hash at all, since there is nothing in it worth keeping.
 */
export function needsRehash(stored: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): boolean {
  const parsed = typeof stored === 'string' ? parseHash(stored) : null;
  if (parsed === null) return true;
  const have = parsed.cost;
  return have.N < cost.N || have.r < cost.r || have.p < cost.p;
}

let dummy: string | undefined;
let dummyParsedHash: ParsedHash | undefined;

/**
 * A stored hash at the default cost that no password matches, for logins of unknown users: verifying against it
 * costs one scrypt like any other check, so timing reveals nothing. Its salt and key are random bytes — it is the
 * hash of no password (a key equal to scrypt's output would be a 2^-256 chance), so nothing needs hashing to make it:
 * neither the start (it used to run one scrypt, 32 MiB and ~100 ms, at every start) nor the first login pays.
 */
export function dummyHash(): Promise<string> {
  dummy ??= `$scrypt$ln=${Math.log2(DEFAULT_SCRYPT_COST.N)},r=${DEFAULT_SCRYPT_COST.r},p=${DEFAULT_SCRYPT_COST.p}$${base64(randomBytes(SALT_BYTES))}$${base64(randomBytes(KEY_BYTES))}`;
  return Promise.resolve(dummy);
}

async function dummyParsed(): Promise<ParsedHash> {
  if (dummyParsedHash === undefined) dummyParsedHash = parseHash(await dummyHash()) as ParsedHash;
  return dummyParsedHash;
}

/**
 * Policy: Unicode NFC-normalized; 8–256 characters (code points, after normalization); no NUL; not in the
 * common-password list (compared case-insensitively). Returns the problem or null.
 */
export function checkPasswordPolicy(password: string): PasswordProblem | null {
  // A cheap guard before normalizing a huge body field: NFC turns at most 4 code points into 1 (the longest canonical
  // decompositions) and a code point is at most 2 UTF-16 units, so past 8× the limit (16× for room to spare) the
  // string is still too long afterwards.
  if (password.length > MAX_LENGTH * 16) return 'too_long';
  const normalized = normalizePassword(password);
  let codePoints = 0;
  for (const _ of normalized) codePoints++;
  if (codePoints < MIN_LENGTH) return 'too_short';
  if (codePoints > MAX_LENGTH) return 'too_long';
  if (normalized.includes('\0')) return 'nul';
  if (commonPasswords().has(normalized.toLowerCase())) return 'common';
  return null;
}

let common: Set<string> | undefined;

/** The common-password list, read once on first use (73 KB; most processes that never register anyone skip it). */
function commonPasswords(): Set<string> {
  if (common === undefined) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    common = new Set();
    for (const line of text.split('\n')) {
      const entry = line.replace(/\r$/, '');
      if (entry !== '') common.add(entry.normalize('NFC').toLowerCase());
    }
  }
  return common;
}

/** Why a cost can't be used, or null. */
function costProblem(cost: ScryptCost): string | null {
  const { N, r, p } = cost;
  if (!Number.isInteger(N) || N < 2 || N > 2 ** MAX_LOG_N || (N & (N - 1)) !== 0) {
    return `N must be a power of two from 2 to 2^${MAX_LOG_N}`;
  }
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) return `r must be an integer from 1 to ${MAX_R}`;
  if (N >= 2 ** (16 * r)) return 'N must be below 2^(16·r)'; // scrypt's own bound (RFC 7914)
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) return `p must be an integer from 1 to ${MAX_P}`;
  if (memoryOf(cost) > MAX_MEMORY) return `it needs ${memoryOf(cost)} bytes, more than the ${MAX_MEMORY} allowed`;
  return null;
}

function memoryOf(cost: ScryptCost): number {
  return 128 * cost.r * (cost.N + cost.p + 2);
}

/** The parts of a stored hash, or null when it is not exactly in the documented format with usable parameters. */
function parseHash(stored: string): ParsedHash | null {
  const m = HASH_FORMAT.exec(stored);
  if (m === null) return null;
  const ln = Number(m[1]);
  if (ln > MAX_LOG_N) return null;
  const cost = { N: 2 ** ln, r: Number(m[2]), p: Number(m[3]) };
  if (costProblem(cost) !== null) return null;
  const salt = Buffer.from(m[4], 'base64');
  const key = Buffer.from(m[5], 'base64');
  // Base64 without padding leaves unused bits in the last character; only the canonical spelling is accepted, so
  // one hash has one text.
  if (base64(salt) !== m[4] || base64(key) !== m[5]) return null;
  return { cost, salt, key };
}

function base64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(Buffer.from(password, 'utf8'), salt, KEY_BYTES, { ...cost, maxmem: MAX_MEMORY }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}
