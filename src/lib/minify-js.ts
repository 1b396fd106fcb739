// Safe JavaScript minifier on tokens (js-tokenizer.ts): drops comments and whitespace, renames nothing, rewrites no
// literal. Legal comments (`/*!`, `@license`, `@preserve`) stay. The output re-minifies to itself.
//
// Line breaks and automatic semicolon insertion: a line break from the source is kept (as one "\n") unless dropping
// it provably cannot change the parse, which is when
//   - the token before it cannot end a statement: an operator or opening punctuator such as `=`, `+`, `,`, `(`, `{`,
//     `;`, `=>`, or a template piece ending in `${`; or
//   - the token after it can only continue what came before (`.`, `,`, `;`, `)`, `]`, `}`, `:`, `?`, `(`, binary
//     and assignment operators except `*`, or a template), and the token before is not one of the words with a
//     "no line break here" rule (`return`, `throw`, `break`, `continue`, `yield`, `async`, `let`, `get`, `set`,
//     `static`, `await`), nor a `}` (an arrow function's body ends a statement: `() => {}\n+1` is two) unless the
//     token after is `,` `;` `)` `]` `}` `:`, nor a postfix `++`/`--` before `(`, `.`, `?.` or a template.
// Everything else keeps its line break: `a\n++b`, `return\nx`, `x\n[y]` and `x\n*g(){}` in class bodies included.
// A `(` or a template after a line break continues the previous expression with or without the break (`x = y\n(z)`
// calls y), so joining them changes nothing. On one line a space is written only where two tokens would merge.
import { isIdPart, isLineTerminator, punctuatorAt, tokenizeJs, type JsToken } from './js-tokenizer.ts';

// Punctuators after which a statement cannot end, so a following line break is never a semicolon.
const CONTINUING = new Set([
  '{', '(', '[', '.', '?.', '...', ';', ',', '<', '>', '<=', '>=', '==', '!=', '===', '!==', '+', '-', '*', '%', '**',
  '&', '|', '^', '!', '~', '&&', '||', '??', '?', ':', '=', '+=', '-=', '*=', '%=', '**=', '<<=', '>>=', '>>>=', '&=',
  '|=', '^=', '&&=', '||=', '??=', '<<', '>>', '>>>', '/', '/=', '=>', '@',
]);
// Punctuators that, after a line break, cannot start a statement or a class element, so they continue the line above.
const CONTINUED = new Set([
  '.', '?.', ',', ';', ')', ']', '}', ':', '?', '(', '=', '==', '===', '!=', '!==', '<', '>', '<=', '>=', '&&', '||',
  '??', '&', '|', '^', '%', '**', '+', '-', '/', '+=', '-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '>>>=', '&=', '|=',
  '^=', '&&=', '||=', '??=', '<<', '>>', '>>>',
]);
// Punctuators ending in these characters are never the start of a longer one, so nothing merges with them.
const NEVER_PREFIX = new Set(['(', ')', '[', ']', '{', '}', ';', ',', '~', ':']);
// What may follow an arrow function with a block body.
const AFTER_ARROW_BODY = new Set([',', ';', ')', ']', '}', ':']);
// Words after which a line break ends the statement or changes the construct.
const RESTRICTED = new Set(['return', 'throw', 'break', 'continue', 'yield', 'async', 'let', 'get', 'set', 'static', 'await']);

/** Minifies JavaScript (script or module) without changing what it does; throws JsSyntaxError (line, column). */
export function minifyJs(source: string): string {
  const tokens = tokenizeJs(source);
  let out = '';
  let prev: JsToken | null = null; // the last token written
  let newline = false; // a line terminator in the source since `prev`
  for (const token of tokens) {
    newline ||= token.newlineBefore;
    if (token.type === 'comment' && !isLegalComment(token.value)) {
      if (containsLineTerminator(token.value)) newline = true;
      continue;
    }
    if (prev !== null) {
      if (newline && keepLineBreak(prev, token)) out += '\n';
      else if (needsSpace(prev, token)) out += ' ';
    }
    out += token.value;
    prev = token;
    newline = false;
  }
  return out;
}

/** `/*!` comments and comments that carry `@license` or `@preserve` (the conventions bundlers keep); CSS's too. */
export function isLegalComment(text: string): boolean {
  return text.startsWith('/*!') || text.includes('@license') || text.includes('@preserve');
}

function containsLineTerminator(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isLineTerminator(text.charCodeAt(i))) return true;
  return false;
}

/** Whether a line break between `prev` and `next` must stay (see the rule at the top of the file). */
function keepLineBreak(prev: JsToken, next: JsToken): boolean {
  // Around kept comments and after a hashbang every line break stays: a `//` comment must end its line.
  if (prev.type === 'comment' || prev.type === 'hashbang' || next.type === 'comment') return true;
  if (prev.type === 'punct' && CONTINUING.has(prev.value)) return false;
  if (prev.type === 'template' && prev.value.endsWith('${')) return false;
  if (prev.type === 'name' && RESTRICTED.has(prev.value)) return true;
  // A template piece starting with `}` ends a substitution, like a `}`; one starting with a backtick is a tagged
  // template, which continues the expression before it like a call.
  const nextValue = next.type === 'template' ? next.value[0] : next.value;
  const continued = next.type === 'punct' ? CONTINUED.has(nextValue) : next.type === 'template';
  if (!continued) return true;
  // An arrow function's `}` can only be followed by these (`() => {}\n+1` is two statements), and a postfix
  // `a++` cannot be called or indexed (`a++\n(b)` is two statements too). Other `}` are rare before a line break.
  if (prev.type === 'punct' && prev.value === '}') return !AFTER_ARROW_BODY.has(nextValue);
  if (prev.type === 'punct' && (prev.value === '++' || prev.value === '--')) {
    return nextValue === '`' || nextValue === '(' || nextValue === '.' || nextValue === '?.';
  }
  return false;
}

/** Whether writing `next` right after `prev` would read back as different tokens. */
function needsSpace(prev: JsToken, next: JsToken): boolean {
  const a = prev.value;
  const b = next.value;
  const first = b.codePointAt(0)!;
  const startsWord = isIdPart(first) || first === 92; // a `\u0041` escape starts an identifier too
  if (startsWord) {
    // Regex flags and number suffixes would swallow a following word (`/a/ in x`, `1 in x`).
    if (prev.type === 'regex' || prev.type === 'number') return true;
    const lastUnit = a.charCodeAt(a.length - 1);
    const last = lastUnit >= 0xdc00 && lastUnit <= 0xdfff && a.length > 1 ? a.codePointAt(a.length - 2)! : lastUnit;
    if (isIdPart(last)) return true;
  }
  if (prev.type === 'number' && b[0] === '.' && /^[0-9_]+$/.test(a)) return true; // `1 .x`, not `1.x`
  // A dot before a digit starts a number: `a?. 0:b` (a conditional) must not read `?` `.0`, nor `x . 0b1` read `.0`.
  if (a[a.length - 1] === '.' && first >= 48 && first <= 57) return true;
  const lastChar = a[a.length - 1];
  if (lastChar === '/' && (b[0] === '/' || b[0] === '*')) return true; // `a / /re/` must not become a comment
  if (prev.type === 'punct' && !NEVER_PREFIX.has(lastChar)) {
    if (lastChar === '<' && b[0] === '!') return true; // `<!--` opens an HTML-like comment in scripts
    if (a.endsWith('--') && b[0] === '>') return true; // `-->` closes one
    if (next.type === 'punct' || next.type === 'number') {
      const joined = a + b.slice(0, 4);
      if (punctuatorAt(joined, 0).length > a.length) return true; // `a + +b`, `a - -b`, `x = =>`…
    }
  }
  return false;
}
