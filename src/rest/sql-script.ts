// RPC functions written as SQL: the script split into statements and each statement's `:name` parameters found,
// with a small scanner that knows SQLite's quotes ('…', "…", `…`, […]) and comments (--, /* */).
// Not handled: `;` inside CREATE TRIGGER … BEGIN … END bodies (a function's script has no business creating triggers).

export interface SqlStatement {
  /** The statement's text, without its `;`. */
  sql: string;
  /** `:name` parameters it uses, in order of first appearance. */
  params: string[];
}

/**
 * Splits `script` into its statements (empty ones and comment-only ones dropped). Throws a SyntaxError for an
 * unterminated quote or comment and for parameters other than `:name` (`?`, `?1`, `@x`, `$x` cannot be bound by name).
 */
export function splitSqlScript(script: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const n = script.length;
  let start = 0;
  let hasCode = false;
  let params: string[] = [];
  let i = 0;
  const end = (at: number) => {
    if (hasCode) statements.push({ sql: script.slice(start, at).trim(), params });
    start = at + 1;
    hasCode = false;
    params = [];
  };
  while (i < n) {
    const ch = script[i];
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new SyntaxError(`Unterminated ${ch} quote at offset ${i} of the SQL`);
        if (script[j] === close) {
          // A doubled quote is a quote inside the string; `]` cannot be doubled.
          if (close !== ']' && script[j + 1] === close) { j += 2; continue; }
          break;
        }
        j++;
      }
      hasCode = true;
      i = j + 1;
    } else if (ch === '-' && script[i + 1] === '-') {
      const newline = script.indexOf('\n', i);
      i = newline < 0 ? n : newline + 1;
    } else if (ch === '/' && script[i + 1] === '*') {
      const close = script.indexOf('*/', i + 2);
      if (close < 0) throw new SyntaxError(`Unterminated /* comment at offset ${i} of the SQL`);
      i = close + 2;
    } else if (ch === ';') {
      end(i);
      i++;
    } else if (ch === ':' && /[A-Za-z_]/.test(script[i + 1] ?? '')) {
      let j = i + 2;
      while (j < n && /[A-Za-z0-9_]/.test(script[j])) j++;
      const name = script.slice(i + 1, j);
      if (!params.includes(name)) params.push(name);
      hasCode = true;
      i = j;
    } else if (ch === '?' || ((ch === '@' || ch === '$') && /[A-Za-z_]/.test(script[i + 1] ?? '') && !/[A-Za-z0-9_$]/.test(script[i - 1] ?? ''))) {
      throw new SyntaxError(`Parameter "${script.slice(i, i + 12).split(/\s/)[0]}" at offset ${i} of the SQL: only :name parameters are supported`);
    } else {
      if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') hasCode = true;
      i++;
    }
  }
  end(n);
  return statements;
}

/** Every parameter of `statements`, in order of first appearance. */
export function scriptParams(statements: SqlStatement[]): string[] {
  const all: string[] = [];
  for (const statement of statements) for (const name of statement.params) if (!all.includes(name)) all.push(name);
  return all;
}
