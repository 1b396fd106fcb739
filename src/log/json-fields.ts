// A log record's fields as the JSON text logs.db keeps. What JSON cannot hold is turned into what it can: an Error
// becomes `{name, message, stack, ...its own enumerable properties (code, errno…), cause}`, a bigint its decimal
// string, a Map an object and a Set an array, a reference back to an enclosing object (a cycle) the string
// "[circular]"; functions, symbols and undefined are left out, as JSON.stringify leaves them out.
import type { LogFields } from './logger.ts';

/** Fields as a JSON object; never throws. The common case (only primitive values) goes straight to JSON.stringify. */
export function fieldsToJson(fields: LogFields | null | undefined): string {
  if (fields == null || typeof fields !== 'object') return '{}';
  try {
    let plain = true;
    for (const key in fields) {
      const value = fields[key];
      if ((value !== null && typeof value === 'object') || typeof value === 'bigint') {
        plain = false;
        break;
      }
    }
    return (plain ? JSON.stringify(fields) : JSON.stringify(toJsonValue(fields, []))) ?? '{}';
  } catch (err) {
    // A getter or toJSON that throws, a structure too deep for the stack: keep the record, say why the fields are not.
    let reason: string;
    try {
      reason = err instanceof Error ? err.message : String(err);
    } catch {
      reason = 'unknown';
    }
    return JSON.stringify({ fields_error: `Log fields could not be serialized: ${reason}` });
  }
}

/** `value` made JSON-safe (see the top of the file); `ancestors` are the objects enclosing it, for cycles. */
function toJsonValue(value: unknown, ancestors: object[]): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.includes(value)) return '[circular]';
  ancestors.push(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: value.message };
      if (value.stack !== undefined) out.stack = value.stack;
      for (const key of Object.keys(value)) out[key] = toJsonValue((value as unknown as Record<string, unknown>)[key], ancestors);
      if (value.cause !== undefined) out.cause = toJsonValue(value.cause, ancestors);
      return out;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJsonValue(toJSON.call(value), ancestors);
    if (Array.isArray(value)) return value.map((item) => toJsonValue(item, ancestors));
    if (value instanceof Set) return [...value].map((item) => toJsonValue(item, ancestors));
    const out: Record<string, unknown> = {};
    const entries = value instanceof Map ? [...value].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    for (const [key, item] of entries) out[key] = toJsonValue(item, ancestors);
    return out;
  } finally {
    ancestors.pop();
  }
}
