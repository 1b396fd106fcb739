// TOML's value types, and the date-time class that keeps its four kinds apart (a plain Date cannot hold the local ones).

export type TomlValue = string | number | bigint | boolean | TomlDateTime | TomlValue[] | TomlTable;
export type TomlTable = { [key: string]: TomlValue };
export type TomlDateTimeKind = 'offset-datetime' | 'local-datetime' | 'local-date' | 'local-time';

/**
 * A TOML offset date-time, local date-time, local date or local time. `value` (and `toString()`, `toISOString()`,
 * `toJSON()`) is the RFC 3339 text with `T` between date and time, `Z` upper case and the fraction as written.
 * Fields the kind does not have are 0 (`fraction` '', `offset` null).
 */
export class TomlDateTime {
  readonly kind: TomlDateTimeKind;
  readonly value: string;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** The digits after the seconds' decimal point, as written ('' when there are none). */
  readonly fraction: string;
  /** `Z` or `±hh:mm` for an offset date-time; null for the local kinds. */
  readonly offset: string | null;

  /** Made by the parser, which has validated the fields; to make one from text, use `parseValue('1979-05-27')`. */
  constructor(kind: TomlDateTimeKind, value: string, year: number, month: number, day: number, hour: number,
    minute: number, second: number, fraction: string, offset: string | null) {
    this.kind = kind;
    this.value = value;
    this.year = year;
    this.month = month;
    this.day = day;
    this.hour = hour;
    this.minute = minute;
    this.second = second;
    this.fraction = fraction;
    this.offset = offset;
  }

  toString(): string { return this.value; }
  toISOString(): string { return this.value; }
  toJSON(): string { return this.value; }

  /**
   * The instant, to the millisecond. A local kind has no offset, so it is read as UTC (a local time as that time
   * on 1970-01-01, a local date as its midnight); a leap second (:60) rolls over into the next minute.
   */
  toDate(): Date {
    const date = new Date(0);
    if (this.kind !== 'local-time') date.setUTCFullYear(this.year, this.month - 1, this.day); // years 0-99 stay put
    const ms = this.fraction === '' ? 0 : Number(this.fraction.slice(0, 3).padEnd(3, '0'));
    date.setUTCHours(this.hour, this.minute, this.second, ms);
    const offset = this.offset;
    if (offset !== null && offset !== 'Z') {
      const minutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6));
      date.setTime(date.getTime() - (offset[0] === '-' ? -minutes : minutes) * 60_000);
    }
    return date;
  }
}
