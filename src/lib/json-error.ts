// Locates the first syntax error in a JSON text (RFC 8259): JSON.parse says *that* a text is malformed, and in
// current V8 often not *where*, so on failure this small scanner finds the offset, line and column.

export interface JsonErrorLocation {
  /** 0-based offset of the offending character (the text's length when it ended too early). */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** What was expected, e.g. `Expected a value but found "}"`. */
  message: string;
}

class Stop extends Error {
  readonly at: number;
  constructor(at: number, message: string) {
    super(message);
    this.at = at;
  }
}

/** The location of the first error in `text`, or null when it is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  let i = 0;
  const found = (at: number) => (at >= text.length ? 'the end of the input' : JSON.stringify(text[at]));
  const fail = (expected: string): never => { throw new Stop(i, `Expected ${expected} but found ${found(i)}`); };
  const ws = () => { while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(`"${word}"`);
  };
  const digits = () => {
    if (!(text[i] >= '0' && text[i] <= '9')) fail('a digit');
    while (text[i] >= '0' && text[i] <= '9') i++;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('a closing \'"\'');
      const c = text.charCodeAt(i);
      if (c === 34) { i++; return; }
      if (c < 0x20) fail('a character (control characters must be escaped)');
      if (c === 92) {
        i++;
        const e = text[i];
        if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('a hex digit of a \\u escape');
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
      }
      i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail('less nesting');
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a property name in double quotes');
        string(); ws();
        if (text[i] !== ':') fail('":" after a property name');
        i++;
        value(depth + 1); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail('"," or "}" in an object');
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail('"," or "]" in an array');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) {
      if (c === '-') i++;
      if (text[i] === '0') i++;
      else digits();
      if (text[i] === '.') { i++; digits(); }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        digits();
      }
      return;
    }
    fail('a value');
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail('the end of the input');
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return locationAt(text, err.at, err.message);
  }
}

/**
 * Where `text` (valid JSON) first nests deeper than `maxDepth` arrays and objects, or null. JSON.parse takes any
 * nesting; a text shorter than two characters a level cannot be too deep, so most texts are not even scanned.
 */
export function locateDeepNesting(text: string, maxDepth: number): JsonErrorLocation | null {
  if (text.length <= 2 * maxDepth) return null;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return locationAt(text, i, `more than ${maxDepth} levels of nesting`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return null;
}

function locationAt(text: string, at: number, message: string): JsonErrorLocation {
  const before = text.slice(0, at);
  return { offset: at, line: before.split('\n').length, column: at - before.lastIndexOf('\n'), message };
}
