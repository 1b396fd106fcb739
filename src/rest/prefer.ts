// The `Prefer` request header (RFC 7240) as the REST API reads it: `count=exact`, `return=representation`,
// `tx=commit|rollback`, `timezone=<IANA>`. Preferences may be separated by commas (RFC 7240) or spaces (EasyREST).

/**
 * RFC 7240 preferences, separated by commas or spaces (EasyREST); keys lower-cased, values unquoted; null-prototype.
 * A preference without a value maps to ''; the first occurrence of a key wins (RFC 7240 §2); `;` parameters are skipped.
 */
export function parsePrefer(header: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (header === undefined) return out;
  const text = Array.isArray(header) ? header.join(',') : header;
  const n = text.length;
  let i = 0;
  while (i < n) {
    i = skipSeparators(text, i);
    if (i >= n) break;
    const keyStart = i;
    while (i < n && !isDelimiter(text.charCodeAt(i)) && text[i] !== '=') i++;
    const key = text.slice(keyStart, i).toLowerCase();
    let value = '';
    // `key = value` (RFC 7240 allows whitespace around `=`); a space not followed by `=` ends the preference.
    let j = skipSpaces(text, i);
    if (text[j] === '=') {
      j = skipSpaces(text, j + 1);
      if (text[j] === '"') {
        const quoted = readQuoted(text, j);
        value = quoted.value;
        i = quoted.end;
      } else {
        const valueStart = j;
        while (j < n && !isDelimiter(text.charCodeAt(j))) j++;
        value = text.slice(valueStart, j);
        i = j;
      }
    }
    i = skipParameters(text, i);
    if (key !== '' && !(key in out)) out[key] = value;
  }
  return out;
}

/** Space, tab and comma: what separates preferences. `;` starts a preference's parameters. */
function isDelimiter(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x2c || c === 0x3b;
}

function skipSeparators(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
  return i;
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

/** RFC 7240 preference parameters (`return=minimal; foo=bar`) are not used by monolite: skipped up to the next comma. */
function skipParameters(text: string, i: number): number {
  let j = skipSpaces(text, i);
  if (text[j] !== ';') return i;
  while (j < text.length && text[j] !== ',') {
    if (text[j] === '"') j = readQuoted(text, j).end;
    else j++;
  }
  return j;
}

/** An RFC 9110 quoted-string starting at `start` (the opening quote): its value, `\x` escapes undone. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length && text[i] !== '"') {
    if (text[i] === '\\' && i + 1 < text.length) i++;
    value += text[i];
    i++;
  }
  return { value, end: Math.min(i + 1, text.length) };
}
