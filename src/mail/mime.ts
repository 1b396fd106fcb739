// Builds an RFC 5322 / MIME message by hand: headers folded at 78 columns with RFC 2047 encoded-words for non-ASCII,
// text and HTML in quoted-printable, attachments in base64: 7-bit, CRLF, no line over 998 octets, safe to send.
import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { encodeWords, MAX_WORD_LENGTH, MIN_WORD_LENGTH } from './encoded-word.ts';
import { encodeQuotedPrintable } from './quoted-printable.ts';

export interface Address {
  address: string;
  name?: string;
}

export interface Attachment {
  filename: string;
  /** `type/subtype`, optionally with parameters; a string `text/*` attachment without a charset gets `charset=utf-8`. */
  contentType: string;
  /** Bytes, or a string sent as UTF-8. */
  content: Buffer | string;
}

export interface MailMessage {
  from: Address;
  to: readonly Address[];
  cc?: readonly Address[];
  /** Recipients in the envelope only, never in a header. */
  bcc?: readonly Address[];
  replyTo?: Address;
  subject: string;
  text: string;
  html?: string;
  attachments?: readonly Attachment[];
  /** Extra header fields (e.g. List-Unsubscribe); not the ones buildMessage writes itself. */
  headers?: Readonly<Record<string, string>>;
  /** `<id@host>` or `id@host`; a random one on the From domain (or `hostname`) when absent. */
  messageId?: string;
  date?: Date;
}

export interface BuildOptions {
  /** The right-hand side of generated Message-IDs (default: the From address's domain). */
  hostname?: string;
  /** Makes multipart boundaries (tests); the default is random and cannot occur in encoded content. */
  boundary?: () => string;
  /** The clock for the Date header when the message has no `date`. */
  now?: () => Date;
}

export interface BuiltMessage {
  /** The message, CRLF line breaks, not dot-stuffed. */
  raw: Buffer;
  /** The Message-ID header's value, angle brackets included. */
  messageId: string;
  /** MAIL FROM and RCPT TO: To, Cc and Bcc, each address once. */
  envelope: { from: string; to: string[] };
  /** True when the message holds 8-bit bytes (only UTF-8 local parts put them there): send with BODY=8BITMIME. */
  eightBit: boolean;
  /** True when an address has a non-ASCII local part: the SMTP server must offer SMTPUTF8. */
  utf8Addresses: boolean;
}

/** Header lines are folded to this many columns when whitespace allows (RFC 5322 §2.1.1). */
const FOLD_AT = 78;
/** No line may be longer, in any part of the message (RFC 5322 §2.1.1). */
const MAX_LINE = 998;
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-";
const ATOM = new RegExp(`^[${ATEXT}]+$`);
const LOCAL_PART = new RegExp(`^[${ATEXT}\\u0080-\\u{10ffff}]+(?:\\.[${ATEXT}\\u0080-\\u{10ffff}]+)*$`, 'u');
const DOT_ATOM = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`);
const DOMAIN_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;
const TOKEN = "[A-Za-z0-9!#$&^_.+-]+";
const CONTENT_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*$`);
// A control character other than tab: CR and LF above all, which would end the header and start another.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const NON_ASCII = /[^\x00-\x7f]/;
/** Written by buildMessage itself; `headers` may not set them (Bcc never appears at all). */
const OWN_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'mime-version',
  'content-type', 'content-transfer-encoding']);

/** A header piece: a word written as is (never split), or text carried in encoded-words. */
type Piece = string | { encode: string };

interface Part {
  /** CRLF-terminated header lines. */
  headers: string;
  /** CRLF-terminated lines, or empty. */
  body: string;
}

/** Renders `msg` as CRLF-terminated bytes ready for SMTP DATA (not yet dot-stuffed); throws a TypeError naming the bad field. */
export function buildMessage(msg: MailMessage, options: BuildOptions = {}): BuiltMessage {
  const state = { utf8: false };
  const from = checkAddress(msg.from, 'from', state);
  const to = (msg.to ?? []).map((a, i) => checkAddress(a, `to[${i}]`, state));
  const cc = (msg.cc ?? []).map((a, i) => checkAddress(a, `cc[${i}]`, state));
  const bcc = (msg.bcc ?? []).map((a, i) => checkAddress(a, `bcc[${i}]`, state));
  const replyTo = msg.replyTo === undefined ? undefined : checkAddress(msg.replyTo, 'replyTo', state);
  const recipients = [...new Set([...to, ...cc, ...bcc].map((a) => a.address))];
  if (recipients.length === 0) throw new TypeError('to: expected at least one recipient in to, cc or bcc');
  checkText(msg.subject, 'subject');
  if (typeof msg.text !== 'string') throw new TypeError('text: expected a string');
  if (msg.html !== undefined && typeof msg.html !== 'string') throw new TypeError('html: expected a string');

  const date = msg.date ?? options.now?.() ?? new Date();
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError(`date: expected a valid Date, got ${String(date)}`);
  const messageId = msg.messageId === undefined
    ? `<${randomBytes(18).toString('base64url')}@${checkHostname(options.hostname ?? from.address.slice(from.address.lastIndexOf('@') + 1))}>`
    : checkMessageId(msg.messageId);

  let head = field('Date', [formatDate(date)]) + field('From', addressList([from]));
  if (to.length > 0) head += field('To', addressList(to));
  if (cc.length > 0) head += field('Cc', addressList(cc));
  if (replyTo) head += field('Reply-To', addressList([replyTo]));
  head += field('Subject', unstructured(msg.subject)) + field('Message-ID', [messageId]);
  for (const [name, value] of Object.entries(msg.headers ?? {})) head += extraHeader(name, value);

  const makeBoundary = options.boundary ?? randomBoundary;
  let body = textPart('plain', msg.text);
  if (msg.html !== undefined) body = multipart('alternative', [body, textPart('html', msg.html)], makeBoundary);
  const attachments = msg.attachments ?? [];
  if (attachments.length > 0) body = multipart('mixed', [body, ...attachments.map(attachmentPart)], makeBoundary);

  head += 'MIME-Version: 1.0\r\n' + body.headers;
  return {
    raw: Buffer.from(`${head}\r\n${body.body}`, 'utf8'),
    messageId,
    envelope: { from: from.address, to: recipients },
    // Bodies are quoted-printable or base64, and headers ASCII but for UTF-8 local parts.
    eightBit: NON_ASCII.test(head),
    utf8Addresses: state.utf8,
  };
}

/** Validates `a` and returns it with its domain in ASCII (IDNA), so only a non-ASCII local part needs SMTPUTF8. */
function checkAddress(a: Address, what: string, state: { utf8: boolean }): Address {
  if (a === null || typeof a !== 'object' || typeof a.address !== 'string') throw new TypeError(`${what}: expected { address, name? }`);
  const bad = (why: string): TypeError => new TypeError(`${what}.address: ${JSON.stringify(a.address)} is not a valid email address: ${why}`);
  const parts = a.address.split('@');
  if (parts.length !== 2) throw bad('expected exactly one "@"');
  const [local, domain] = parts;
  if (!LOCAL_PART.test(local)) throw bad('the local part must be dot-separated atoms (no spaces, quotes, angle brackets or controls)');
  if (Buffer.byteLength(local) > 64) throw bad('the local part is longer than 64 octets');
  let ascii = domain;
  if (NON_ASCII.test(domain)) {
    ascii = domainToASCII(domain);
    if (ascii === '') throw bad('the domain is not a valid internationalized domain name');
  }
  if (ascii.length > 253 || !ascii.split('.').every((label) => label.length <= 63 && DOMAIN_LABEL.test(label))) {
    throw bad('the domain must be dot-separated labels of letters, digits and hyphens');
  }
  const address = `${local}@${ascii}`;
  if (Buffer.byteLength(address) > 254) throw bad('longer than 254 octets');
  if (NON_ASCII.test(local)) state.utf8 = true;
  if (a.name !== undefined) checkText(a.name, `${what}.name`);
  return { address, name: a.name };
}

function checkText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${what}: expected a string`);
  if (CONTROL.test(value)) throw new TypeError(`${what}: ${JSON.stringify(value)} contains a line break or control character`);
}

function checkHostname(hostname: string): string {
  const ascii = NON_ASCII.test(hostname) ? domainToASCII(hostname) : hostname;
  if (!DOT_ATOM.test(ascii)) throw new TypeError(`hostname: ${JSON.stringify(hostname)} is not a host name`);
  return ascii;
}

function checkMessageId(id: string): string {
  const bare = typeof id === 'string' && id.startsWith('<') && id.endsWith('>') ? id.slice(1, -1) : id;
  const at = typeof bare === 'string' ? bare.lastIndexOf('@') : -1;
  if (at === -1 || bare.length > 250 || !DOT_ATOM.test(bare.slice(0, at)) || !DOT_ATOM.test(bare.slice(at + 1))) {
    throw new TypeError(`messageId: ${JSON.stringify(id)} is not a message id (expected <left@right>, dot-atoms)`);
  }
  return `<${bare}>`;
}

/** RFC 5322 §3.3 date-time in UTC: toUTCString has the layout but the obsolete zone "GMT". */
function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * One header field, CRLF-terminated: pieces joined by single spaces, a line folded before a piece that would pass
 * column 78. Encoded-words are cut to the room left on the line, so even the first one fits beside the name.
 */
function field(name: string, pieces: Piece[]): string {
  let out = name + ':';
  let column = out.length;
  const put = (word: string): void => {
    // Never fold right after the name: a field body must not start on a line of its own.
    if (column + 1 + word.length > FOLD_AT && column > name.length + 1) {
      out += '\r\n';
      column = 0;
    }
    out += ' ' + word;
    column += 1 + word.length;
    if (column > MAX_LINE) throw new RangeError(`${name}: a word of ${word.length} characters makes a line longer than ${MAX_LINE} octets`);
  };
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      put(piece);
      continue;
    }
    const room = FOLD_AT - column - 1;
    const words = encodeWords(piece.encode, room >= MIN_WORD_LENGTH ? Math.min(room, MAX_WORD_LENGTH) : MAX_WORD_LENGTH);
    for (const word of words) put(word);
  }
  return out + '\r\n';
}

/** Whether a word of unstructured text or a phrase must travel in an encoded-word. */
function needsEncoding(word: string): boolean {
  // Non-ASCII and tabs need it; "=?" would be read as the start of an encoded-word; a word longer than a folded line
  // can hold is cut by encoding instead (white space is the only place a header can fold).
  return /[^\x20-\x7e]/.test(word) || word.includes('=?') || word.length > FOLD_AT - 1;
}

/**
 * Unstructured text (Subject): plain words as they are, the stretch from the first to the last word that needs it
 * in encoded-words. Splitting at a space followed by a non-space keeps runs of spaces inside the words, so folding
 * never leaves a line of white space only and the text round-trips exactly.
 */
function unstructured(text: string): Piece[] {
  if (text === '') return [];
  const words = text.split(/ (?! )/);
  const first = words.findIndex(needsEncoding);
  if (first === -1) return words;
  const last = words.findLastIndex(needsEncoding);
  return [...words.slice(0, first), { encode: words.slice(first, last + 1).join(' ') }, ...words.slice(last + 1)];
}

/**
 * A display name: atoms as they are, other ASCII as a quoted-string (which may fold at its spaces), the rest in
 * encoded-words, as few as fit, with the name's spaces inside them.
 */
function phrase(name: string): Piece[] {
  const words = name.split(/ (?! )/);
  if (words.some(needsEncoding)) return [{ encode: name }];
  if (words.every((w) => ATOM.test(w))) return words;
  // Split like unstructured text, so the quoted-string folds where the name has a space and keeps every space.
  return `"${name.replace(/["\\]/g, '\\$&')}"`.split(/ (?! )/);
}

function addressList(addresses: readonly Address[]): Piece[] {
  const pieces: Piece[] = [];
  addresses.forEach((a, i) => {
    const comma = i < addresses.length - 1 ? ',' : '';
    if (a.name === undefined || a.name === '') pieces.push(a.address + comma);
    else pieces.push(...phrase(a.name), `<${a.address}>${comma}`);
  });
  return pieces;
}

/** A caller's header: name and value checked; ASCII values kept as written, others as encoded unstructured text. */
function extraHeader(name: string, value: string): string {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new TypeError(`headers: ${JSON.stringify(name)} is not a header field name`);
  if (OWN_HEADERS.has(name.toLowerCase())) throw new TypeError(`headers: "${name}" is written by buildMessage; set it through its own field`);
  checkText(value, `headers[${JSON.stringify(name)}]`);
  return field(name, NON_ASCII.test(value) ? unstructured(value) : value === '' ? [] : value.split(/ (?! )/));
}

function textPart(subtype: 'plain' | 'html', text: string): Part {
  return {
    headers: `Content-Type: text/${subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n`,
    body: encodeQuotedPrintable(text),
  };
}

function attachmentPart(a: Attachment, i: number): Part {
  const what = `attachments[${i}]`;
  if (a === null || typeof a !== 'object') throw new TypeError(`${what}: expected { filename, contentType, content }`);
  checkText(a.filename, `${what}.filename`);
  if (a.filename === '') throw new TypeError(`${what}.filename: expected a non-empty file name`);
  if (typeof a.contentType !== 'string' || !CONTENT_TYPE.test(a.contentType)) {
    throw new TypeError(`${what}.contentType: ${JSON.stringify(a.contentType)} is not a media type (expected type/subtype[; name=value])`);
  }
  const isString = typeof a.content === 'string';
  if (!isString && !Buffer.isBuffer(a.content)) throw new TypeError(`${what}.content: expected a Buffer or a string`);
  const params = a.contentType.split(/\s*;\s*/);
  if (isString && /^text\//i.test(params[0]) && !params.some((p) => /^charset=/i.test(p))) params.push('charset=utf-8');
  const data = isString ? Buffer.from(a.content as string, 'utf8') : a.content as Buffer;
  // `name` on Content-Type is obsolete but still the one some mail clients read.
  const type = field('Content-Type', withParams(params, 'name', a.filename));
  const disposition = field('Content-Disposition', withParams(['attachment'], 'filename', a.filename));
  return { headers: `${type}${disposition}Content-Transfer-Encoding: base64\r\n`, body: wrapBase64(data) };
}

/** Pieces of `value; p1; p2; attr=filename`, the file name in RFC 2231 form (with continuations) when not plain ASCII. */
function withParams(params: string[], attr: string, filename: string): Piece[] {
  const all = [...params, ...fileNameParam(attr, filename)];
  return all.map((p, i) => (i < all.length - 1 ? p + ';' : p));
}

function fileNameParam(attr: string, filename: string): string[] {
  const quoted = `${attr}="${filename.replace(/["\\]/g, '\\$&')}"`;
  if (!/[^\x20-\x7e]/.test(filename) && !filename.includes('=?') && quoted.length < FOLD_AT - 1) return [quoted];
  // RFC 2231 extended value, in sections short enough for one folded line each, each cut between characters.
  const sections: string[] = [];
  let current = '';
  const room = FOLD_AT - 1 - `${attr}*00*=utf-8'';`.length;
  for (const ch of filename) {
    let encoded = '';
    for (const b of Buffer.from(ch, 'utf8')) encoded += /[A-Za-z0-9!#$&+.^_`|~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    if (current.length + encoded.length > room) {
      sections.push(current);
      current = '';
    }
    current += encoded;
  }
  sections.push(current);
  if (sections.length === 1) return [`${attr}*=utf-8''${sections[0]}`];
  return sections.map((s, i) => `${attr}*${i}*=${i === 0 ? "utf-8''" : ''}${s}`);
}

function wrapBase64(data: Buffer): string {
  const b64 = data.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += b64.slice(i, i + 76) + '\r\n';
  return out;
}

/**
 * A multipart container. The default boundary starts with "=_", which neither quoted-printable ("=" is always
 * followed by hex digits or a line break) nor base64 can produce; a boundary from `options.boundary` is checked.
 */
function multipart(subtype: 'alternative' | 'mixed', parts: Part[], makeBoundary: () => string): Part {
  const boundary = makeBoundary();
  if (typeof boundary !== 'string' || !/^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$/.test(boundary)) {
    throw new TypeError(`boundary: ${JSON.stringify(boundary)} is not a MIME boundary (1-70 characters of RFC 2046 bchars)`);
  }
  let body = '';
  for (const part of parts) {
    if (part.headers.includes(boundary) || part.body.includes(boundary)) throw new RangeError(`boundary: ${JSON.stringify(boundary)} occurs in the content`);
    // The CRLF before each "--boundary" belongs to the delimiter, not to the part (RFC 2046 §5.1.1).
    body += `--${boundary}\r\n${part.headers}\r\n${part.body}\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { headers: field('Content-Type', [`multipart/${subtype};`, `boundary="${boundary}"`]), body };
}

function randomBoundary(): string {
  return '=_' + randomBytes(24).toString('base64url');
}
