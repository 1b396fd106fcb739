// The header side of multipart/form-data (RFC 7578, RFC 2046): the boundary from a Content-Type value, each part's
// header block (Content-Disposition with RFC 5987/2231 `filename*`, Content-Type), and the error every step throws.
import { isUtf8 } from 'node:buffer';

export type MultipartErrorCode = 'malformed_multipart' | 'too_many_parts' | 'field_too_large' | 'file_too_large' | 'header_too_large' | 'body_too_large' | 'invalid_encoding';

/** Any reason a multipart body is refused: `code` is the stable machine code, `status` the HTTP status it maps to. */
export class MultipartError extends Error {
  readonly code: MultipartErrorCode;
  readonly status: 400 | 413;

  constructor(code: MultipartErrorCode, message: string) {
    super(message);
    this.name = 'MultipartError';
    this.code = code;
    // Malformed input is the client's mistake (400); everything else is a limit it went past (413).
    this.status = code === 'malformed_multipart' || code === 'invalid_encoding' ? 400 : 413;
  }
}

/** What a part's headers say about it; `filename` is undefined for a plain field. */
export interface PartHeaders {
  name: string;
  filename: string | undefined;
  type: string;
}

const DEFAULT_PART_TYPE = 'application/octet-stream';
/** RFC 2046 §5.1.1 bchars: what a boundary may hold (a space too, but not as its last character). */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
/** RFC 9110 tchar: header and parameter names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than HT never belong in a header value, decoded or not. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

function malformed(message: string): MultipartError {
  return new MultipartError('malformed_multipart', message);
}

/** The boundary of a `multipart/form-data; boundary=…` Content-Type value (quoted or not), validated per RFC 2046. */
export function boundaryOf(contentType: string): string {
  const semi = contentType.indexOf(';');
  const mediaType = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (mediaType !== 'multipart/form-data') {
    throw malformed(`Content-Type "${contentType}" is not multipart/form-data`);
  }
  const params = parseParameters(semi === -1 ? '' : contentType.slice(semi), `Content-Type "${contentType}"`);
  const boundary = params.get('boundary');
  if (boundary === undefined) throw malformed(`Content-Type "${contentType}" has no boundary parameter`);
  if (!isValidBoundary(boundary)) {
    throw malformed(`Boundary "${boundary}" is invalid: expected 1 to 70 letters, digits or '()+_,-./:=? (no trailing space)`);
  }
  return boundary;
}

/** Whether `boundary` is 1–70 RFC 2046 bchars, not ending in a space. */
export function isValidBoundary(boundary: string): boolean {
  return BOUNDARY.test(boundary);
}

/**
 * Parses `; name=value; name="quoted"` parameters (names lower-cased; a repeated name is an error). Quoted strings
 * take `\"` and `\\` as escapes and keep any other backslash, because old browsers send Windows paths unescaped.
 */
function parseParameters(text: string, where: string): Map<string, string> {
  const params = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= n) return params;
    if (text[i] !== ';') throw malformed(`${where}: expected ";" before "${text.slice(i)}"`);
    i++;
    skipSpace();
    if (i >= n || text[i] === ';') continue; // an empty parameter, as in a trailing ";"
    const eq = text.indexOf('=', i);
    const name = (eq === -1 ? text.slice(i) : text.slice(i, eq)).trim().toLowerCase();
    if (eq === -1 || !TOKEN.test(name)) throw malformed(`${where}: expected a name=value parameter at "${text.slice(i)}"`);
    i = eq + 1;
    skipSpace();
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw malformed(`${where}: the quoted value of "${name}" is not closed`);
        const c = text[i++];
        if (c === '"') break;
        if (c === '\\' && (text[i] === '"' || text[i] === '\\')) value += text[i++];
        else value += c;
      }
    } else {
      const start = i;
      while (i < n && text[i] !== ';' && text[i] !== ' ' && text[i] !== '\t' && text[i] !== '"') i++;
      value = text.slice(start, i);
      if (value === '') throw malformed(`${where}: parameter "${name}" has no value`);
    }
    if (params.has(name)) throw malformed(`${where}: parameter "${name}" appears twice`);
    params.set(name, value);
  }
}

/** Decodes an RFC 5987 ext-value (`UTF-8'lang'%E2%82%AC.txt`); ISO-8859-1 is the only other charset RFC 5987 requires. */
function decodeExtValue(value: string, where: string): string {
  const match = /^([A-Za-z0-9!#$%&+\-^_`{}~]+)'[A-Za-z0-9-]*'(.*)$/.exec(value);
  if (match === null) throw malformed(`${where}: filename* "${value}" is not charset'language'value`);
  const charset = match[1].toLowerCase();
  if (charset !== 'utf-8' && charset !== 'iso-8859-1') {
    throw malformed(`${where}: filename* charset "${match[1]}" is not supported, expected UTF-8`);
  }
  const encoded = match[2];
  if (!/^(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-Fa-f]{2})*$/.test(encoded)) {
    throw malformed(`${where}: filename* value "${encoded}" has a character that must be percent-encoded, or a bad %XX`);
  }
  const bytes = Buffer.from(encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  if (charset === 'iso-8859-1') return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw new MultipartError('invalid_encoding', `${where}: filename* "${value}" is not valid UTF-8`);
  return bytes.toString('utf8');
}

/** The last path segment of a client file name: browsers (and old IE) may send full paths with / or \. */
function basename(filename: string): string {
  const base = filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
  // "." and ".." name no file and would be dangerous in a caller's path.join.
  return base === '.' || base === '..' ? '' : base;
}

/**
 * Parses one part's header block (the lines between the boundary line and the blank line, without the final CRLF).
 * `where` names the part and its byte offset for error messages.
 */
export function parsePartHeaders(block: Buffer, where: string): PartHeaders {
  if (!isUtf8(block)) throw new MultipartError('invalid_encoding', `${where}: the headers are not valid UTF-8`);
  let disposition: string | undefined;
  let type: string | undefined;
  const lines = block.length === 0 ? [] : block.toString('utf8').split('\r\n');
  for (const line of lines) {
    if (line[0] === ' ' || line[0] === '\t') throw malformed(`${where}: folded header line "${line}" (obsolete line folding is not accepted)`);
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) throw malformed(`${where}: header line "${line}" is not "Name: value"`);
    const value = line.slice(colon + 1).trim();
    if (CONTROL.test(value)) throw malformed(`${where}: header "${name}" holds a control character`);
    const lower = name.toLowerCase();
    if (lower === 'content-disposition') {
      if (disposition !== undefined) throw malformed(`${where}: Content-Disposition appears twice`);
      disposition = value;
    } else if (lower === 'content-type') {
      if (type !== undefined) throw malformed(`${where}: Content-Type appears twice`);
      type = value;
    }
  }
  if (disposition === undefined) throw malformed(`${where}: no Content-Disposition header`);
  const semi = disposition.indexOf(';');
  const kind = (semi === -1 ? disposition : disposition.slice(0, semi)).trim();
  if (kind.toLowerCase() !== 'form-data') throw malformed(`${where}: Content-Disposition "${kind}" is not form-data`);
  const params = parseParameters(semi === -1 ? '' : disposition.slice(semi), `${where}: Content-Disposition`);
  const name = params.get('name');
  if (name === undefined) throw malformed(`${where}: Content-Disposition has no name parameter`);
  const extended = params.get('filename*');
  const plain = params.get('filename');
  const raw = extended !== undefined ? decodeExtValue(extended, where) : plain;
  if (raw !== undefined && CONTROL.test(raw)) throw malformed(`${where}: the file name holds a control character`);
  return { name, filename: raw === undefined ? undefined : basename(raw), type: type || DEFAULT_PART_TYPE };
}
