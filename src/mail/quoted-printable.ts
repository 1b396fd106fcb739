// Quoted-printable (RFC 2045 §6.7) for text bodies: any UTF-8 text becomes 7-bit lines of at most 76 characters,
// so a message needs no 8BITMIME and no relay ever meets a line over SMTP's 998-octet limit.

const HEX = '0123456789ABCDEF';
/** Encoded lines end at 76 characters, a soft line break's `=` included. */
const MAX_LINE = 76;

/**
 * Encodes `text` as quoted-printable with CRLF line breaks: CRLF, bare LF and bare CR in the input are each one
 * line break. The result ends with CRLF (or is empty): when the text does not end with a line break, its last line
 * ends with a soft line break, so a decoder gives back exactly the text and the part still ends with a full line.
 */
export function encodeQuotedPrintable(text: string): string {
  if (text === '') return '';
  const out: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  const endsWithBreak = lines[lines.length - 1] === '';
  if (endsWithBreak) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const softEnd = !endsWithBreak && i === lines.length - 1;
    encodeLine(Buffer.from(lines[i], 'utf8'), softEnd, out);
  }
  return out.join('');
}

/** Appends the encoded lines (CRLF-terminated) of one input line. */
function encodeLine(bytes: Buffer, softEnd: boolean, out: string[]): void {
  let line = '';
  for (let i = 0; i < bytes.length; i++) {
    const last = i === bytes.length - 1;
    // The final token may fill the line to 76 unless a soft break's `=` must still follow it.
    const limit = last && !softEnd ? MAX_LINE : MAX_LINE - 1;
    let token = encodeByte(bytes, i, line === '', last);
    if (line.length + token.length > limit) {
      out.push(line + '=\r\n');
      line = '';
      token = encodeByte(bytes, i, true, last);
    }
    line += token;
  }
  out.push(softEnd ? line + '=\r\n' : line + '\r\n');
}

function encodeByte(bytes: Buffer, i: number, lineStart: boolean, last: boolean): string {
  const b = bytes[i];
  if (lineStart) {
    // A leading "." is what SMTP dot-stuffing exists for, and "From " at a line start gets mangled into ">From " by
    // mbox-style relays; encoding them costs nothing and leaves no relay anything to get wrong.
    if (b === 0x2e) return '=2E';
    if (b === 0x46 && bytes[i + 1] === 0x72 && bytes[i + 2] === 0x6f && bytes[i + 3] === 0x6d && bytes[i + 4] === 0x20) return '=46';
  }
  // Whitespace ending a line would be stripped in transport (RFC 2045 rule 3), so it is encoded there.
  if (b === 0x20 || b === 0x09) return last ? escape(b) : String.fromCharCode(b);
  if (b >= 0x21 && b <= 0x7e && b !== 0x3d) return String.fromCharCode(b);
  return escape(b);
}

function escape(b: number): string {
  return '=' + HEX[b >> 4] + HEX[b & 15];
}
