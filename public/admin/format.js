// Numbers, sizes, durations and times as the admin console shows them (one place, so every view reads the same).

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '–';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Milliseconds with a precision that suits their size: "0.42 ms", "12.3 ms", "1,204 ms"; "–" for null. */
export function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  const digits = ms < 1 ? 2 : ms < 100 ? 1 : 0;
  return `${ms.toLocaleString('en', { maximumFractionDigits: digits })} ms`;
}

/** A count with thousands separators; decimals only where the value has them. */
export function formatNumber(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en', { maximumFractionDigits: 2 });
}

/** An ISO 8601 time in the reader's own time zone, to the second ("2026-11-21 17:30:05"); the UTC text in a title. */
export function formatTime(iso) {
  if (typeof iso !== 'string' || iso === '') return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A <time> element showing `iso` in local time, with the exact value in its datetime attribute. */
export function timeElement(iso) {
  const el = document.createElement('time');
  if (typeof iso === 'string' && iso !== '') el.dateTime = iso;
  el.textContent = formatTime(iso);
  return el;
}

/** The value of a datetime-local field (the reader's local time) as ISO 8601 UTC; '' stays ''. */
export function localInputToIso(value) {
  if (value === '') return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}
