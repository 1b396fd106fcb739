// Setting kinds: each knows its type, default, whether it can change on a running server, and how to read a value
// from TOML (already typed) or from an environment variable (a string), failing with the key path and what it expected.

import { randomBytes } from 'node:crypto';
import { parseAddressList } from '../lib/address-list.ts';

export interface Setting<T> {
  /** Human name of the type, for docs and errors (`integer 1–65535`, `duration`). */
  type: string;
  default: T;
  /** True when a running server picks a new value up without a restart. */
  live: boolean;
  description: string;
  /** The default as written in the schema, when it differs from its parsed form (`"10s"` for 10000). */
  defaultText?: string;
  /** Secrets are masked when shown. */
  secret?: boolean;
  /** For secrets a new data directory fills in: makes a fresh random value. */
  generate?: () => string;
  /**
   * Converts a TOML value to T; with `fromText` (environment variables, flags) also the value written as a string
   * (`"9000"`, `"true"`, `"a,b"`). Throws a TypeError saying what was expected.
   */
  parse(value: unknown, fromText: boolean): T;
  /** The value as it is written in TOML (`10000` ms → `"10s"`); parse(toToml(v), false) gives v back. */
  toToml(value: T): unknown;
}

export type SettingValue<S> = S extends Setting<infer T> ? T : never;

interface Meta {
  description: string;
  live?: boolean;
  secret?: boolean;
}

function bad(type: string, value: unknown): TypeError {
  return new TypeError(`expected ${type}, got ${describe(value)}`);
}

/** A value quoted for an error message: strings in quotes, arrays and tables in their TOML form. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return String(value);
  if (value !== null && typeof value === 'object') return 'a table';
  return String(value);
}

const same = <T>(value: T): T => value;

export function integer(def: number, range: { min: number; max: number }, meta: Meta): Setting<number> {
  const type = `integer ${range.min}–${range.max}`;
  return {
    type, default: def, live: meta.live ?? false, description: meta.description, secret: meta.secret,
    parse(value, fromText) {
      const n = fromText && typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < range.min || n > range.max) throw bad(type, value);
      return n;
    },
    toToml: same,
  };
}

export function string(def: string, meta: Meta & { pattern?: RegExp; choices?: readonly string[] }): Setting<string> {
  const type = meta.choices ? `one of ${meta.choices.map((c) => JSON.stringify(c)).join(', ')}` : 'string';
  return {
    type, default: def, live: meta.live ?? false, description: meta.description, secret: meta.secret,
    parse(value) {
      if (typeof value !== 'string' || (meta.choices && !meta.choices.includes(value)) || (meta.pattern && !meta.pattern.test(value))) throw bad(type, value);
      return value;
    },
    toToml: same,
  };
}

export function boolean(def: boolean, meta: Meta): Setting<boolean> {
  return {
    type: 'boolean', default: def, live: meta.live ?? false, description: meta.description,
    parse(value, fromText) {
      if (typeof value === 'boolean') return value;
      if (fromText && typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (v === 'true' || v === '1') return true;
        if (v === 'false' || v === '0') return false;
      }
      throw bad('boolean', value);
    },
    toToml: same,
  };
}

export function stringList(def: string[], meta: Meta): Setting<string[]> {
  return {
    type: 'array of strings', default: def, live: meta.live ?? false, description: meta.description,
    parse(value, fromText) {
      if (fromText && typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad('array of strings', value);
      return [...value];
    },
    toToml: (value) => [...value],
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1000, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** Parses `"1h30m"`, `"10s"`, `"250ms"`, `"30d"` into milliseconds; throws a TypeError otherwise. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    end = re.lastIndex;
  }
  if (end === 0 || end !== text.length) throw new TypeError(`expected a duration such as "10s", "500ms", "1h30m" or "30d", got ${JSON.stringify(text)}`);
  return Math.round(total);
}

/** Parses `"10MiB"`, `"512KB"`, `"1024"` into bytes; throws a TypeError otherwise. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new TypeError(`expected a size such as "10MiB", "512KB" or "1024", got ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * unit);
}

/** Writes milliseconds the way parseDuration reads them, largest units first (`90000` → `"1m30s"`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let text = '';
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text;
}

/** Writes bytes in the largest binary unit that divides them exactly (`10485760` → `"10MiB"`), else as a number. */
export function formatSize(bytes: number): string | number {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return bytes;
}

/** A duration written as a string (`"10s"`), held in milliseconds. */
export function duration(def: string, meta: Meta & { min?: number }): Setting<number> {
  return {
    type: 'duration', default: parseDuration(def), defaultText: def, live: meta.live ?? false, description: meta.description,
    parse(value) {
      if (typeof value !== 'string') throw bad('duration (a string such as "10s")', value);
      const ms = parseDuration(value);
      if (ms < (meta.min ?? 0)) throw new TypeError(`expected a duration of at least ${meta.min} ms, got ${JSON.stringify(value)}`);
      return ms;
    },
    toToml: formatDuration,
  };
}

/** A size written as a string (`"10MiB"`) or an integer of bytes, held in bytes. */
export function size(def: string, meta: Meta & { min?: number }): Setting<number> {
  return {
    type: 'size', default: parseSize(def), defaultText: def, live: meta.live ?? false, description: meta.description,
    parse(value) {
      const bytes = typeof value === 'string' ? parseSize(value) : typeof value === 'number' && Number.isInteger(value) ? value : NaN;
      if (Number.isNaN(bytes)) throw bad('size (a string such as "10MiB")', value);
      if (bytes < (meta.min ?? 0)) throw new TypeError(`expected at least ${meta.min} bytes, got ${JSON.stringify(value)}`);
      return bytes;
    },
    toToml: formatSize,
  };
}

/**
 * A secret string (a signing key, a password): masked when shown. With `generate`, a new data directory stores a
 * fresh random value (32 bytes, base64url) in its first configuration version.
 */
export function secret(meta: Meta & { generate?: boolean; minLength?: number; pattern?: { test: RegExp; expected: string } }): Setting<string> {
  const min = meta.minLength ?? 0;
  const type = min > 0 ? `secret string (at least ${min} characters)` : meta.pattern ? `secret ${meta.pattern.expected}` : 'secret string';
  return {
    type, default: '', live: meta.live ?? false, description: meta.description, secret: true,
    generate: meta.generate ? () => randomBytes(32).toString('base64url') : undefined,
    parse(value) {
      // The value itself never goes into the message: it is a secret.
      if (typeof value !== 'string') throw new TypeError(`expected ${type}, got a ${typeof value}`);
      if (value !== '' && value.length < min) throw new TypeError(`expected ${type}, got ${value.length} characters`);
      if (value !== '' && meta.pattern && !meta.pattern.test.test(value)) throw new TypeError(`expected ${type}`);
      return value;
    },
    toToml: same,
  };
}

/** A regular expression written as a string; compiled when the config is loaded so a bad pattern is refused there. */
export function pattern(def: string, meta: Meta): Setting<string> {
  return {
    type: 'regular expression', default: def, live: meta.live ?? false, description: meta.description,
    parse(value) {
      if (typeof value !== 'string') throw bad('regular expression (a string)', value);
      try {
        new RegExp(value);
      } catch (err) {
        throw new TypeError(`expected a valid regular expression, got ${JSON.stringify(value)}: ${(err as Error).message}`);
      }
      return value;
    },
    toToml: same,
  };
}

/** A table of sizes by key (`{ "/api/upload" = "1GiB" }`); from text, `key=size` pairs separated by commas. */
export function sizeMap(meta: Meta): Setting<Record<string, number>> {
  const type = 'table of sizes';
  return {
    type, default: {}, live: meta.live ?? false, description: meta.description,
    parse(value, fromText) {
      let entries: [string, unknown][];
      if (fromText && typeof value === 'string') {
        entries = value.split(',').map((s) => s.trim()).filter((s) => s !== '').map((pair) => {
          const eq = pair.lastIndexOf('=');
          if (eq <= 0) throw bad('key=size pairs', value);
          return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
        });
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && [null, Object.prototype].includes(Object.getPrototypeOf(value))) {
        entries = Object.entries(value);
      } else throw bad(type, value);
      const out: Record<string, number> = Object.create(null);
      for (const [key, size] of entries) {
        const bytes = typeof size === 'string' ? parseSize(size) : typeof size === 'number' && Number.isInteger(size) && size >= 0 ? size : NaN;
        if (Number.isNaN(bytes)) throw new TypeError(`expected a size for ${JSON.stringify(key)}, got ${describe(size)}`);
        out[key] = bytes;
      }
      return out;
    },
    toToml: (value) => Object.fromEntries(Object.entries(value).map(([k, v]) => [k, formatSize(v)])),
  };
}

/** IPs and CIDR ranges (v4 and v6), checked when the config is loaded; from text, comma separated. */
export function addressList(def: string[], meta: Meta): Setting<string[]> {
  const list = stringList(def, meta);
  return {
    ...list, type: 'array of IPs/CIDRs',
    parse(value, fromText) {
      const entries = list.parse(value, fromText);
      try {
        parseAddressList(entries, 'entry');
      } catch (err) {
        throw new TypeError(`expected IP addresses or CIDR ranges, got ${(err as Error).message.replace(/^entry: /, '')}`);
      }
      return entries;
    },
  };
}

/**
 * A table checked by its own parser (OAuth2 providers…): from TOML or a typed flag — an environment variable (text)
 * cannot hold it.
 * `parse` throws a TypeError naming what is wrong; `toToml` writes the value back.
 */
export function table<T>(def: T, meta: Meta & { type: string; parse: (value: unknown) => T; toToml: (value: T) => unknown }): Setting<T> {
  return {
    type: meta.type, default: def, live: meta.live ?? false, description: meta.description, secret: meta.secret,
    parse(value, fromText) {
      if (fromText && typeof value === 'string') throw new TypeError(`expected ${meta.type}, which only the stored configuration (TOML) can hold`);
      return meta.parse(value);
    },
    toToml: meta.toToml,
  };
}
