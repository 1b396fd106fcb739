// Safe CSS minifier on tokens (css-tokenizer.ts): drops comments (not legal ones: `/*!`, `@license`, `@preserve`) and whitespace where it carries no
// meaning, and the last `;` of a block. Strings, url() and numbers are written as they were; nothing is reordered.
// Whitespace is meaningful in selectors (descendant combinator), around `+`/`-` in calc(), and between words.
import { tokenizeCss, urlTokenValue, type CssToken } from './css-tokenizer.ts';
import { isLegalComment } from './minify-js.ts';

// At-rules whose block holds what their parent's block would (rules at the top, declarations inside a style rule).
const CONDITIONAL_GROUP = new Set(['media', 'supports', 'layer', 'container', 'document', '-moz-document', 'scope', 'starting-style']);
// At-rules whose block holds rules (keyframe selectors); any other at-rule block holds declarations.
const RULE_LIST_AT_RULES = new Set(['keyframes', '-webkit-keyframes', '-moz-keyframes', 'font-feature-values']);
// Tokens after which, and tokens before which, whitespace never matters. Not after `)` and `]`: `a[b] c` is a
// descendant selector and `(a) and (b)` needs its spaces.
const TIGHT_AFTER = new Set(['{', '}', ';', ',', '(', '[', 'function']);
const TIGHT_BEFORE = new Set(['{', '}', ';', ',', ')', ']']);
const SINGLE_CHAR = new Set(['{', '}', ';', ',', '(', ')', '[', ']']);

type Mode = 'selector' | 'declaration' | 'atrule';

interface Item {
  token: CssToken;
  /** Whitespace came before this token in the source. */
  space: boolean;
  /** Only a comment separated it from the token before (no whitespace). */
  glued: boolean;
}

/** Minifies a style sheet; throws CssSyntaxError (line, column) on unterminated strings, comments or url(). */
export function minifyCss(source: string): string {
  const items = significantItems(tokenizeCss(source));
  let out = '';
  let prev: CssToken | null = null;
  let semicolonPending = false;
  const blocks: ('rules' | 'decls')[] = [];
  let mode: Mode | null = null; // of the current statement; null at a statement's start
  let atRuleName = '';
  let property = '';
  let depth = 0; // ( [ and functions inside the current statement
  let bracketDepth = 0;

  for (let i = 0; i < items.length; i++) {
    const { token, space, glued } = items[i];
    const t = token.type;
    if ((t === ';' || t === '}') && depth === 0 && space && emptyCustomProperty(mode, prev, property)) out += ' ';
    if (t === ';' && depth === 0) {
      if (mode !== null) semicolonPending = true; // `;;` and `{;` collapse
      mode = null;
      continue;
    }
    if (t === '}' && depth === 0) {
      semicolonPending = false;
      blocks.pop();
      out += '}';
      prev = token;
      mode = null;
      continue;
    }
    if (semicolonPending) {
      out += ';';
      prev = { type: ';', value: ';', start: 0, end: 0 };
      semicolonPending = false;
    }
    if (mode === null && t !== 'comment') {
      mode = statementMode(items, i, blocks[blocks.length - 1] ?? 'rules');
      atRuleName = t === 'atKeyword' ? token.value.slice(1).toLowerCase() : '';
      property = mode === 'declaration' ? token.value : '';
      depth = 0;
      bracketDepth = 0;
    }
    if (prev !== null) {
      if (space && keepSpace(prev, token, mode ?? 'selector', depth, bracketDepth)) out += ' ';
      else if ((space || glued) && wouldMerge(prev, token)) out += space ? ' ' : '/**/';
    }
    // `url( a.png )` → `url(a.png)`: the spaces are not part of the URL.
    out += t === 'url' ? `${token.value.slice(0, token.value.indexOf('(') + 1)}${urlTokenValue(token)})` : token.value;
    prev = token;

    if (t === '(' || t === 'function' || t === '[') {
      depth++;
      if (t === '[') bracketDepth++;
    } else if ((t === ')' || t === ']') && depth > 0) {
      depth--;
      if (t === ']' && bracketDepth > 0) bracketDepth--;
    } else if (t === '{' && depth === 0) {
      const parent = blocks[blocks.length - 1] ?? 'rules';
      if (mode === 'atrule') {
        blocks.push(CONDITIONAL_GROUP.has(atRuleName) ? parent : RULE_LIST_AT_RULES.has(atRuleName) ? 'rules' : 'decls');
      } else {
        blocks.push('decls');
      }
      mode = null;
    }
  }
  if (semicolonPending) out += ';';
  return out;
}

/** Drops whitespace and non-legal comments, remembering where each was. */
function significantItems(tokens: CssToken[]): Item[] {
  const items: Item[] = [];
  let space = false;
  let glued = false;
  for (const token of tokens) {
    if (token.type === 'whitespace') { space = true; continue; }
    if (token.type === 'comment' && !isLegalComment(token.value)) { glued = true; continue; }
    items.push({ token, space, glued: glued && !space });
    space = false;
    glued = false;
  }
  return items;
}

/** What the statement starting at items[i] is: a selector (ends in `{`), a declaration, or an at-rule prelude. */
function statementMode(items: Item[], i: number, block: 'rules' | 'decls'): Mode {
  if (items[i].token.type === 'atKeyword') return 'atrule';
  if (block === 'rules') return 'selector';
  // In a declaration block a nested rule (CSS nesting) reaches `{` before any `;` or `}`.
  let depth = 0;
  for (let j = i; j < items.length; j++) {
    const t = items[j].token.type;
    if (t === '(' || t === 'function' || t === '[') depth++;
    else if ((t === ')' || t === ']') && depth > 0) depth--;
    else if (depth === 0 && (t === ';' || t === '}')) return 'declaration';
    else if (depth === 0 && t === '{') return 'selector';
  }
  return 'declaration';
}

function isDelim(token: CssToken, chars: string): boolean {
  return token.type === 'delim' && chars.includes(token.value);
}

/** Whether whitespace between `prev` and `next` carries meaning and must stay (as one space). */
function keepSpace(prev: CssToken, next: CssToken, mode: Mode, depth: number, bracketDepth: number): boolean {
  if (prev.type === 'comment' || next.type === 'comment') return false;
  if (TIGHT_AFTER.has(prev.type) || TIGHT_BEFORE.has(next.type)) return false;
  switch (mode) {
    case 'selector':
      if (bracketDepth > 0) return false; // `[a = "b"]`; words that would merge are caught by wouldMerge
      return !(isDelim(prev, '>+~') || isDelim(next, '>+~'));
    case 'declaration':
      return !(prev.type === ':' || next.type === ':' || isDelim(prev, '!/') || isDelim(next, '!/'));
    case 'atrule':
      return !(depth > 0 && (prev.type === ':' || next.type === ':'));
  }
}

/** `--x: ;` keeps its one space: an empty custom property value was invalid before CSS Variables level 2. */
function emptyCustomProperty(mode: Mode | null, prev: CssToken | null, property: string): boolean {
  return mode === 'declaration' && prev !== null && prev.type === ':' && property.startsWith('--');
}

/** Whether writing `next` right after `prev` would read back as other tokens (`a/**\/b`, `1 .5`, `/ *`). */
function wouldMerge(prev: CssToken, next: CssToken): boolean {
  // A word and a parenthesis join into a function (`url (x)` would become the URL token `url(x)`).
  if (prev.type === 'ident' && next.type === '(') return true;
  if (SINGLE_CHAR.has(prev.type) || SINGLE_CHAR.has(next.type) || next.type === ':' || prev.type === 'function' || prev.type === 'url') return false;
  try {
    const again = tokenizeCss(prev.value + next.value);
    return again.length !== 2 || again[0].type !== prev.type || again[1].type !== next.type;
  } catch {
    return true;
  }
}
