// File extension → Content-Type for the static file server: the types a web app's public folder holds, text types with
// `; charset=utf-8` (files are served as stored, and the project writes UTF-8), anything unknown as opaque bytes.

/** The type of a file whose extension is not in the table: a browser downloads it, never renders or runs it. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const UTF8 = '; charset=utf-8';

// Base types follow Debian's /etc/mime.types (IANA) — test/lib/mime.test.ts checks them against it — except where the
// web platform settled otherwise; the exceptions are listed in that test with their reason.
const TEXT: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript', // RFC 9239: text/javascript is the one type for JavaScript
  mjs: 'text/javascript',
  cjs: 'text/javascript',
  json: 'application/json',
  map: 'application/json', // source maps
  webmanifest: 'application/manifest+json',
  jsonld: 'application/ld+json',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  atom: 'application/atom+xml',
  ics: 'text/calendar',
  vtt: 'text/vtt',
  // TypeScript sources and declarations (public/sdk/monolite.d.ts), readable in a browser tab. Not MPEG transport
  // streams (video/mp2t) nor Qt Linguist files (Debian's mapping): this is a TypeScript project.
  ts: 'text/plain',
  mts: 'text/plain',
  cts: 'text/plain',
};

const BINARY: Record<string, string> = {
  png: 'image/png',
  apng: 'image/apng',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  jxl: 'image/jxl',
  bmp: 'image/bmp',
  ico: 'image/vnd.microsoft.icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  mp4: 'video/mp4',
  webm: 'video/webm',
  ogv: 'video/ogg',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  flac: 'audio/flac',
  pdf: 'application/pdf',
  wasm: 'application/wasm',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
};

const TYPES: ReadonlyMap<string, string> = new Map([
  ...Object.entries(TEXT).map(([ext, type]): [string, string] => [ext, type + UTF8]),
  ...Object.entries(BINARY),
]);

/** Every extension (lowercase, no dot) with the Content-Type it is served with. */
export function knownTypes(): ReadonlyMap<string, string> {
  return TYPES;
}

/**
 * The Content-Type for a file name or path, by its last extension, case-insensitively (`app.js.map` → source map
 * JSON, `INDEX.HTML` → HTML); `application/octet-stream` when the extension is unknown or there is none.
 */
export function contentTypeFor(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  // A dot that starts the base name (`.env`) marks a hidden file, not an extension.
  if (dot <= slash + 1) return DEFAULT_CONTENT_TYPE;
  return TYPES.get(name.slice(dot + 1).toLowerCase()) ?? DEFAULT_CONTENT_TYPE;
}

/** True when `name` is served as text (a `; charset=utf-8` type): what is worth minifying or compressing. */
export function isTextFile(name: string): boolean {
  return contentTypeFor(name).endsWith(UTF8);
}
