// CSS tokenizer after CSS Syntax Level 3 (§4): identifiers, functions, at-keywords, hashes, strings, url(),
// numbers with units, delimiters and comments, each with its exact source text. Unterminated strings, comments
// and url() are errors with line and column rather than the spec's silent recovery, since they are always mistakes.
import { SourceSyntaxError } from './source-error.ts';

export type CssTokenType =
  | 'whitespace' | 'comment' | 'ident' | 'function' | 'atKeyword' | 'hash' | 'string' | 'url' | 'number' | 'delim'
  | '{' | '}' | '(' | ')' | '[' | ']' | ';' | ':' | ',' | 'cdo' | 'cdc';

export interface CssToken {
  type: CssTokenType;
  /** The exact source text; a `function` token includes its `(`, a `number` its unit or `%`. */
  value: string;
  start: number;
  end: number;
}

/** Invalid CSS that no browser would read as meant; `line` and `column` (1-based) are in the message too. */
export class CssSyntaxError extends SourceSyntaxError {}

const SINGLE: Record<string, CssTokenType> = {
  '{': '{', '}': '}', '(': '(', ')': ')', '[': '[', ']': ']', ';': ';', ':': ':', ',': ',',
};

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
}

/** Splits a style sheet (or a declaration list) into tokens; throws CssSyntaxError on unterminated constructs. */
export function tokenizeCss(source: string): CssToken[] {
  const tokens: CssToken[] = [];
  const len = source.length;
  let pos = 0;

  const fail = (message: string, at: number): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      const c = source.charCodeAt(i);
      if (c === 10 || c === 12 || (c === 13 && source.charCodeAt(i + 1) !== 10)) { line++; lineStart = i + 1; }
    }
    throw new CssSyntaxError(message, line, at - lineStart + 1);
  };

  const validEscape = (at: number): boolean => source.charCodeAt(at) === 92 && at + 1 < len && source.charCodeAt(at + 1) !== 10
    && source.charCodeAt(at + 1) !== 13 && source.charCodeAt(at + 1) !== 12;

  const startsIdentifier = (at: number): boolean => {
    const c = source.charCodeAt(at);
    if (c === 45) { // -
      const n = source.charCodeAt(at + 1);
      return isNameStart(n) || n === 45 || validEscape(at + 1);
    }
    return isNameStart(c) || validEscape(at);
  };

  const startsNumber = (at: number): boolean => {
    let c = source.charCodeAt(at);
    if (c === 43 || c === 45) c = source.charCodeAt(++at);
    if (isDigit(c)) return true;
    return c === 46 && isDigit(source.charCodeAt(at + 1));
  };

  /** Consumes name characters and escapes from `at`; returns the end. */
  const consumeName = (at: number): number => {
    let i = at;
    while (i < len) {
      const c = source.charCodeAt(i);
      if (isNameChar(c)) { i++; continue; }
      if (!validEscape(i)) break;
      i += 2;
      if (/[0-9a-fA-F]/.test(source[i - 1])) { // up to six hex digits and one optional whitespace
        let digits = 1;
        while (digits < 6 && /[0-9a-fA-F]/.test(source[i] ?? '')) { i++; digits++; }
        if (isSpace(source.charCodeAt(i))) i += source.charCodeAt(i) === 13 && source.charCodeAt(i + 1) === 10 ? 2 : 1;
      }
    }
    return i;
  };

  const push = (type: CssTokenType, start: number, end: number): void => {
    tokens.push({ type, value: source.slice(start, end), start, end });
  };

  while (pos < len) {
    const start = pos;
    const c = source.charCodeAt(pos);

    if (isSpace(c)) {
      while (pos < len && isSpace(source.charCodeAt(pos))) pos++;
      push('whitespace', start, pos);
      continue;
    }
    if (c === 47 && source.charCodeAt(pos + 1) === 42) { // /*
      const close = source.indexOf('*/', pos + 2);
      if (close < 0) fail('Unterminated comment', start);
      pos = close + 2;
      push('comment', start, pos);
      continue;
    }
    if (c === 34 || c === 39) {
      pos++;
      for (;;) {
        if (pos >= len) fail('Unterminated string', start);
        const d = source.charCodeAt(pos);
        if (d === c) { pos++; break; }
        if (d === 10 || d === 13 || d === 12) fail('Unterminated string (a line break inside quotes must be escaped)', start);
        pos += d === 92 ? (source.charCodeAt(pos + 1) === 13 && source.charCodeAt(pos + 2) === 10 ? 3 : 2) : 1;
      }
      push('string', start, pos);
      continue;
    }
    if (startsNumber(pos)) {
      if (c === 43 || c === 45) pos++;
      while (isDigit(source.charCodeAt(pos))) pos++;
      if (source.charCodeAt(pos) === 46 && isDigit(source.charCodeAt(pos + 1))) {
        pos++;
        while (isDigit(source.charCodeAt(pos))) pos++;
      }
      const e = source.charCodeAt(pos) | 0x20;
      if (e === 101) {
        const sign = source.charCodeAt(pos + 1);
        const digitAt = sign === 43 || sign === 45 ? pos + 2 : pos + 1;
        if (isDigit(source.charCodeAt(digitAt))) {
          pos = digitAt;
          while (isDigit(source.charCodeAt(pos))) pos++;
        }
      }
      if (source.charCodeAt(pos) === 37) pos++;
      else if (startsIdentifier(pos)) pos = consumeName(pos);
      push('number', start, pos);
      continue;
    }
    if (c === 60 && source.startsWith('<!--', pos)) { pos += 4; push('cdo', start, pos); continue; }
    if (c === 45 && source.startsWith('-->', pos)) { pos += 3; push('cdc', start, pos); continue; }
    if (startsIdentifier(pos)) {
      pos = consumeName(pos);
      if (source.charCodeAt(pos) !== 40) { push('ident', start, pos); continue; }
      pos++;
      if (source.slice(start, pos - 1).toLowerCase() === 'url') {
        let q = pos;
        while (isSpace(source.charCodeAt(q))) q++;
        const quote = source.charCodeAt(q);
        if (quote !== 34 && quote !== 39) { pos = consumeUrl(q, start); push('url', start, pos); continue; }
      }
      push('function', start, pos);
      continue;
    }
    if (c === 64 && startsIdentifier(pos + 1)) { // @
      pos = consumeName(pos + 1);
      push('atKeyword', start, pos);
      continue;
    }
    if (c === 35 && (isNameChar(source.charCodeAt(pos + 1)) || validEscape(pos + 1))) { // #
      pos = consumeName(pos + 1);
      push('hash', start, pos);
      continue;
    }
    // Here a backslash starts no escape: it stands before a line break or the end. CSS makes it a lone delimiter, which
    // nothing legitimate writes, and which a minifier could not keep apart from the escape it would form with
    // whatever came next once the line break went: refused, as in url().
    if (c === 92) fail('Invalid escape: a backslash before a line break or the end escapes nothing', start);
    const single = SINGLE[source[pos]];
    pos += c >= 0xd800 && c <= 0xdbff && pos + 1 < len ? 2 : 1;
    push(single ?? 'delim', start, pos);
  }
  return tokens;

  /** The rest of an unquoted url( from `at` (past leading whitespace) through its `)`. */
  function consumeUrl(at: number, start: number): number {
    let i = at;
    while (i < len) {
      const c = source.charCodeAt(i);
      if (c === 41) return i + 1;
      if (isSpace(c)) {
        while (isSpace(source.charCodeAt(i))) i++;
        if (source.charCodeAt(i) === 41) return i + 1;
        fail('Invalid url(): whitespace inside an unquoted URL (quote it)', start);
      }
      if (c === 34 || c === 39 || c === 40) fail(`Invalid url(): "${source[i]}" inside an unquoted URL (quote it)`, start);
      // A backslash that escapes nothing (before a newline) makes a bad URL in CSS; kept, it would escape whatever
      // came to follow it once the minifier dropped the whitespace (`url(a\⏎ )` → `url(a\)`, unterminated).
      if (c === 92 && !validEscape(i)) fail('Invalid url(): a backslash before a line break or the end escapes nothing', start);
      i += validEscape(i) ? 2 : 1;
    }
    return fail('Unterminated url(', start);
  }
}

/** The URL inside a `url` token (`url( a.png )` → `a.png`), escapes left as written. */
export function urlTokenValue(token: CssToken): string {
  const open = token.value.indexOf('(');
  const inner = token.value.slice(open + 1, -1).replace(/^[ \t\n\r\f]+/, '');
  // Trailing whitespace goes, unless a backslash escapes it: in `url(a\ )` the space is part of the URL, and dropping
  // it would leave `url(a\)`, whose `\)` escapes the closing parenthesis.
  let end = inner.length;
  while (end > 0 && /[ \t\n\r\f]/.test(inner[end - 1])) {
    let slashes = 0;
    while (end - 2 - slashes >= 0 && inner[end - 2 - slashes] === '\\') slashes++;
    if (slashes % 2 === 1) break;
    end--;
  }
  return inner.slice(0, end);
}
