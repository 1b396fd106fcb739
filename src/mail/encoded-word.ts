// RFC 2047 encoded-words: non-ASCII text in headers (Subject, display names) as =?UTF-8?Q?...?= or =?UTF-8?B?...?=,
// each word at most 75 characters and cut only between characters, so no decoder ever sees half a UTF-8 sequence.

/** The longest encoded-word RFC 2047 §2 allows. */
export const MAX_WORD_LENGTH = 75;
/** The shortest limit `encodeWords` accepts: room for one 4-byte character in either encoding. */
export const MIN_WORD_LENGTH = 24;

const HEX = '0123456789ABCDEF';
const OVERHEAD = '=?UTF-8?Q?'.length + '?='.length;

/**
 * Encodes `text` as a sequence of encoded-words: the first at most `firstLimit` characters long, the others at most
 * 75. Decoders join adjacent encoded-words and drop the whitespace between them, so the words carry the text's own
 * spaces. Q is used when it is no longer than B: readable for mostly-Latin text, while B is shorter for CJK and
 * emoji (4 characters per 3 bytes against Q's 3 per byte).
 */
export function encodeWords(text: string, firstLimit: number = MAX_WORD_LENGTH): string[] {
  if (firstLimit < MIN_WORD_LENGTH || firstLimit > MAX_WORD_LENGTH) throw new RangeError(`Encoded-word limit must be ${MIN_WORD_LENGTH}..${MAX_WORD_LENGTH}, got ${firstLimit}`);
  const all = Buffer.from(text, 'utf8');
  let qLength = 0;
  for (const b of all) qLength += qSafe(b) ? 1 : 3;
  const q = qLength <= Math.ceil(all.length / 3) * 4;
  const words: string[] = [];
  let limit = firstLimit - OVERHEAD;
  let chunk: Buffer[] = [];
  let bytes = 0;
  let length = 0;
  const flush = (): void => {
    const data = Buffer.concat(chunk);
    words.push(q ? `=?UTF-8?Q?${encodeQ(data)}?=` : `=?UTF-8?B?${data.toString('base64')}?=`);
    chunk = [];
    bytes = length = 0;
    limit = MAX_WORD_LENGTH - OVERHEAD;
  };
  // Iterating a string yields whole code points, so a surrogate pair (an emoji) is never cut in two.
  for (const ch of text) {
    const encoded = Buffer.from(ch, 'utf8');
    let cost = 0;
    if (q) for (const b of encoded) cost += qSafe(b) ? 1 : 3;
    const next = q ? length + cost : Math.ceil((bytes + encoded.length) / 3) * 4;
    if (next > limit && chunk.length > 0) flush();
    chunk.push(encoded);
    bytes += encoded.length;
    length = q ? length + cost : Math.ceil(bytes / 3) * 4;
  }
  if (chunk.length > 0 || words.length === 0) flush();
  return words;
}

// Q-encoding may leave only these unencoded inside a phrase (RFC 2047 §5 rule 3), the strictest of its contexts, so
// one encoder serves Subject and display names alike; a space is written `_`.
function qSafe(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x20 ||
    b === 0x21 || b === 0x2a || b === 0x2b || b === 0x2d || b === 0x2f;
}

function encodeQ(data: Buffer): string {
  let out = '';
  for (const b of data) {
    if (b === 0x20) out += '_';
    else if (qSafe(b)) out += String.fromCharCode(b);
    else out += '=' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}
