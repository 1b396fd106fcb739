// Entity-tag comparison for conditional GETs, shared by the static file server and the REST tables.

/** True when an `If-None-Match` header holds `etag` (or `*`); weak comparison, as RFC 9110 §13.1.2 asks. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  for (const part of header.split(',')) {
    const t = part.trim();
    if ((t.startsWith('W/') ? t.slice(2) : t) === etag) return true;
  }
  return false;
}
