// Finds the URLs an HTML, CSS or JavaScript file refers to, on tokens (never a regex over raw text), as offsets
// into the text so they can be replaced in place: HTML src/href/srcset/poster and inline style and script,
// CSS url() and @import, JavaScript import/export specifiers, dynamic import() and new URL('…', import.meta.url).
import { tokenizeCss, type CssToken } from '../../src/lib/css-tokenizer.ts';
import { tokenizeHtml } from '../../src/lib/html-tokenizer.ts';
import { tokenizeJs, type JsToken } from '../../src/lib/js-tokenizer.ts';
import { inlineLanguage } from '../../src/lib/minify-html.ts';

export type TextKind = 'html' | 'css' | 'js';

/** One URL in a text: `text.slice(start, end) === url`. `module` marks a JavaScript module specifier. */
export interface Reference {
  url: string;
  start: number;
  end: number;
  /** Module specifiers resolve only when they start with `./`, `../` or `/`; other URLs resolve like links. */
  module: boolean;
}

const URL_ATTRIBUTES = new Set(['src', 'href', 'poster', 'data']);
const SRCSET_ATTRIBUTES = new Set(['srcset', 'imagesrcset']);

/** Every reference in `text`, in order. */
export function findReferences(kind: TextKind, text: string): Reference[] {
  switch (kind) {
    case 'html': return htmlReferences(text);
    case 'css': return cssReferences(text, 0);
    case 'js': return jsReferences(text, 0);
  }
}

/** `text` with the spans `[start, end)` replaced by their `url` (spans do not overlap). */
export function replaceReferences(text: string, replacements: { start: number; end: number; url: string }[]): string {
  let out = '';
  let at = 0;
  for (const r of [...replacements].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, r.start) + r.url;
    at = r.end;
  }
  return out + text.slice(at);
}

function htmlReferences(text: string): Reference[] {
  const refs: Reference[] = [];
  let scriptType = '';
  let styleType = '';
  for (const token of tokenizeHtml(text)) {
    if (token.type === 'startTag') {
      for (const a of token.attributes) {
        if (a.value === null) continue;
        if (URL_ATTRIBUTES.has(a.name)) {
          const trimmed = trimmedSpan(a.value, a.valueStart);
          if (trimmed !== null) refs.push({ url: trimmed.text, start: trimmed.start, end: trimmed.end, module: false });
        } else if (SRCSET_ATTRIBUTES.has(a.name)) {
          refs.push(...srcsetReferences(a.value, a.valueStart));
        } else if (a.name === 'style') {
          refs.push(...cssReferences(a.value, a.valueStart));
        }
      }
      const type = (token.attributes.find((a) => a.name === 'type')?.value ?? '').trim().toLowerCase();
      if (token.name === 'script') scriptType = type;
      if (token.name === 'style') styleType = type;
    } else if (token.type === 'rawText') {
      // Classic scripts too: import() is allowed in them.
      const language = inlineLanguage(token.element, token.element === 'script' ? scriptType : styleType);
      if (language === 'js') refs.push(...jsReferences(token.raw, token.start));
      else if (language === 'css') refs.push(...cssReferences(token.raw, token.start));
    }
  }
  return refs;
}

function trimmedSpan(value: string, offset: number): { text: string; start: number; end: number } | null {
  const lead = value.length - value.trimStart().length;
  const text = value.trim();
  return text === '' ? null : { text, start: offset + lead, end: offset + lead + text.length };
}

/** `a.png 1x, b.png 2x`: each candidate's URL runs to whitespace; descriptors run to the next comma. */
function srcsetReferences(value: string, offset: number): Reference[] {
  const refs: Reference[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(value[i])) i++;
    const start = i;
    while (i < value.length && !/\s/.test(value[i])) i++;
    let end = i;
    while (end > start && value[end - 1] === ',') end--; // `a.png,b.png 2x`: a comma right after a URL ends it
    if (end > start) refs.push({ url: value.slice(start, end), start: offset + start, end: offset + end, module: false });
    if (end < i) { i = end + 1; continue; }
    while (i < value.length && value[i] !== ',') i++;
  }
  return refs;
}

function cssReferences(text: string, offset: number): Reference[] {
  const refs: Reference[] = [];
  const tokens = tokenizeCss(text).filter((t) => t.type !== 'whitespace' && t.type !== 'comment');
  // Strings directly inside url(), src() and image-set() are URLs; so is the string right after @import.
  let depth = 0;
  const urlFunctions: number[] = []; // the depths at which such functions are open
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'url') {
      const open = t.value.indexOf('(') + 1;
      const inner = t.value.slice(open, -1);
      const span = trimmedSpan(inner, t.start + open);
      if (span !== null && !span.text.includes('\\')) refs.push({ url: span.text, start: offset + span.start, end: offset + span.end, module: false });
    } else if (t.type === 'function') {
      depth++;
      if (/^(url|src|(-webkit-)?image-set)\($/i.test(t.value)) urlFunctions.push(depth);
    } else if (t.type === '(') {
      depth++;
    } else if (t.type === ')') {
      if (urlFunctions[urlFunctions.length - 1] === depth) urlFunctions.pop();
      depth = Math.max(0, depth - 1);
    } else if (t.type === 'string') {
      const afterImport = i > 0 && tokens[i - 1].type === 'atKeyword' && tokens[i - 1].value.toLowerCase() === '@import';
      if (urlFunctions[urlFunctions.length - 1] === depth || afterImport) pushString(refs, t, offset, false);
    }
  }
  return refs;
}

/** A quoted string's content as a reference, unless escapes make its text differ from its value. */
function pushString(refs: Reference[], token: CssToken | JsToken, offset: number, module: boolean): void {
  const url = token.value.slice(1, -1);
  if (url === '' || url.includes('\\')) return;
  refs.push({ url, start: offset + token.start + 1, end: offset + token.end - 1, module });
}

function jsReferences(text: string, offset: number): Reference[] {
  const refs: Reference[] = [];
  const tokens = tokenizeJs(text).filter((t) => t.type !== 'comment' && t.type !== 'hashbang');
  const is = (i: number, type: JsToken['type'], value?: string) =>
    i >= 0 && i < tokens.length && tokens[i].type === type && (value === undefined || tokens[i].value === value);
  const afterDot = (i: number) => is(i - 1, 'punct', '.') || is(i - 1, 'punct', '?.');
  const literal = (i: number) => is(i, 'string') || (is(i, 'template') && tokens[i].value.endsWith('`') && tokens[i].value.startsWith('`'));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== 'name' || afterDot(i)) continue;
    if (t.value === 'from' && is(i + 1, 'string')) {
      pushString(refs, tokens[i + 1], offset, true); // import … from '…', export … from '…'
    } else if (t.value === 'import' && is(i + 1, 'string')) {
      pushString(refs, tokens[i + 1], offset, true); // import '…'
    } else if (t.value === 'import' && is(i + 1, 'punct', '(') && literal(i + 2) && (is(i + 3, 'punct', ')') || is(i + 3, 'punct', ','))) {
      pushString(refs, tokens[i + 2], offset, true); // import('…')
    } else if (t.value === 'URL' && is(i - 1, 'name', 'new') && is(i + 1, 'punct', '(') && literal(i + 2) && is(i + 3, 'punct', ',')
      && is(i + 4, 'name', 'import') && is(i + 5, 'punct', '.') && is(i + 6, 'name', 'meta') && is(i + 7, 'punct', '.') && is(i + 8, 'name', 'url')) {
      pushString(refs, tokens[i + 2], offset, false); // new URL('…', import.meta.url)
    }
  }
  return refs;
}
