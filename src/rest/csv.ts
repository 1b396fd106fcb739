// RFC 4180 CSV for the REST API: rows out as `text/csv` (a header row always, NULL as an empty unquoted field) and
// `text/csv` request bodies in (an empty unquoted cell is NULL, `""` the empty string). Errors name line and column.
//
// CSV injection (`=cmd|…` cells opened in a spreadsheet): values are written exactly as stored, never prefixed with
// `'` or otherwise altered. The API's job is to hand back the data faithfully (a round trip must give the same rows);
// whether a cell may be executed is the decision of whoever opens the file in a spreadsheet.
import { SourceSyntaxError } from '../lib/source-error.ts';

export type CsvValue = string | number | null;

/** A CSV text that cannot be read; `line` and `column` (1-based, column in characters) point at the problem. */
export class CsvSyntaxError extends SourceSyntaxError {}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180, CRLF line ends, header row always (also for no rows); null → empty unquoted field; '' → `""`; fields with , " CR LF quoted with "" doubling. Numbers as JS prints them. */
export function formatCsv(columns: string[], rows: Record<string, CsvValue>[]): string {
  const lines = new Array<string>(rows.length + 1);
  lines[0] = columns.map(formatField).join(',');
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) line += ',';
      line += formatField(row[columns[c]]);
    }
    lines[r + 1] = line;
  }
  return lines.join('\r\n') + '\r\n';
}

function formatField(value: CsvValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  // An empty string is quoted so that it reads back as '' and not as NULL.
  if (value === '') return '""';
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * Parses CSV text (first row = header) into null-prototype objects: unquoted empty cell → null, quoted empty → ''.
 * Rows with a different field count than the header, unterminated quotes, text after a closing quote, a quote inside
 * an unquoted field, a CR not followed by LF → CsvSyntaxError (a SyntaxError) saying what and where. Accepts CRLF or
 * LF, an optional final line end, a UTF-8 BOM. Duplicate or empty header names → CsvSyntaxError.
 */
export function parseCsv(text: string): Record<string, string | null>[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const n = text.length;
  if (n === 0) throw locate(text, 0, 'CSV text is empty; expected a header row');
  let header: string[] | null = null;
  const rows: Record<string, string | null>[] = [];
  let fields: (string | null)[] = [];
  let i = 0;
  for (;;) {
    // At the start of a field. The end of the text right after a line end is the optional final line end.
    if (i === n && fields.length === 0) break;
    if (header !== null && fields.length === header.length) {
      throw locate(text, i, `Record has more than the header's ${header.length} field${header.length === 1 ? '' : 's'}`);
    }
    let value: string | null;
    if (text.charCodeAt(i) === QUOTE) {
      const start = i;
      value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) throw locate(text, start, 'Unterminated quoted field (no closing \'"\')');
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      const next = text.charCodeAt(i);
      if (i < n && next !== COMMA && next !== LF && !(next === CR && text.charCodeAt(i + 1) === LF)) {
        throw locate(text, i, `Unexpected ${describe(text, i)} after a closing quote; expected a comma or a line end`);
      }
    } else {
      const start = i;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === LF) break;
        if (c === CR) {
          if (text.charCodeAt(i + 1) === LF) break;
          throw locate(text, i, 'Carriage return not followed by a line feed; expected CRLF or LF line ends');
        }
        if (c === QUOTE) throw locate(text, i, 'Unexpected \'"\' inside an unquoted field; quote the whole field and double the quote');
      }
      value = i === start ? null : text.slice(start, i);
    }
    fields.push(value);
    const end = text.charCodeAt(i);
    if (end === COMMA) {
      i++;
      continue;
    }
    // A line end (CRLF or LF) or the end of the text closes the record.
    const recordEnd = i;
    i += end === CR ? 2 : i < n ? 1 : 0;
    if (header === null) {
      header = checkHeader(text, fields, recordEnd);
    } else {
      if (fields.length !== header.length) {
        throw locate(text, recordEnd, `Record has ${fields.length} field${fields.length === 1 ? '' : 's'} where the header has ${header.length}`);
      }
      const row: Record<string, string | null> = Object.create(null);
      for (let c = 0; c < header.length; c++) row[header[c]] = fields[c];
      rows.push(row);
    }
    fields = [];
    if (i >= n) break;
  }
  return rows;
}

function checkHeader(text: string, fields: (string | null)[], lineEnd: number): string[] {
  const seen = new Set<string>();
  // Columns are found again by walking the header line, so that the error points at the offending name.
  let at = 0;
  for (const name of fields) {
    if (name === null || name === '') throw locate(text, at, 'Empty header name; every column needs a name');
    if (seen.has(name)) throw locate(text, at, `Duplicate header name ${JSON.stringify(name)}`);
    seen.add(name);
    at = nextFieldStart(text, at, lineEnd);
  }
  return fields as string[];
}

/** The offset after the comma that ends the field starting at `at` (header line only, so quotes are well formed). */
function nextFieldStart(text: string, at: number, lineEnd: number): number {
  let quoted = false;
  for (let i = at; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (c === COMMA && !quoted) return i + 1;
  }
  return lineEnd;
}

function describe(text: string, at: number): string {
  const ch = String.fromCodePoint(text.codePointAt(at)!);
  return ch === '\r' ? 'carriage return' : JSON.stringify(ch);
}

/** The error for offset `at`: line counted in LFs, column in code points from the line's start. */
function locate(text: string, at: number, reason: string): CsvSyntaxError {
  let line = 1;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < at; nl = text.indexOf('\n', nl + 1)) line++;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const column = [...text.slice(lineStart, at)].length + 1;
  return new CsvSyntaxError(reason, line, column);
}
