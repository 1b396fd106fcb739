// Picks a service's declared keys out of a raw query string in one pass: only their values are decoded, undeclared
// keys cost a comparison, and nothing is allocated for a query without declared keys.

/** A value whose percent-encoding is malformed (`%zz`, or bytes that are not UTF-8): reported for its parameter. */
export class MalformedText {
  readonly raw: string;
  constructor(raw: string) {
    this.raw = raw;
  }
}

/** One key's values: a string for one occurrence, an array for a repeated key. */
export type QueryValues = string | MalformedText | (string | MalformedText)[];

/** Decodes a form component (`+` is a space, `%XX` escapes UTF-8 bytes). */
export function decodeFormComponent(text: string): string | MalformedText {
  let s = text;
  if (s.indexOf('+') !== -1) s = s.replaceAll('+', ' ');
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return new MalformedText(text);
  }
}

/**
 * Scans `raw` (the query without `?`) for the keys of `index` (key → slot) and returns their values by slot, or null
 * when none of them is present. `x` and `x=` both give "".
 */
export function scanQuery(raw: string, index: ReadonlyMap<string, number>, slots: number): (QueryValues | undefined)[] | null {
  let out: (QueryValues | undefined)[] | null = null;
  const len = raw.length;
  let i = 0;
  while (i < len) {
    let amp = raw.indexOf('&', i);
    if (amp === -1) amp = len;
    let eq = raw.indexOf('=', i);
    if (eq === -1 || eq > amp) eq = amp;
    if (eq > i) {
      let key = raw.slice(i, eq);
      let slot = index.get(key);
      if (slot === undefined && (key.indexOf('%') !== -1 || key.indexOf('+') !== -1)) {
        const decoded = decodeFormComponent(key);
        if (typeof decoded === 'string') {
          key = decoded;
          slot = index.get(key);
        }
      }
      if (slot !== undefined) {
        const value = eq < amp ? decodeFormComponent(raw.slice(eq + 1, amp)) : '';
        out ??= new Array(slots);
        const prev: QueryValues | undefined = out[slot];
        out[slot] = prev === undefined ? value : Array.isArray(prev) ? (prev.push(value), prev) : [prev, value];
      }
    }
    i = amp + 1;
  }
  return out;
}
