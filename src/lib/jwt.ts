// JSON Web Tokens (RFC 7519) signed with HS256 (RFC 7515 JWS compact serialization), and a strict verifier: the
// algorithm is pinned, encodings must be canonical, JSON must be unambiguous, and the signature is checked first.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { isUtf8 } from 'node:buffer';

export type JwtErrorCode = 'token_invalid' | 'token_expired' | 'token_not_yet_valid' | 'token_signature' | 'token_algorithm' | 'token_too_large';

/** Any reason a token is refused; `code` is the stable machine code, the message says what is wrong. */
export class JwtError extends Error {
  readonly code: JwtErrorCode;

  constructor(code: JwtErrorCode, message: string) {
    super(message);
    this.name = 'JwtError';
    this.code = code;
  }
}

export type JwtPayload = Record<string, unknown>;

export interface VerifyOptions {
  /** The current time in Unix milliseconds (default Date.now). */
  now?: () => number;
  /** Seconds of clock difference tolerated for exp, nbf and iat (default 30). */
  clockSkewS?: number;
  /** Longest token accepted, in characters (default 8192); checked before any decoding. */
  maxLength?: number;
  /** Whether a token without `exp` is refused (default true). */
  requireExp?: boolean;
}

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
const MIN_SECRET_BYTES = 32;
const DEFAULT_MAX_LENGTH = 8192;
const DEFAULT_CLOCK_SKEW_S = 30;
/** Beyond 2^53 seconds a NumericDate is no longer an exact integer, and no real token needs one. */
const MAX_NUMERIC_DATE = 2 ** 53;
/** 32 HMAC-SHA256 bytes in unpadded base64url. */
const SIGNATURE_CHARS = 43;

// The header is the same for every token signed here: encoded once. A verified token carrying exactly these
// characters needs no header decoding either.
const ENCODED_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const SIGNING_PREFIX = ENCODED_HEADER + '.';

// 1 + the value of each base64url character, 0 for the rest of ASCII (0 marks "not base64url" without a sign test).
const BASE64URL_VALUE = new Uint8Array(128);
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
for (let i = 0; i < 64; i++) BASE64URL_VALUE[BASE64URL_ALPHABET.charCodeAt(i)] = i + 1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Objects with more keys than this check duplicates with a Set rather than a linear scan. */
const LINEAR_KEYS = 16;

/** A signing key made once: createSecretKey of the secret (≥ 32 bytes; RangeError otherwise). */
export function jwtKey(secret: string | Buffer): KeyObject {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (!(bytes.length >= MIN_SECRET_BYTES)) {
    throw new RangeError(`A JWT HS256 secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`);
  }
  // A KeyObject is parsed once; HMAC with a raw Buffer key is several times slower per token on OpenSSL 3.
  return createSecretKey(bytes);
}

/** Signs payload with HS256; header {"alg":"HS256","typ":"JWT"}; base64url without padding. */
export function signJwt(payload: JwtPayload, key: KeyObject): string {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('A JWT payload must be a plain object');
  }
  const json = JSON.stringify(payload);
  // A toJSON method could turn the object into something else, which no verifier would accept.
  if (json.charCodeAt(0) !== OPEN_BRACE) throw new TypeError('A JWT payload must serialize to a JSON object');
  const input = SIGNING_PREFIX + Buffer.from(json, 'utf8').toString('base64url');
  return input + '.' + createHmac('sha256', key).update(input, 'latin1').digest('base64url');
}

/** Verifies and returns the payload; throws JwtError. */
export function verifyJwt(token: string, key: KeyObject, options?: VerifyOptions): JwtPayload {
  const d2 = checkStructure(token, maxLengthOf(options?.maxLength));
  const d1 = token.indexOf('.');
  if (!hasStandardHeader(token, d1)) checkHeader(parseSegment(token, 0, d1, 'header'));

  // The length of an HS256 signature is public, so refusing another length early leaks nothing.
  const signatureChars = token.length - d2 - 1;
  if (signatureChars !== SIGNATURE_CHARS) {
    throw new JwtError('token_signature', `Token signature is ${signatureChars} characters long; an HS256 signature has ${SIGNATURE_CHARS}`);
  }
  // The signing input is base64url (checked), so latin1 and UTF-8 give the same bytes; latin1 is the cheaper copy.
  const expected = createHmac('sha256', key).update(token.slice(0, d2), 'latin1').digest();
  if (!timingSafeEqual(expected, Buffer.from(token.slice(d2 + 1), 'base64url'))) {
    throw new JwtError('token_signature', 'Token signature does not match (wrong key, or the token was altered)');
  }

  const payload = parseSegment(token, d1 + 1, d2, 'payload');
  checkClaims(payload, options);
  return payload;
}

/**
 * Header and payload WITHOUT verifying (for picking the key: e.g. reading `sub` before the per-user key is derived).
 * Throws JwtError token_invalid when malformed (same structural checks as verify), token_too_large when too long.
 */
export function decodeJwtUnverified(token: string, options?: { maxLength?: number }): { header: JwtPayload; payload: JwtPayload } {
  const d2 = checkStructure(token, maxLengthOf(options?.maxLength));
  const d1 = token.indexOf('.');
  return { header: parseSegment(token, 0, d1, 'header'), payload: parseSegment(token, d1 + 1, d2, 'payload') };
}

/** Whether the header segment is the one signJwt writes: known good, nothing to decode or check. */
function hasStandardHeader(token: string, d1: number): boolean {
  return d1 === ENCODED_HEADER.length && token.startsWith(ENCODED_HEADER);
}

function invalid(message: string): JwtError {
  return new JwtError('token_invalid', message);
}

/** A short rendering of a value for a message (strings quoted), never a whole token. */
function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  const short = text.length > 24 ? text.slice(0, 24) + '…' : text;
  return typeof value === 'string' ? JSON.stringify(short) : short;
}

function maxLengthOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_LENGTH;
  // A NaN limit would compare false and let any length through.
  if (!(value >= 0)) throw new RangeError(`JWT maxLength must be a non-negative number, got ${value}`);
  return value;
}

/**
 * Checks the length, the three segments and their encodings, before anything is decoded or hashed; returns the
 * offset of the second dot.
 */
function checkStructure(token: string, maxLength: number): number {
  if (typeof token !== 'string') throw invalid(`Token must be a string, got ${token === null ? 'null' : typeof token}`);
  if (token.length > maxLength) {
    throw new JwtError('token_too_large', `Token is ${token.length} characters long; at most ${maxLength} are accepted`);
  }
  const d1 = token.indexOf('.');
  const d2 = d1 === -1 ? -1 : token.indexOf('.', d1 + 1);
  if (d2 === -1 || token.indexOf('.', d2 + 1) !== -1) {
    throw invalid(`Token must have 3 dot-separated segments, found ${token.split('.').length}`);
  }
  if (d1 === 0) throw invalid('Token header segment is empty');
  if (d2 === d1 + 1) throw invalid('Token payload segment is empty');
  if (!hasStandardHeader(token, d1)) checkBase64url(token, 0, d1, 'header');
  checkBase64url(token, d1 + 1, d2, 'payload');
  checkBase64url(token, d2 + 1, token.length, 'signature');
  return d2;
}

/**
 * Only canonical unpadded base64url: Node's decoder also takes padding, `+`, `/` and stray bits, so one token could
 * be spelled several ways, and what was signed would not be what is read.
 */
function checkBase64url(token: string, start: number, end: number, part: string): void {
  const tail = (end - start) & 3;
  if (tail === 1) throw invalid(`Token ${part} segment has ${end - start} characters, a length base64url cannot have`);
  let entry = 0;
  for (let i = start; i < end; i++) {
    const c = token.charCodeAt(i);
    entry = BASE64URL_VALUE[c & 127];
    if (entry === 0 || c > 127) throw invalid(`Token ${part} segment has ${describe(token[i])} at character ${i}; expected unpadded base64url`);
  }
  // The last character of a partial group carries bits past the last byte: 4 of them after 2 characters, 2 after 3.
  const value = entry - 1;
  if ((tail === 2 && (value & 15) !== 0) || (tail === 3 && (value & 3) !== 0)) {
    throw invalid(`Token ${part} segment is not canonical base64url (its last character has bits set past the data)`);
  }
}

/** Decodes a base64url segment (already checked) as a UTF-8 JSON object. */
function parseSegment(token: string, start: number, end: number, part: string): JwtPayload {
  const bytes = Buffer.from(token.slice(start, end), 'base64url');
  const json = bytes.toString('utf8');
  // Invalid UTF-8 decodes to U+FFFD; only then is the (rarer) full check worth it.
  if (json.includes('\uFFFD') && !isUtf8(bytes)) throw invalid(`Token ${part} is not valid UTF-8`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalid(`Token ${part} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`Token ${part} must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  const duplicate = findDuplicateKey(json);
  if (duplicate !== undefined) throw invalid(`Token ${part} has the key ${describe(duplicate)} more than once`);
  return value as JwtPayload;
}

/**
 * The first key that occurs twice in one object of `json` (valid JSON, already parsed): JSON.parse silently keeps
 * the last, and another reader may keep the first. Keys are compared decoded, so "a\u0062" equals "ab".
 */
function findDuplicateKey(json: string): string | undefined {
  // Per open container: the keys seen so far (an array while short, then a Set), or null for an array.
  const outer: (string[] | Set<string> | null)[] = [];
  let keys: string[] | Set<string> | null = null;
  // In valid JSON, a string right after `{` or after a comma inside an object is a key.
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; json.charCodeAt(i) !== QUOTE; i++) {
        if (json.charCodeAt(i) === BACKSLASH) {
          escaped = true;
          i++;
        }
      }
      if (!expectKey || keys === null) continue;
      expectKey = false;
      const key = escaped ? (JSON.parse(json.slice(start, i + 1)) as string) : json.slice(start + 1, i);
      if (Array.isArray(keys)) {
        if (keys.includes(key)) return key;
        keys.push(key);
        if (keys.length > LINEAR_KEYS) keys = new Set(keys);
      } else {
        if (keys.has(key)) return key;
        keys.add(key);
      }
    } else if (c === OPEN_BRACE) {
      outer.push(keys);
      keys = [];
      expectKey = true;
    } else if (c === OPEN_BRACKET) {
      outer.push(keys);
      keys = null;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      keys = outer.pop() ?? null;
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = keys !== null;
    }
  }
  return undefined;
}

/** The header of a token not signed here: only HS256, only type JWT, no extensions. */
function checkHeader(header: JwtPayload): void {
  const alg = header.alg;
  if (alg !== 'HS256') {
    throw new JwtError('token_algorithm', alg === undefined
      ? 'Token header has no "alg"; expected "HS256"'
      : `Token algorithm ${describe(alg)} is not accepted; expected "HS256"`);
  }
  const typ = header.typ;
  if (typ !== undefined && (typeof typ !== 'string' || typ.length !== 3 || typ.toUpperCase() !== 'JWT')) {
    throw invalid(`Token type ${describe(typ)} is not "JWT"`);
  }
  // RFC 7515 §4.1.11: a recipient that does not understand a listed extension must refuse; none is understood here.
  if (header.crit !== undefined) throw invalid('Token header has "crit"; no JWS extensions are supported');
}

/** A NumericDate claim (seconds), or undefined when absent. */
function numericDate(payload: JwtPayload, name: string): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(Math.abs(value) <= MAX_NUMERIC_DATE)) {
    throw invalid(`Token claim "${name}" must be a number of seconds, got ${describe(value)}`);
  }
  return value;
}

function checkClaims(payload: JwtPayload, options: VerifyOptions | undefined): void {
  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  if (exp === undefined && (options?.requireExp ?? true)) throw invalid('Token has no "exp" claim');
  const skew = options?.clockSkewS ?? DEFAULT_CLOCK_SKEW_S;
  const nowMs = options?.now === undefined ? Date.now() : options.now();
  // NaN would make every comparison below false: a token that never expires.
  if (!(skew >= 0 && skew < Infinity)) throw new RangeError(`JWT clockSkewS must be a non-negative number, got ${skew}`);
  if (!Number.isFinite(nowMs)) throw new RangeError(`JWT now() must return Unix milliseconds, got ${nowMs}`);
  const now = nowMs / 1000;
  if (exp !== undefined && now > exp + skew) throw new JwtError('token_expired', `Token expired at ${isoSeconds(exp)}`);
  if (nbf !== undefined && nbf > now + skew) throw new JwtError('token_not_yet_valid', `Token is not valid before ${isoSeconds(nbf)}`);
  if (iat !== undefined && iat > now + skew) throw invalid(`Token claims to be issued in the future, at ${isoSeconds(iat)}`);
}

function isoSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} s` : date.toISOString();
}
