// Safe HTML minifier on tokens (html-tokenizer.ts): collapses whitespace in text, drops it where no rendering can
// show it (next to block-level tags, inside <head>), drops comments but conditional ones, and minifies inline
// JavaScript and CSS. Attribute values, <pre>, <textarea>, <title> and non-JavaScript <script> stay as written.
import { HtmlSyntaxError, lineColumnAt, tokenizeHtml, type HtmlToken } from './html-tokenizer.ts';
import { JsSyntaxError } from './js-tokenizer.ts';
import { CssSyntaxError } from './css-tokenizer.ts';
import { minifyJs } from './minify-js.ts';
import { minifyCss } from './minify-css.ts';

// Elements whose boundaries break the line, so whitespace next to their tags is never rendered. Anything else
// (inline elements, custom elements, script and other invisible ones in <body>) keeps one space beside it.
const BLOCK = new Set([
  'html', 'head', 'body', 'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'center', 'col', 'colgroup',
  'dd', 'details', 'dialog', 'dir', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'frame',
  'frameset', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'legend', 'li', 'main', 'menu', 'nav', 'ol',
  'optgroup', 'option', 'p', 'pre', 'search', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
// Elements whose content is shown as written.
const PREFORMATTED = new Set(['pre', 'textarea', 'plaintext', 'listing']);
const JS_TYPES = new Set(['', 'module', 'text/javascript', 'application/javascript', 'text/ecmascript', 'application/ecmascript', 'text/jscript']);
const SPACES = /[ \t\n\f\r]+/g;

/** Minifies an HTML document or fragment; throws HtmlSyntaxError (line, column) on unterminated markup. */
export function minifyHtml(source: string): string {
  const tokens = withoutComments(tokenizeHtml(source));
  let out = '';
  let preformatted = 0;
  let inHead = false;
  let scriptType = '';
  let styleType = '';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    switch (token.type) {
      case 'text':
        out += preformatted > 0 ? token.raw : collapseText(token.raw, tokens[i - 1], tokens[i + 1], inHead);
        break;
      case 'rawText':
        out += minifyRawText(source, token, token.element === 'script' ? scriptType : styleType);
        break;
      case 'startTag':
        if (token.name === 'head') inHead = true;
        else if (token.name === 'body') inHead = false;
        if (PREFORMATTED.has(token.name)) preformatted++;
        if (token.name === 'script') scriptType = attributeValue(token, 'type');
        if (token.name === 'style') styleType = attributeValue(token, 'type');
        out += serializeStartTag(token);
        break;
      case 'endTag':
        if (token.name === 'head') inHead = false;
        if (PREFORMATTED.has(token.name) && preformatted > 0) preformatted--;
        out += `</${token.rawName}>`;
        break;
      default:
        out += token.raw;
    }
  }
  return out;
}

/** Drops comments other than conditional ones (`<!--[if IE]>…<![endif]-->`) and joins the text around them. */
function withoutComments(tokens: HtmlToken[]): HtmlToken[] {
  const kept: HtmlToken[] = [];
  for (const token of tokens) {
    const last = kept[kept.length - 1];
    // A comment stays where joining the text around it could make markup or a character reference of what was text:
    // `</<!---->p>` would become the end tag `</p>`, `&am<!---->p;` the ampersand `&amp;`.
    const joinable = last === undefined || last.type !== 'text' || !/(<[/!]?|&[A-Za-z0-9#]*)$/.test(last.raw);
    if (token.type === 'comment' && joinable && !/^<!--\s*\[/.test(token.raw) && !token.raw.startsWith('<!--<![')) continue;
    if (token.type === 'text' && last !== undefined && last.type === 'text') {
      kept[kept.length - 1] = { ...last, raw: last.raw + token.raw, end: token.end };
    } else {
      kept.push(token);
    }
  }
  return kept;
}

function attributeValue(token: HtmlToken & { type: 'startTag' }, name: string): string {
  const attribute = token.attributes.find((a) => a.name === name);
  return (attribute?.value ?? '').trim().toLowerCase();
}

/** True when whitespace next to this token can never be rendered. */
function breaksLine(token: HtmlToken | undefined, inHead: boolean): boolean {
  if (token === undefined || token.type === 'doctype' || inHead) return true;
  return (token.type === 'startTag' || token.type === 'endTag') && BLOCK.has(token.name);
}

/** Collapses runs of whitespace to one space, and drops it beside tags that break the line. */
function collapseText(raw: string, before: HtmlToken | undefined, after: HtmlToken | undefined, inHead: boolean): string {
  let text = raw.replace(SPACES, ' ');
  if (text === ' ') return breaksLine(before, inHead) || breaksLine(after, inHead) ? '' : ' ';
  if (text.startsWith(' ') && breaksLine(before, inHead)) text = text.slice(1);
  if (text.endsWith(' ') && breaksLine(after, inHead)) text = text.slice(0, -1);
  return text;
}

/** `<tag a="1" b>`: one space between attributes, values as written (quotes included). */
function serializeStartTag(token: HtmlToken & { type: 'startTag' }): string {
  let out = `<${token.rawName}`;
  let valueless = false;
  for (const a of token.attributes) {
    // A stray "=" starts an attribute named "=…"; after a valueless attribute and a space it would become that one's
    // value (`a =b` is a="b"). An empty value, which a valueless attribute has anyway, keeps the two apart.
    if (valueless && a.rawName.startsWith('=')) out += '=""';
    valueless = a.value === null;
    out += ` ${a.rawName}`;
    if (a.value !== null) out += `=${a.quote}${a.value}${a.quote}`;
  }
  if (token.selfClosing) {
    const last = token.attributes[token.attributes.length - 1];
    // `<a href=x />` must not become `<a href=x/>`, where the slash joins the unquoted value.
    out += last !== undefined && last.value !== null && last.quote === '' ? ' /' : '/';
  }
  return out + '>';
}

/**
 * What the raw text of `element` (a start tag's name) holds, given its `type` attribute (trimmed, lower-case):
 * JavaScript for a <script> of a JavaScript type (classic or module), CSS for a <style> of CSS, else null (data
 * blocks, templates, JSON, and every other element).
 */
export function inlineLanguage(element: string, type: string): 'js' | 'css' | null {
  if (element === 'script') return JS_TYPES.has(type) ? 'js' : null;
  if (element === 'style') return type === '' || type === 'text/css' ? 'css' : null;
  return null;
}

/** Minifies the content of <script> (JavaScript types only) and <style>; anything else stays as written. */
function minifyRawText(source: string, token: HtmlToken & { type: 'rawText' }, type: string): string {
  const language = inlineLanguage(token.element, type);
  if (language === null) return token.raw;
  const isScript = language === 'js';
  let minified: string;
  try {
    minified = isScript ? minifyJs(token.raw) : minifyCss(token.raw);
  } catch (err) {
    if (!(err instanceof JsSyntaxError || err instanceof CssSyntaxError)) throw err;
    // Report the position in the HTML file, not in the script.
    const start = lineColumnAt(source, token.start);
    const line = start.line + err.line - 1;
    const column = err.line === 1 ? start.column + err.column - 1 : err.column;
    throw new HtmlSyntaxError(`${err.reason} in inline <${token.element}>`, line, column);
  }
  // Joining tokens must never write an end tag or a comment opener that the HTML parser would see.
  const closer = isScript ? /<\/script|<!--|<script/i : /<\/style/i;
  return closer.test(minified) && !closer.test(token.raw) ? token.raw : minified;
}
