// The error of a text that cannot be read (JavaScript, CSS, HTML, CSV): what is wrong and where, 1-based.

/** `reason` says what, `line` and `column` (1-based) say where; the message holds all three. */
export class SourceSyntaxError extends SyntaxError {
  readonly reason: string;
  readonly line: number;
  readonly column: number;

  constructor(reason: string, line: number, column: number) {
    super(`${reason} at line ${line}, column ${column}`);
    this.name = new.target.name;
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}
