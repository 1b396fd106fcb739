// File extension → Content-Type: a table of cases, and every base type checked against Debian's /etc/mime.types
// (package media-types, the IANA registrations), the ground truth, except the differences chosen on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contentTypeFor, isTextFile, knownTypes, DEFAULT_CONTENT_TYPE } from '../../src/lib/mime.ts';

const cases: [string, string][] = [
  ['index.html', 'text/html; charset=utf-8'],
  ['INDEX.HTML', 'text/html; charset=utf-8'],
  ['/a/b/page.htm', 'text/html; charset=utf-8'],
  ['style.css', 'text/css; charset=utf-8'],
  ['app.0123456789.js', 'text/javascript; charset=utf-8'],
  ['module.mjs', 'text/javascript; charset=utf-8'],
  ['app.js.map', 'application/json; charset=utf-8'],
  ['data.json', 'application/json; charset=utf-8'],
  ['site.webmanifest', 'application/manifest+json; charset=utf-8'],
  ['icon.svg', 'image/svg+xml; charset=utf-8'],
  ['sdk/monolite.d.ts', 'text/plain; charset=utf-8'],
  ['photo.JPG', 'image/jpeg'],
  ['image.png', 'image/png'],
  ['favicon.ico', 'image/vnd.microsoft.icon'],
  ['font.woff2', 'font/woff2'],
  ['module.wasm', 'application/wasm'],
  ['app.js.gz', 'application/gzip'],
  ['clip.mp4', 'video/mp4'],
  ['doc.pdf', 'application/pdf'],
  ['blob.xyz', DEFAULT_CONTENT_TYPE],
  ['app.js.br', DEFAULT_CONTENT_TYPE],
  ['LICENSE', DEFAULT_CONTENT_TYPE],
  ['.env', DEFAULT_CONTENT_TYPE],
  ['dir/.html', DEFAULT_CONTENT_TYPE],
  ['dir.v2/README', DEFAULT_CONTENT_TYPE],
  ['trailing.', DEFAULT_CONTENT_TYPE],
  ['', DEFAULT_CONTENT_TYPE],
];

for (const [name, type] of cases) {
  test(`contentTypeFor(${JSON.stringify(name)}) → ${type}`, () => {
    assert.equal(contentTypeFor(name), type);
  });
}

test('text types, and only they (plus JSON, XML and SVG), carry charset=utf-8', () => {
  for (const [ext, type] of knownTypes()) {
    const base = type.split(';')[0];
    const textual = base.startsWith('text/') || /[/+](json|xml)$/.test(base);
    assert.equal(type.endsWith('; charset=utf-8'), textual, `${ext}: ${type}`);
  }
});

// Chosen on purpose, with the reason: no test may pass by editing this list silently.
const DIFFERENT_ON_PURPOSE: Record<string, string> = {
  ts: 'TypeScript (the SDK .d.ts), not Qt Linguist',
  mts: 'TypeScript module, not an AVCHD video',
};

test('base types match /etc/mime.types (Debian media-types), the IANA registrations', (t) => {
  let text: string;
  try {
    text = readFileSync('/etc/mime.types', 'utf8');
  } catch {
    const reason = '/etc/mime.types is missing (Debian package media-types)';
    if (process.env.CI === 'true') assert.fail(`${reason} (CI=true requires it)`);
    t.skip(reason);
    return;
  }
  const system = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [type, ...exts] = line.trim().split(/\s+/);
    for (const ext of exts) if (!system.has(ext)) system.set(ext, type);
  }
  let compared = 0;
  for (const [ext, type] of knownTypes()) {
    const expected = system.get(ext);
    if (expected === undefined || ext in DIFFERENT_ON_PURPOSE) continue;
    assert.equal(type.split(';')[0], expected, `.${ext}`);
    compared++;
  }
  assert.ok(compared >= 40, `only ${compared} extensions compared`);
  for (const ext of Object.keys(DIFFERENT_ON_PURPOSE)) assert.ok(system.has(ext), `.${ext} is no longer listed; drop it from the exceptions`);
});

test('isTextFile: what is served with a charset (what the asset pipeline minifies and compresses)', () => {
  for (const name of ['a.html', 'sdk/monolite.d.ts', 'app.js', 'style.css', 'notes.md', 'data.csv', 'icon.svg']) assert.ok(isTextFile(name), name);
  for (const name of ['logo.png', 'font.woff2', 'archive.zip', 'noext', '.env']) assert.ok(!isTextFile(name), name);
});
