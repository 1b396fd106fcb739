// ECMAScript tokenizer: source text → tokens (names, punctuators, numbers, strings, template pieces, regular
// expressions, comments) without a parser. Whether `/` starts a regular expression is decided from the significant
// tokens before it: after an operand (name, literal, `)`, `]`, `}`) it divides, except after the keywords that take
// an operand (`return`, `typeof`, …), after `)` closing `if (…)`/`while (…)`/`for (…)`/`with (…)`, and after `}`
// closing a block (brackets are tracked, and `{` is a block unless it follows an operator or such a keyword, or is
// the body of a function or class expression). Limits, none met in the corpus test: `yield`, `await` and `of` are
// taken as keywords even where they are plain identifiers, and JSX and HTML-like comments (`<!--`) are not read.
import { SourceSyntaxError } from './source-error.ts';

/** Kinds of token. A template literal with substitutions comes as pieces: `` `a${ ``, `}b${`, `` }c` ``. */
export type JsTokenType = 'name' | 'privateName' | 'punct' | 'number' | 'string' | 'template' | 'regex' | 'comment' | 'hashbang';

export interface JsToken {
  type: JsTokenType;
  /** The exact source text of the token. */
  value: string;
  start: number;
  end: number;
  /** 1-based line and column (in UTF-16 code units) of the token's first character. */
  line: number;
  column: number;
  /** A line terminator lies between the previous token (of any type, comments included) and this one. */
  newlineBefore: boolean;
}

/** Invalid source text; `line` and `column` (1-based) point at the problem and are in the message too. */
export class JsSyntaxError extends SourceSyntaxError {}

// After these keywords an operand is expected, so `/` starts a regular expression.
const KEYWORDS_BEFORE_EXPRESSION = new Set([
  'return', 'typeof', 'case', 'do', 'else', 'in', 'instanceof', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'of',
  'default', 'extends',
]);
// After these keywords `{` opens an object literal; after any other name it opens a block or a class body.
const KEYWORDS_BEFORE_OBJECT = new Set([
  'return', 'typeof', 'case', 'in', 'instanceof', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'of', 'default',
]);

// Punctuators by first character, longest first, so the first match is the longest one.
const PUNCTUATORS: Record<string, string[]> = {
  '{': ['{'], '}': ['}'], '(': ['('], ')': [')'], '[': ['['], ']': [']'], ';': [';'], ',': [','], '~': ['~'],
  ':': [':'], '@': ['@'],
  '.': ['...', '.'],
  '<': ['<<=', '<<', '<=', '<'],
  '>': ['>>>=', '>>>', '>>=', '>>', '>=', '>'],
  '=': ['===', '==', '=>', '='],
  '!': ['!==', '!=', '!'],
  '+': ['++', '+=', '+'],
  '-': ['--', '-=', '-'],
  '*': ['**=', '**', '*=', '*'],
  '/': ['/=', '/'],
  '%': ['%=', '%'],
  '&': ['&&=', '&&', '&=', '&'],
  '|': ['||=', '||', '|=', '|'],
  '^': ['^=', '^'],
  '?': ['??=', '??', '?.', '?'],
};

/** The longest punctuator at `pos` of `text` (`?.` not before a digit: `a?.5:1` is a conditional), or ''. */
export function punctuatorAt(text: string, pos: number): string {
  const candidates = PUNCTUATORS[text[pos]];
  if (candidates === undefined) return '';
  for (const p of candidates) {
    if (!text.startsWith(p, pos)) continue;
    if (p === '?.' && isDigit(text.charCodeAt(pos + 2))) continue;
    return p;
  }
  return '';
}

const ID_START = /\p{ID_Start}/u;
const ID_CONTINUE = /\p{ID_Continue}/u;

/** True when the code point may start an identifier (`$`, `_` and Unicode ID_Start). */
function isIdStart(cp: number): boolean {
  if (cp < 128) return (cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90) || cp === 36 || cp === 95;
  return ID_START.test(String.fromCodePoint(cp));
}

/** True when the code point may continue an identifier (ID_Continue, `$`, ZWNJ, ZWJ). */
export function isIdPart(cp: number): boolean {
  if (cp < 128) return (cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90) || (cp >= 48 && cp <= 57) || cp === 36 || cp === 95;
  return cp === 0x200c || cp === 0x200d || ID_CONTINUE.test(String.fromCodePoint(cp));
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** LF, CR, LINE SEPARATOR, PARAGRAPH SEPARATOR. */
export function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

function isWhitespace(c: number): boolean {
  if (c === 32 || c === 9 || c === 11 || c === 12) return true;
  if (c < 128) return false;
  return c === 0xa0 || c === 0xfeff || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** An open bracket on the nesting stack, with what its closing bracket means for a following `/` or `{`. */
interface Open {
  char: '(' | '[' | '{' | '${';
  line: number;
  column: number;
  /** `(`: opened after if/while/for/with, so `/` after its `)` is a regex. `{`: a block (not an object literal). */
  flag: boolean;
  /** Unmatched `?` seen at this level: a `:` here belongs to a conditional, not to a label or `case`. */
  ternaries: number;
  /** `${`: the offset of the template's opening backtick, for errors. */
  templateStart?: number;
}

/** Splits ECMAScript source (script or module) into tokens; throws JsSyntaxError on what cannot be tokenized. */
export function tokenizeJs(source: string): JsToken[] {
  const tokens: JsToken[] = [];
  const len = source.length;
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  let newline = false;
  // The last two significant tokens (comments excluded) and what the last closing bracket meant.
  let last: JsToken | null = null;
  let beforeLast: JsToken | null = null;
  let slashAfterCloserIsRegex = false;
  let incDecIsPostfix = false;
  const stack: Open[] = [];
  const top: Open = { char: '{', line: 1, column: 1, flag: true, ternaries: 0 };
  // Stack depths of `function`s and `class`es in expression position: the next `{` opened at that depth is their
  // body, which is not a block (`x = function () {} / 2` divides).
  const expressionBodies: number[] = [];
  let asyncInExpression = false;

  const fail = (message: string, at: number): never => {
    // Recount from the start: errors are rare and this keeps the hot loop free of bookkeeping.
    let l = 1;
    let ls = 0;
    for (let i = 0; i < at; i++) {
      const c = source.charCodeAt(i);
      if (c === 13 && source.charCodeAt(i + 1) === 10) continue;
      if (isLineTerminator(c)) { l++; ls = i + 1; }
    }
    throw new JsSyntaxError(message, l, at - ls + 1);
  };

  /** Advances line bookkeeping over source[from, to), which may hold line terminators. */
  const countLines = (from: number, to: number): boolean => {
    let seen = false;
    for (let i = from; i < to; i++) {
      const c = source.charCodeAt(i);
      if (c === 13 && source.charCodeAt(i + 1) === 10) continue;
      if (isLineTerminator(c)) { line++; lineStart = i + 1; seen = true; }
    }
    return seen;
  };

  const push = (type: JsTokenType, start: number, end: number, startLine: number, startColumn: number): JsToken => {
    const token: JsToken = { type, value: source.slice(start, end), start, end, line: startLine, column: startColumn, newlineBefore: newline };
    tokens.push(token);
    newline = false;
    if (type !== 'comment' && type !== 'hashbang') { beforeLast = last; last = token; }
    return token;
  };

  const current = (): Open => (stack.length > 0 ? stack[stack.length - 1] : top);

  const isPropertyName = (): boolean =>
    beforeLast !== null && beforeLast.type === 'punct' && (beforeLast.value === '.' || beforeLast.value === '?.');

  /** True when an operand is expected next: `/` starts a regular expression rather than dividing. */
  const regexAllowed = (): boolean => {
    if (last === null) return true;
    switch (last.type) {
      case 'number': case 'string': case 'regex': case 'privateName': return false;
      case 'template': return last.value.endsWith('${');
      case 'name': return !isPropertyName() && KEYWORDS_BEFORE_EXPRESSION.has(last.value);
      case 'punct':
        if (last.value === ')' || last.value === '}') return slashAfterCloserIsRegex;
        if (last.value === ']') return false;
        if (last.value === '++' || last.value === '--') return !incDecIsPostfix;
        return true;
      default: return true;
    }
  };

  /** True when a `{` here opens a block (or a class or function body) rather than an object literal. */
  const braceIsBlock = (): boolean => {
    if (last === null) return true;
    switch (last.type) {
      case 'name': return isPropertyName() || !KEYWORDS_BEFORE_OBJECT.has(last.value);
      case 'template': return !last.value.endsWith('${');
      case 'punct': {
        const v = last.value;
        if (v === ')' || v === ']' || v === '}' || v === ';' || v === '{' || v === '=>') return true;
        if (v === ':') { const open = current(); return open.char === '{' && open.flag && open.ternaries === 0; }
        return false;
      }
      default: return true;
    }
  };

  if (source.startsWith('#!')) {
    let end = 2;
    while (end < len && !isLineTerminator(source.charCodeAt(end))) end++;
    push('hashbang', 0, end, 1, 1);
    pos = end;
  }

  while (pos < len) {
    const c = source.charCodeAt(pos);

    if (isLineTerminator(c)) {
      pos += c === 13 && source.charCodeAt(pos + 1) === 10 ? 2 : 1;
      line++;
      lineStart = pos;
      newline = true;
      continue;
    }
    if (isWhitespace(c)) { pos++; continue; }

    const start = pos;
    const startLine = line;
    const startColumn = pos - lineStart + 1;

    // Comments.
    if (c === 47 /* / */) {
      const next = source.charCodeAt(pos + 1);
      if (next === 47) {
        pos += 2;
        while (pos < len && !isLineTerminator(source.charCodeAt(pos))) pos++;
        push('comment', start, pos, startLine, startColumn);
        continue;
      }
      if (next === 42) {
        const close = source.indexOf('*/', pos + 2);
        if (close < 0) fail('Unterminated comment', start);
        pos = close + 2;
        countLines(start, pos);
        push('comment', start, pos, startLine, startColumn);
        continue;
      }
    }

    // Names, keywords and private names.
    const cp = c < 0xd800 ? c : source.codePointAt(pos)!;
    if (isIdStart(cp) || cp === 92 /* \ */ || (c === 35 /* # */ && pos + 1 < len && startsIdentifier(pos + 1))) {
      const isPrivate = c === 35;
      pos = scanIdentifier(isPrivate ? pos + 1 : pos, true);
      const token = push(isPrivate ? 'privateName' : 'name', start, pos, startLine, startColumn);
      if (!isPrivate) nameSeen(token);
      continue;
    }

    // Numbers, including `.5`.
    if (isDigit(c) || (c === 46 && isDigit(source.charCodeAt(pos + 1)))) {
      pos = scanNumber(pos);
      push('number', start, pos, startLine, startColumn);
      continue;
    }

    if (c === 34 || c === 39) { // " '
      pos = scanString(pos, c);
      push('string', start, pos, startLine, startColumn);
      continue;
    }

    if (c === 96) { // `
      pos = scanTemplate(pos + 1, start, start);
      push('template', start, pos, startLine, startColumn);
      continue;
    }

    if (c === 125 /* } */ && stack.length > 0 && stack[stack.length - 1].char === '${') {
      const open = stack.pop()!;
      pos = scanTemplate(pos + 1, start, open.templateStart!);
      push('template', start, pos, startLine, startColumn);
      continue;
    }

    if (c === 47 && regexAllowed()) {
      pos = scanRegex(pos);
      push('regex', start, pos, startLine, startColumn);
      continue;
    }

    const p = punctuatorAt(source, pos);
    if (p === '') {
      const cp = source.codePointAt(pos)!;
      fail(`Unexpected character "${String.fromCodePoint(cp)}" (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`, pos);
    }
    pos += p.length;
    punctuatorSeen(p, start, startLine, startColumn);
  }

  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    const what = open.char === '${' ? 'template substitution "${"' : `"${open.char}"`;
    throw new JsSyntaxError(`Unclosed ${what} (opened here) at end of input`, open.line, open.column);
  }
  return tokens;

  // --------------------------------------------------------------------------------------------- scanners ---

  function startsIdentifier(at: number): boolean {
    const cp = source.codePointAt(at)!;
    return isIdStart(cp) || cp === 92;
  }

  /** Reads an identifier from `at` (escapes `\uXXXX` and `\u{…}` included) and returns its end. */
  function scanIdentifier(at: number, first: boolean): number {
    let i = at;
    while (i < len) {
      const cp = source.codePointAt(i)!;
      if (cp === 92) {
        const escape = /^\\u(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]+\})/.exec(source.slice(i, i + 12));
        if (escape === null) fail('Invalid escape in identifier: expected "\\uXXXX" or "\\u{…}"', i);
        const hex = escape![0][2] === '{' ? escape![0].slice(3, -1) : escape![0].slice(2);
        const value = parseInt(hex, 16);
        if (value > 0x10ffff || !(first ? isIdStart(value) : isIdPart(value))) fail(`Escape "${escape![0]}" is not valid in an identifier`, i);
        i += escape![0].length;
      } else if (first ? isIdStart(cp) : isIdPart(cp)) {
        i += cp > 0xffff ? 2 : 1;
      } else {
        break;
      }
      first = false;
    }
    return i;
  }

  function scanNumber(at: number): number {
    let i = at;
    const c0 = source.charCodeAt(i);
    const c1 = source.charCodeAt(i + 1) | 0x20;
    let integerOnly = true;
    if (c0 === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) { // 0x 0o 0b
      const digits = c1 === 120 ? /[0-9a-fA-F_]/ : c1 === 111 ? /[0-7_]/ : /[01_]/;
      i += 2;
      const from = i;
      while (i < len && digits.test(source[i])) i++;
      if (i === from) fail(`Missing digits after "${source.slice(at, i)}"`, at);
    } else {
      while (i < len && (isDigit(source.charCodeAt(i)) || source.charCodeAt(i) === 95)) i++;
      if (source.charCodeAt(i) === 46) {
        integerOnly = false;
        i++;
        while (i < len && (isDigit(source.charCodeAt(i)) || source.charCodeAt(i) === 95)) i++;
      }
      if ((source.charCodeAt(i) | 0x20) === 101) { // e E
        integerOnly = false;
        let j = i + 1;
        if (source[j] === '+' || source[j] === '-') j++;
        if (!isDigit(source.charCodeAt(j))) fail('Missing exponent digits in number', at);
        i = j;
        while (i < len && (isDigit(source.charCodeAt(i)) || source.charCodeAt(i) === 95)) i++;
      }
    }
    if (source.charCodeAt(i) === 110 /* n */ && integerOnly) i++;
    if (i < len) {
      const cp = source.codePointAt(i)!;
      if (isIdStart(cp) || isDigit(cp) || cp === 92) fail(`Identifier or digit directly after number "${source.slice(at, i)}"`, i);
    }
    return i;
  }

  function scanString(at: number, quote: number): number {
    let i = at + 1;
    while (i < len) {
      const c = source.charCodeAt(i);
      if (c === quote) return i + 1;
      if (c === 92) { // a backslash escapes the next character; CR LF is one line continuation
        i += source.charCodeAt(i + 1) === 13 && source.charCodeAt(i + 2) === 10 ? 3 : 2;
        if (isLineTerminator(source.charCodeAt(i - 1))) { line++; lineStart = i; }
        continue;
      }
      if (c === 10 || c === 13) break;
      i++;
    }
    return fail('Unterminated string literal', at);
  }

  /** Scans template characters from `at` to the closing backtick or a `${`, pushing the substitution. */
  function scanTemplate(at: number, start: number, templateStart: number): number {
    let i = at;
    while (i < len) {
      const c = source.charCodeAt(i);
      if (c === 96) { countLines(start, i); return i + 1; }
      if (c === 92) { i += 2; continue; }
      if (c === 36 && source.charCodeAt(i + 1) === 123) {
        countLines(start, i);
        stack.push({ char: '${', line, column: i - lineStart + 1, flag: false, ternaries: 0, templateStart });
        return i + 2;
      }
      i++;
    }
    return fail('Unterminated template literal', templateStart);
  }

  function scanRegex(at: number): number {
    let i = at + 1;
    let inClass = false;
    for (;;) {
      if (i >= len) fail('Unterminated regular expression', at);
      const c = source.charCodeAt(i);
      if (isLineTerminator(c)) fail('Unterminated regular expression', at);
      if (c === 92) {
        if (i + 1 >= len || isLineTerminator(source.charCodeAt(i + 1))) fail('Unterminated regular expression', at);
        i += 2;
        continue;
      }
      i++;
      if (c === 91) inClass = true;
      else if (c === 93) inClass = false;
      else if (c === 47 && !inClass) break;
    }
    while (i < len) {
      const cp = source.codePointAt(i)!;
      if (!isIdPart(cp)) break;
      i += cp > 0xffff ? 2 : 1;
    }
    return i;
  }

  // --------------------------------------------------------------------------------------------- context ---

  function nameSeen(token: JsToken): void {
    if (isPropertyName()) return;
    const v = token.value;
    // `last` is this token now; what came before it decides whether it stands in expression position.
    if (v === 'async') {
      asyncInExpression = beforeLastExpectsExpression();
    } else if (v === 'function' || v === 'class') {
      const inExpression = beforeLast !== null && beforeLast.type === 'name' && beforeLast.value === 'async'
        ? asyncInExpression
        : beforeLastExpectsExpression();
      if (inExpression) expressionBodies.push(stack.length);
    }
  }

  /** Whether the token before `last` leaves an expression expected (so a `function` there is an expression). */
  function beforeLastExpectsExpression(): boolean {
    const saveLast = last;
    const saveBefore = beforeLast;
    last = beforeLast;
    beforeLast = null;
    const expression = !braceIsBlock();
    last = saveLast;
    beforeLast = saveBefore;
    return expression;
  }

  function punctuatorSeen(p: string, start: number, startLine: number, startColumn: number): void {
    switch (p) {
      case '(': {
        const control = last !== null && last.type === 'name' && !isPropertyName()
          && (last.value === 'if' || last.value === 'while' || last.value === 'for' || last.value === 'with');
        stack.push({ char: '(', line: startLine, column: startColumn, flag: control, ternaries: 0 });
        break;
      }
      case '[':
        stack.push({ char: '[', line: startLine, column: startColumn, flag: false, ternaries: 0 });
        break;
      case '{': {
        let block = braceIsBlock();
        if (expressionBodies.length > 0 && expressionBodies[expressionBodies.length - 1] === stack.length) {
          block = false;
          expressionBodies.pop();
        }
        stack.push({ char: '{', line: startLine, column: startColumn, flag: block, ternaries: 0 });
        break;
      }
      case ')': case ']': case '}': {
        const open = stack.pop();
        const expected = p === ')' ? '(' : p === ']' ? '[' : '{';
        if (open === undefined || open.char !== expected) {
          const hint = open === undefined ? 'nothing is open' : `expected the closing bracket of "${open.char}" from line ${open.line}, column ${open.column}`;
          fail(`Unexpected "${p}": ${hint}`, start);
        }
        slashAfterCloserIsRegex = p !== ']' && open!.flag;
        break;
      }
      case '?':
        current().ternaries++;
        break;
      case ':': {
        const open = current();
        if (open.ternaries > 0) open.ternaries--;
        break;
      }
      case '++': case '--':
        incDecIsPostfix = !regexAllowed();
        break;
    }
    push('punct', start, start + p.length, startLine, startColumn);
  }
}
