// DKIM signing (RFC 6376) with rsa-sha256 and relaxed/relaxed canonicalization: prepends the DKIM-Signature header
// a receiver checks against the public key published at <selector>._domainkey.<domain>.
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { domainToASCII } from 'node:url';

export interface DkimOptions {
  /** The signing domain (d=); usually the From address's domain or a parent of it. */
  domain: string;
  /** The key's selector (s=): the TXT record lives at <selector>._domainkey.<domain>. */
  selector: string;
  /** An RSA private key of at least 1024 bits (2048 recommended), as a KeyObject or PEM. */
  privateKey: KeyObject | string;
  /**
   * Header fields to sign (h=), in order; must include From. A name listed more often than the message has that
   * field signs its absence too, so no such field can be added later. Default: each of From, To, Cc, Subject,
   * Date, Message-ID, Reply-To, MIME-Version and Content-Type present, listed once more than it occurs.
   */
  headers?: string[];
  /** The clock for the signature's timestamp (t=). */
  now?: () => Date;
}

const DEFAULT_HEADERS = ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'reply-to', 'mime-version', 'content-type'];
const FOLD_AT = 78;
const DOMAIN = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/;

/** Returns `raw` (a CRLF message) with a DKIM-Signature header prepended; throws a TypeError on a bad key or option. */
export function signDkim(raw: Buffer, options: DkimOptions): Buffer {
  const domain = checkDomain(options.domain, 'domain');
  const selector = checkDomain(options.selector, 'selector');
  const key = rsaKey(options.privateKey);
  // latin1 maps bytes to characters one to one, so UTF-8 header bytes (SMTPUTF8) pass through canonicalization intact.
  const text = raw.toString('latin1');
  if (/(?<!\r)\n/.test(text)) throw new TypeError('DKIM: the message must use CRLF line breaks (found a bare LF)');
  const end = text.indexOf('\r\n\r\n');
  const headerText = end === -1 ? text : text.slice(0, end + 2);
  const body = end === -1 ? '' : text.slice(end + 4);
  // A field runs to the CRLF that is not followed by white space (which would make the next line a continuation).
  const fields = headerText.split(/\r\n(?![ \t])/).filter((f) => f !== '');
  const byName = new Map<string, string[]>();
  for (const f of fields) {
    const colon = f.indexOf(':');
    if (colon < 1) throw new TypeError(`DKIM: ${JSON.stringify(f.slice(0, 40))} is not a header field`);
    const name = f.slice(0, colon).replace(/[ \t]+$/, '').toLowerCase();
    byName.set(name, [...(byName.get(name) ?? []), f]);
  }
  if (!byName.has('from')) throw new TypeError('DKIM: the message has no From header field, which must be signed');

  let signed: string[];
  if (options.headers === undefined) {
    signed = DEFAULT_HEADERS.flatMap((h) => {
      const n = byName.get(h)?.length ?? 0;
      return n === 0 ? [] : new Array<string>(n + 1).fill(h);
    });
  } else {
    signed = options.headers.map((h) => {
      if (typeof h !== 'string' || !/^[\x21-\x39\x3c-\x7e]+$/.test(h)) throw new TypeError(`DKIM headers: ${JSON.stringify(h)} is not a header field name`);
      return h.toLowerCase();
    });
    if (!signed.includes('from')) throw new TypeError('DKIM headers: must include "from" (RFC 6376 §5.4)');
  }

  // Each listed name takes the last instance not yet used, from the bottom up; one listed beyond what exists
  // contributes nothing (RFC 6376 §5.4.2).
  const used = new Map<string, number>();
  let data = '';
  for (const name of signed) {
    const instances = byName.get(name) ?? [];
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    if (n < instances.length) data += relaxedHeader(instances[instances.length - 1 - n]) + '\r\n';
  }

  const bh = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
  const t = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const tags = ['v=1;', 'a=rsa-sha256;', 'c=relaxed/relaxed;', `d=${domain};`, `s=${selector};`, `t=${t};`];
  const header = foldTags(tags, signed, `bh=${bh};`);
  // The signature covers its own header with an empty b=, exactly as folded here: relaxed canonicalization keeps
  // (collapsed) folding white space, and a verifier removes only the b= value.
  data += relaxedHeader(header);
  const b = sign('sha256', Buffer.from(data, 'latin1'), key).toString('base64');
  return Buffer.concat([Buffer.from(appendFolded(header, b) + '\r\n', 'latin1'), raw]);
}

/** Relaxed header canonicalization (RFC 6376 §3.4.2), without the final CRLF. */
function relaxedHeader(f: string): string {
  const colon = f.indexOf(':');
  const name = f.slice(0, colon).replace(/[ \t]+$/, '').toLowerCase();
  // Only SP and HTAB count as white space here: String#trim would also eat a latin1 NBSP (a UTF-8 byte 0xA0).
  const value = f.slice(colon + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
  return `${name}:${value}`;
}

/** Relaxed body canonicalization (RFC 6376 §3.4.4): white space runs collapsed and trimmed at line ends, empty lines at the end dropped. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  let n = lines.length;
  while (n > 0 && lines[n - 1] === '') n--;
  // An empty body stays empty; any other ends with exactly one CRLF. A last line without one is trimmed like the
  // others: that is what the receiver sees, as SMTP adds the CRLF before the final ".".
  return n === 0 ? '' : lines.slice(0, n).join('\r\n') + '\r\n';
}

/** The DKIM-Signature field, folded at 78 columns between tags and between h= names, ending in an empty `b=`. */
function foldTags(tags: string[], signed: string[], bh: string): string {
  const tokens = [...tags, ...signed.map((h, i) => (i === 0 ? 'h=' : ':') + h + (i === signed.length - 1 ? ';' : '')), bh, 'b='];
  let out = 'DKIM-Signature:';
  let column = out.length;
  for (const token of tokens) {
    // h= names follow each other directly; FWS is allowed around their colons, so a fold may go there.
    const sep = token.startsWith(':') ? '' : ' ';
    if (column + sep.length + token.length > FOLD_AT) {
      out += '\r\n ';
      column = 1;
    } else {
      out += sep;
      column += sep.length;
    }
    out += token;
    column += token.length;
  }
  return out;
}

/** Appends the signature to the header's final `b=`, folded at 78 columns (white space in b= is ignored). */
function appendFolded(header: string, b: string): string {
  let column = header.length - header.lastIndexOf('\n') - 1;
  let out = header;
  for (let i = 0; i < b.length;) {
    let room = FOLD_AT - column;
    if (room < 8) {
      out += '\r\n ';
      column = 1;
      room = FOLD_AT - 1;
    }
    out += b.slice(i, i + room);
    column += Math.min(room, b.length - i);
    i += room;
  }
  return out;
}

function checkDomain(value: string, what: string): string {
  const ascii = typeof value === 'string' && /[^\x00-\x7f]/.test(value) ? domainToASCII(value) : value;
  if (typeof ascii !== 'string' || !DOMAIN.test(ascii)) throw new TypeError(`DKIM ${what}: ${JSON.stringify(value)} is not a domain name`);
  return ascii;
}

function rsaKey(privateKey: KeyObject | string): KeyObject {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') throw new TypeError('DKIM privateKey: expected an RSA private key (rsa-sha256)');
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  // Verifiers reject shorter keys (RFC 8301 §3.2).
  if (bits < 1024) throw new RangeError(`DKIM privateKey: ${bits}-bit RSA is too short (at least 1024, 2048 recommended)`);
  return key;
}
