// HTML tokenizer after the WHATWG tokenizer's main states: text, start and end tags with attributes (offsets kept
// so callers can splice values), comments, doctypes, and the raw text of script, style, textarea, title and kin,
// which runs to the matching end tag. Character references are left as written.
import { SourceSyntaxError } from './source-error.ts';

export interface HtmlAttribute {
  /** Lower-cased name, and the name as written. */
  name: string;
  rawName: string;
  /** The value as written, without its quotes (references not decoded); null for a bare attribute. */
  value: string | null;
  /** `"`, `'` or '' (unquoted or bare). */
  quote: string;
  /** Offsets of the value (inside the quotes) in the source; -1 for a bare attribute. */
  valueStart: number;
  valueEnd: number;
}

interface Span {
  /** The exact source text and where it was. */
  raw: string;
  start: number;
  end: number;
}

export type HtmlToken =
  | (Span & { type: 'text' })
  /** The content of script, style, textarea, title, xmp, iframe, noembed, noframes, up to its end tag. */
  | (Span & { type: 'rawText'; element: string })
  | (Span & { type: 'comment' })
  /** `<!doctype …>`, `<![CDATA[…]]>`, `<?…>` and other markup declarations, kept as written. */
  | (Span & { type: 'doctype' })
  | (Span & { type: 'startTag'; name: string; rawName: string; attributes: HtmlAttribute[]; selfClosing: boolean })
  | (Span & { type: 'endTag'; name: string; rawName: string });

/** Markup no browser would read as meant (an unterminated tag, comment or raw-text element); 1-based position. */
export class HtmlSyntaxError extends SourceSyntaxError {}

// Elements whose content is text up to their end tag (RCDATA ones, textarea and title, are among them: their
// character references matter to the browser but not to us).
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
}

/** The 1-based line and column of offset `at` in `source`. */
export function lineColumnAt(source: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < at; i = source.indexOf('\n', i + 1)) { line++; lineStart = i + 1; }
  return { line, column: at - lineStart + 1 };
}

/** Splits an HTML document or fragment into tokens; throws HtmlSyntaxError on unterminated markup. */
export function tokenizeHtml(source: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  const len = source.length;
  let pos = 0;
  let foreign = 0; // inside <svg> or <math>, where script and style are not raw text
  let slashBeforeClose = false; // the tag skipAttributes just read ended in `/>` (not an unquoted value's `/`)

  const fail = (message: string, at: number): never => {
    const { line, column } = lineColumnAt(source, at);
    throw new HtmlSyntaxError(message, line, column);
  };

  while (pos < len) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt < 0 ? len : lt;
    if (lt < 0 || !startsMarkup(lt)) {
      const next = lt < 0 ? len : lt + 1;
      appendText(pos, next);
      pos = next;
      continue;
    }
    if (textEnd > pos) appendText(pos, textEnd);
    pos = lt;
    const c1 = source.charCodeAt(pos + 1);
    if (c1 === 33) { // <!
      if (source.startsWith('<!--', pos)) {
        // `<!-->` and `<!--->` are (empty) comments too.
        const close = source.startsWith('<!-->', pos) ? pos + 1 : source.startsWith('<!--->', pos) ? pos + 2 : source.indexOf('-->', pos + 4);
        if (close < 0) fail('Unterminated comment: expected "-->"', pos);
        push({ type: 'comment', raw: source.slice(pos, close + 3), start: pos, end: close + 3 });
        pos = close + 3;
      } else {
        const closer = source.startsWith('<![CDATA[', pos) ? ']]>' : '>';
        const close = source.indexOf(closer, pos + 2);
        if (close < 0) fail(`Unterminated markup declaration: expected "${closer}"`, pos);
        push({ type: 'doctype', raw: source.slice(pos, close + closer.length), start: pos, end: close + closer.length });
        pos = close + closer.length;
      }
      continue;
    }
    if (c1 === 63) { // <? is a bogus comment up to >
      const close = source.indexOf('>', pos);
      if (close < 0) fail('Unterminated processing instruction: expected ">"', pos);
      push({ type: 'doctype', raw: source.slice(pos, close + 1), start: pos, end: close + 1 });
      pos = close + 1;
      continue;
    }
    if (c1 === 47) { // </
      const nameEnd = tagNameEnd(pos + 2);
      const close = skipAttributes(nameEnd, null);
      const rawName = source.slice(pos + 2, nameEnd);
      const name = rawName.toLowerCase();
      if (name === 'svg' || name === 'math') foreign = Math.max(0, foreign - 1);
      push({ type: 'endTag', raw: source.slice(pos, close), start: pos, end: close, name, rawName });
      pos = close;
      continue;
    }
    const nameEnd = tagNameEnd(pos + 1);
    const rawName = source.slice(pos + 1, nameEnd);
    const name = rawName.toLowerCase();
    const attributes: HtmlAttribute[] = [];
    const close = skipAttributes(nameEnd, attributes);
    const selfClosing = slashBeforeClose;
    push({ type: 'startTag', raw: source.slice(pos, close), start: pos, end: close, name, rawName, attributes, selfClosing });
    pos = close;
    if ((name === 'svg' || name === 'math') && !selfClosing) foreign++;
    if (foreign === 0 && RAW_TEXT.has(name)) pos = readRawText(name, pos);
  }
  return tokens;

  function push(token: HtmlToken): void {
    tokens.push(token);
  }

  /** Text tokens stay whole: a `<` that opens no markup joins the text around it. */
  function appendText(from: number, to: number): void {
    const last = tokens[tokens.length - 1];
    if (last !== undefined && last.type === 'text' && last.end === from) {
      last.raw += source.slice(from, to);
      last.end = to;
    } else {
      push({ type: 'text', raw: source.slice(from, to), start: from, end: to });
    }
  }

  function startsMarkup(at: number): boolean {
    const c = source.charCodeAt(at + 1);
    if (isAsciiLetter(c) || c === 33 || c === 63) return true;
    return c === 47 && isAsciiLetter(source.charCodeAt(at + 2));
  }

  function tagNameEnd(from: number): number {
    let i = from;
    while (i < len) {
      const c = source.charCodeAt(i);
      if (isSpace(c) || c === 47 || c === 62) break;
      i++;
    }
    return i;
  }

  /** Reads attributes from `from` up to and including the tag's `>`; returns the offset after it. */
  function skipAttributes(from: number, into: HtmlAttribute[] | null): number {
    let i = from;
    for (;;) {
      slashBeforeClose = false;
      while (i < len && (isSpace(source.charCodeAt(i)) || source.charCodeAt(i) === 47)) {
        slashBeforeClose = source.charCodeAt(i) === 47;
        i++;
      }
      if (i >= len) return fail('Unterminated tag: expected ">"', from);
      if (source.charCodeAt(i) === 62) return i + 1;
      const nameStart = i;
      i++; // the first character may be `=`
      while (i < len) {
        const c = source.charCodeAt(i);
        if (isSpace(c) || c === 47 || c === 62 || c === 61) break;
        i++;
      }
      const rawName = source.slice(nameStart, i);
      let j = i;
      while (j < len && isSpace(source.charCodeAt(j))) j++;
      let value: string | null = null;
      let quote = '';
      let valueStart = -1;
      let valueEnd = -1;
      if (source.charCodeAt(j) === 61) { // =
        j++;
        while (j < len && isSpace(source.charCodeAt(j))) j++;
        const q = source.charCodeAt(j);
        if (q === 34 || q === 39) {
          quote = source[j];
          const close = source.indexOf(quote, j + 1);
          if (close < 0) fail(`Unterminated attribute value: expected a closing ${quote}`, j);
          valueStart = j + 1;
          valueEnd = close;
          i = close + 1;
        } else {
          valueStart = j;
          while (j < len && !isSpace(source.charCodeAt(j)) && source.charCodeAt(j) !== 62) j++;
          valueEnd = j;
          i = j;
        }
        value = source.slice(valueStart, valueEnd);
      }
      into?.push({ name: rawName.toLowerCase(), rawName, value, quote, valueStart, valueEnd });
    }
  }

  /** Pushes the content of a raw-text element opened just before `from`; returns the offset of its end tag. */
  function readRawText(element: string, from: number): number {
    const lower = element.length > 0 ? `</${element}` : '</';
    let i = from;
    for (;;) {
      const at = indexOfInsensitive(lower, i);
      if (at < 0) return fail(`Unterminated <${element}>: expected "</${element}>"`, from);
      const after = source.charCodeAt(at + lower.length);
      if (isSpace(after) || after === 47 || after === 62) {
        push({ type: 'rawText', raw: source.slice(from, at), start: from, end: at, element });
        return at;
      }
      i = at + 1;
    }
  }

  function indexOfInsensitive(needle: string, from: number): number {
    for (let i = source.indexOf('<', from); i >= 0; i = source.indexOf('<', i + 1)) {
      if (source.slice(i, i + needle.length).toLowerCase() === needle) return i;
    }
    return -1;
  }
}
