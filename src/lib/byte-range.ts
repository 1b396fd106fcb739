// The Range request header (RFC 9110 §14.2) for one representation: a single byte range, or why there is none.

/** Inclusive byte offsets, as Content-Range writes them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range `header` asks of a representation of `size` bytes, clamped to it: `bytes=0-99`, `bytes=100-`,
 * `bytes=-100` (the last 100). Null when the header is to be ignored and the whole sent (200): another unit, bad
 * syntax, or several ranges — RFC 9110 §14.2 lets a server ignore Range, and one whole response is simpler and
 * often smaller than a multipart/byteranges one. 'unsatisfiable' (416) when the range starts past the end, is an
 * empty suffix, or the representation is empty.
 */
export function parseRange(header: string, size: number): ByteRange | null | 'unsatisfiable' {
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  const specs = header.slice(eq + 1).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length !== 1) return null;
  const m = /^(\d*)-(\d*)$/.exec(specs[0]);
  if (m === null || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < start) return null; // invalid, not unsatisfiable: ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}
