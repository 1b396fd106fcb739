// Result values made JSON-able: integers beyond 2^53 as decimal strings (never rounded), BLOBs as base64, and with
// `Prefer: timezone` the UTC instants of DATETIME/TIMESTAMP columns rendered in that zone with its offset.
import { Buffer } from 'node:buffer';
import { HttpError } from '../http/errors.ts';
import type { ResultColumn, Row } from './plugin.ts';

type JsonRow = Record<string, string | number | null>;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** IANA names are letters, digits, `_`, `-`, `+` and `/`, starting with a letter; Intl's `+01:00` offsets are not. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/** One formatter per zone: building one costs far more than using it. Bounded: names come from requests. */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATS = 1000;

/** Throws HttpError 400 `invalid_timezone` unless `name` is an IANA zone Intl knows (or "UTC"). Returns the canonical name. */
export function checkTimezone(name: string): string {
  let resolved: string | undefined;
  if (ZONE_NAME.test(name) && name.length <= 64) {
    try {
      resolved = offsetFormat(name).resolvedOptions().timeZone;
    } catch { /* unknown zone */ }
  }
  if (resolved === undefined) {
    throw new HttpError(400, 'invalid_timezone', `Unknown time zone ${JSON.stringify(name)}; expected an IANA name such as "Europe/Paris" or "UTC"`);
  }
  // Intl canonicalises links to ICU's legacy names (Asia/Kolkata → Asia/Calcutta, US/Eastern → America/New_York):
  // only the letter case is taken from it, so a client reads back the zone it asked for.
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

/**
 * Result rows → JSON-able objects: bigint within ±(2^53−1) → number, beyond → decimal string; Uint8Array → base64;
 * with a timezone, TEXT values of DATETIME/TIMESTAMP columns holding UTC instants rendered in that zone.
 * Rows needing no change are returned as they are (no copy); the input rows are never modified.
 */
export function renderRows(columns: ResultColumn[], rows: Row[], timezone: string | null): JsonRow[] {
  let zoned: string[] | null = null;
  if (timezone !== null) {
    for (const column of columns) {
      if (isInstantType(column.type)) (zoned ??= []).push(column.name);
    }
  }
  // Reading the columns by name is several times faster than enumerating each row's keys; it is used when the first
  // row holds exactly the listed columns (always so for the SQLite plugin), else every row's keys are enumerated.
  const keys = rows.length > 0 && sameKeys(rows[0], columns) ? columns.map((c) => c.name) : null;
  let out: JsonRow[] | null = null;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const rendered = renderRow(row, keys, zoned, timezone);
    if (rendered !== row && out === null) out = rows.slice(0, i) as JsonRow[];
    if (out !== null) out.push(rendered as JsonRow);
  }
  return out ?? (rows as JsonRow[]);
}

function sameKeys(row: Row, columns: ResultColumn[]): boolean {
  let n = 0;
  for (const key in row) {
    if (!columns.some((c) => c.name === key)) return false;
    n++;
  }
  return n === columns.length;
}

/** DATETIME and TIMESTAMP (any case, within a longer declared type too); DATE alone never. */
function isInstantType(type: string): boolean {
  return /DATETIME|TIMESTAMP/i.test(type);
}

function renderRow(row: Row, keys: string[] | null, zoned: string[] | null, timezone: string | null): Row | JsonRow {
  let copy: JsonRow | null = null;
  if (keys !== null) {
    for (let i = 0; i < keys.length; i++) {
      const value = row[keys[i]];
      if (typeof value === 'bigint' || value instanceof Uint8Array) copy = convert(row, copy, keys[i], value);
    }
  } else {
    for (const key in row) {
      const value = row[key];
      if (typeof value === 'bigint' || value instanceof Uint8Array) copy = convert(row, copy, key, value);
    }
  }
  if (zoned !== null) {
    for (const key of zoned) {
      const value = row[key];
      if (typeof value !== 'string') continue;
      const converted = toZone(value, timezone as string);
      if (converted === null) continue;
      copy ??= Object.assign(Object.create(null), row) as JsonRow;
      copy[key] = converted;
    }
  }
  return copy ?? row;
}

/** The row's copy (made on the first change) with `key` set to the JSON-able form of `value`. */
function convert(row: Row, copy: JsonRow | null, key: string, value: bigint | Uint8Array): JsonRow {
  const out = copy ?? (Object.assign(Object.create(null), row) as JsonRow);
  out[key] = typeof value === 'bigint'
    ? value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString()
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return out;
}

// `YYYY-MM-DD HH:MM:SS[.fff…]` (SQLite's own format, UTC by convention) or ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fff…]Z`.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?|T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z)$/;

/** `value` as a UTC instant shown in `zone` (`2024-03-10T15:04:05.123+01:00`), or null when it is no UTC instant. */
function toZone(value: string, zone: string): string | null {
  const m = INSTANT.exec(value);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? m[8]);
  const minute = Number(m[5] ?? m[9]);
  const second = Number(m[6] ?? m[10]);
  const fraction = (m[7] ?? m[11] ?? '').slice(0, 3);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const offsetMinutes = zoneOffsetMinutes(date, zone);
  if (offsetMinutes !== 0) date.setTime(date.getTime() + offsetMinutes * 60_000);
  const local = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  if (local.length !== 19) return null; // the zone moved it out of years 0000–9999
  return `${local}${fraction === '' ? '' : `.${fraction}`}${offsetText(offsetMinutes)}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The zone's UTC offset at `instant`, in whole minutes (DST included, as Intl's tz data says). Local mean time before
 * standard zones had second offsets (Paris +00:09:21): rounded to the minute, with the local time shifted to match,
 * so the rendered text still names the exact instant.
 */
function zoneOffsetMinutes(instant: Date, zone: string): number {
  if (zone === 'UTC') return 0;
  const parts = offsetFormat(zone).formatToParts(instant);
  let name = '';
  for (const part of parts) if (part.type === 'timeZoneName') name = part.value;
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  if (m === null) return 0; // `GMT` alone: offset zero
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return (m[1] === '-' ? -1 : 1) * Math.round(seconds / 60);
}

function offsetFormat(zone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    if (offsetFormats.size >= MAX_FORMATS) offsetFormats.clear();
    offsetFormats.set(zone, format);
  }
  return format;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
