// buildAssets on a small fixture tree (HTML, CSS with @import and url(), a JavaScript module graph with static,
// re-exported, side-effect and dynamic imports, images, a .d.ts, the SDK): hashed names, rewritten references that
// resolve, the manifest, .gz/.br variants, the stable SDK copy, the built graph running in Node, rebuilds giving the
// same names; then the errors (cycles, syntax errors, unsafe output directories) and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { buildAssets } from '../../scripts/build-assets.ts';
import { findReferences } from '../../scripts/assets/references.ts';
import { resolveReference } from '../../scripts/assets/resolve.ts';
import { launchBrowser } from '../support/browser.ts';

const HASHED = /\.[0-9a-f]{10}\.[a-z0-9]+$/;
const png = randomBytes(300);

const FIXTURE: Record<string, string | Buffer> = {
  'index.html': `<!doctype html>
<html>
<head>
  <link rel="stylesheet" href="css/app.css">
  <script type="module" src="/js/main.js"></script>
  <style> .hero { background: url( img/logo.png ) } </style>
</head>
<body>
  <img src="img/logo.png" srcset="img/logo.png 1x, img/logo@2x.png 2x" alt="logo">
  <a href="https://example.com/js/main.js">external</a> <a href="#top">top</a> <a href="sub/page.html">page</a>
  <img src="data:image/png;base64,AAAA" alt=""> <a href="/sdk/monolite.js">sdk</a> <a href="missing.css">gone</a>
  <div style="background: url('img/logo@2x.png')"></div>
  <script type="module">import { sdk } from './sdk/monolite.js'; globalThis.sdk = sdk;</script>
  <script>import('./js/lib/lazy.js');</script>
</body>
</html>
`,
  'sub/page.html': '<link rel="stylesheet" href="../css/app.css?v=1#x">\n<p>Sub page</p>\n',
  'css/app.css': '@import "base.css";\nbody { background: url(../img/logo.png) }\n.x { background: url("../img/logo@2x.png") }\n',
  'css/base.css': '/* base */\nh1 { color : red }\n',
  'js/main.js': [
    "import { value } from './lib/util.js';",
    "export { value };",
    "export * from './lib/more.js';",
    "import './side.js';",
    "export const lazy = () => import('./lib/lazy.js').then((m) => m.default);",
    "export const logo = new URL('../img/logo.png', import.meta.url).pathname;",
    "export const side = globalThis.buildAssetsSideEffect;",
    '// a comment the minifier drops',
    'export const total = value + 1;',
  ].join('\n'),
  'js/lib/util.js': 'export const value = 41;\n',
  'js/lib/more.js': "export const more = 'more';\n",
  'js/lib/lazy.js': "export default 'lazy';\n",
  'js/side.js': 'globalThis.buildAssetsSideEffect = "side";\n',
  'img/logo.png': png,
  'img/logo@2x.png': Buffer.concat([png, png]),
  'sdk/monolite.js': "// The SDK\nexport const sdk = 'sdk';\n",
  'sdk/monolite.d.ts': 'export declare const sdk: string;\n',
};

function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

function listTree(root: string, prefix = ''): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTree(join(root, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]).sort();
}

const tmp = mkdtempSync(join(tmpdir(), 'build-assets-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const input = join(tmp, 'public');
const output = join(tmp, 'build', 'public');
writeTree(input, FIXTURE);
const logged: string[] = [];
const result = await buildAssets({ input, output, log: (line) => logged.push(line) });
const manifest = JSON.parse(readFileSync(join(output, 'manifest.json'), 'utf8')) as Record<string, string>;
const read = (path: string) => readFileSync(join(output, path), 'utf8');

test('buildAssets: every asset but HTML and .d.ts gets a content-hashed name', () => {
  const hashedInputs = Object.keys(FIXTURE).filter((p) => !p.endsWith('.html') && !p.endsWith('.d.ts')).sort();
  assert.deepEqual(Object.keys(manifest), hashedInputs);
  assert.deepEqual(result.manifest, manifest);
  for (const [path, hashed] of Object.entries(manifest)) {
    assert.match(hashed, HASHED, path);
    const bytes = readFileSync(join(output, hashed));
    assert.equal(hashed.split('.').at(-2), createHash('sha256').update(bytes).digest('hex').slice(0, 10), `${hashed} is named after its content`);
    assert.equal(hashed.replace(/\.[0-9a-f]{10}(?=\.[^.]+$)/, ''), path);
  }
  for (const plain of ['index.html', 'sub/page.html', 'sdk/monolite.d.ts']) assert.ok(existsSync(join(output, plain)), plain);
  assert.equal(read('sdk/monolite.d.ts'), FIXTURE['sdk/monolite.d.ts'], '.d.ts files are copied as they are');
  assert.deepEqual(readFileSync(join(output, manifest['img/logo.png'])), png, 'binary files are copied byte for byte');
});

test('buildAssets: the SDK keeps a copy under its plain name, identical to the hashed one', () => {
  assert.equal(read('sdk/monolite.js'), read(manifest['sdk/monolite.js']));
  assert.equal(read('sdk/monolite.js'), "export const sdk='sdk';");
  assert.equal(result.files.find((f) => f.path === 'sdk/monolite.js')?.stable, true);
});

test('buildAssets: references are rewritten in their own form and all resolve to built files', () => {
  const index = read('index.html');
  const hashedIn = (dir: string, path: string) => manifest[path].slice(dir.length);
  assert.ok(index.includes(`href="css/${hashedIn('css/', 'css/app.css')}"`), 'relative stays relative');
  assert.ok(index.includes(`src="/${manifest['js/main.js']}"`), 'root-absolute stays root-absolute');
  assert.ok(index.includes(`srcset="${manifest['img/logo.png']} 1x, ${manifest['img/logo@2x.png']} 2x"`));
  assert.ok(index.includes(`url(${manifest['img/logo.png']})`), 'inline style');
  assert.ok(index.includes(`style="background: url('${manifest['img/logo@2x.png']}')"`), 'style attribute');
  assert.ok(index.includes(`from'./${manifest['sdk/monolite.js']}'`), 'inline module script');
  assert.ok(index.includes(`import('./${manifest['js/lib/lazy.js']}')`), 'dynamic import in a classic inline script');
  for (const untouched of ['https://example.com/js/main.js', '#top', 'href="sub/page.html"', 'data:image/png;base64,AAAA', 'href="missing.css"']) {
    assert.ok(index.includes(untouched), untouched);
  }
  assert.ok(read('sub/page.html').includes(`href="../${manifest['css/app.css']}?v=1#x"`), '?query#hash stays');
  const css = read(manifest['css/app.css']);
  assert.ok(css.startsWith(`@import "${hashedIn('css/', 'css/base.css')}";`), css);
  assert.ok(css.includes(`url(../${manifest['img/logo.png']})`) && css.includes(`url("../${manifest['img/logo@2x.png']}")`), css);

  // Every local reference in every built text file names a file that exists.
  let checked = 0;
  for (const path of listTree(output)) {
    const kind = path.endsWith('.html') ? 'html' : path.endsWith('.css') ? 'css' : path.endsWith('.js') ? 'js' : null;
    if (kind === null) continue;
    for (const ref of findReferences(kind, read(path))) {
      const resolved = resolveReference(path, ref);
      if (resolved === null || ref.url === 'missing.css' || resolved.target.endsWith('.html')) continue;
      assert.ok(existsSync(join(output, resolved.target)), `${path}: "${ref.url}" does not resolve`);
      assert.match(resolved.target, HASHED, `${path}: "${ref.url}" should name a hashed file`);
      checked++;
    }
  }
  assert.ok(checked >= 15, `only ${checked} references checked`);
});

test('buildAssets: the built JavaScript module graph runs', async () => {
  const main = await import(pathToFileURL(join(output, manifest['js/main.js'])).href);
  assert.equal(main.total, 42);
  assert.equal(main.value, 41);
  assert.equal(main.more, 'more');
  assert.equal(main.side, 'side');
  assert.equal(await main.lazy(), 'lazy');
  assert.ok(main.logo.endsWith(`/${manifest['img/logo.png']}`), main.logo);
  assert.ok(!read(manifest['js/main.js']).includes('comment'), 'the JavaScript is minified');
});

test('buildAssets: .gz and .br variants decompress to the built bytes, and only exist when smaller', () => {
  let variants = 0;
  for (const file of result.files) {
    const built = readFileSync(join(output, file.output));
    assert.equal(built.length, file.minified);
    const gz = join(output, `${file.output}.gz`);
    const br = join(output, `${file.output}.br`);
    assert.equal(existsSync(gz), file.gzip !== null, gz);
    assert.equal(existsSync(br), file.brotli !== null, br);
    if (file.gzip !== null) { assert.deepEqual(gunzipSync(readFileSync(gz)), built); assert.ok(file.gzip < built.length); variants++; }
    if (file.brotli !== null) { assert.deepEqual(brotliDecompressSync(readFileSync(br)), built); assert.ok(file.brotli < built.length); variants++; }
  }
  assert.ok(variants >= 4, `only ${variants} variants written`);
  assert.ok(!existsSync(join(output, `${manifest['img/logo.png']}.gz`)), 'images are not precompressed');
  assert.ok(existsSync(join(output, 'index.html.br')) && existsSync(join(output, 'index.html.gz')));
});

test('buildAssets: totals add up and the table is printed', () => {
  const sum = (key: 'original' | 'minified') => result.files.reduce((n, f) => n + f[key], 0);
  assert.equal(result.totals.files, Object.keys(FIXTURE).length);
  assert.equal(result.totals.original, sum('original'));
  assert.equal(result.totals.minified, sum('minified'));
  const file = (path: string) => result.files.find((f) => f.path === path)!;
  for (const path of ['css/base.css', 'js/main.js']) assert.ok(file(path).minified < file(path).original, path);
  assert.ok(result.totals.brotli <= result.totals.gzip && result.totals.gzip < result.totals.minified);
  const header = logged.findIndex((l) => /^file\s+original\s+minified\s+gzip\s+brotli$/.test(l));
  assert.ok(header >= 0, logged.join('\n'));
  assert.ok(logged.some((l) => l.startsWith(`total (${result.totals.files} files)`)));
  assert.ok(logged.some((l) => /^css\/app\.css\s+\d/.test(l)));
});

test('buildAssets: a rebuild empties the output and gives the same names and bytes', async () => {
  writeFileSync(join(output, 'stale.txt'), 'left over');
  const again = await buildAssets({ input, output });
  assert.deepEqual(again.manifest, manifest);
  assert.ok(!existsSync(join(output, 'stale.txt')));
  assert.deepEqual(again.files, result.files);
});

async function buildRejects(files: Record<string, string>, message: RegExp): Promise<void> {
  const dir = mkdtempSync(join(tmp, 'case-'));
  writeTree(join(dir, 'in'), files);
  await assert.rejects(buildAssets({ input: join(dir, 'in'), output: join(dir, 'out') }), message);
}

test('buildAssets: a reference cycle between hashed files is an error naming them', async () => {
  await buildRejects({ 'a.js': "import './b.js';", 'b.js': "import './c.js';", 'c.js': "import './a.js';" },
    /Reference cycle between content-hashed files: a\.js → b\.js → c\.js → a\.js/);
});

test('buildAssets: a syntax error names the file, line and column', async () => {
  await buildRejects({ 'ok.js': 'x()', 'js/bad.js': 'let a = 1\nlet b = "open\n' }, /^SyntaxError: js\/bad\.js: Unterminated string literal at line 2, column 9$/);
  await buildRejects({ 'p.html': '<p>\n<!-- open' }, /p\.html: Unterminated comment: expected "-->" at line 2, column 1/);
});

test('buildAssets: refuses output directories it could wrongly empty', async () => {
  const dir = mkdtempSync(join(tmp, 'guard-'));
  writeTree(join(dir, 'in'), { 'a.css': 'a{}' });
  writeTree(join(dir, 'other'), { 'keep.txt': 'mine' });
  await assert.rejects(buildAssets({ input: join(dir, 'in'), output: join(dir, 'in', 'build') }), /is inside the input/);
  await assert.rejects(buildAssets({ input: join(dir, 'in'), output: dir }), /contains the input/);
  await assert.rejects(buildAssets({ input: join(dir, 'in'), output: join(dir, 'other') }), /is not empty and holds no manifest\.json/);
  assert.equal(readFileSync(join(dir, 'other', 'keep.txt'), 'utf8'), 'mine');
  await assert.rejects(buildAssets({ input: join(dir, 'nope'), output: join(dir, 'out') }), /Input directory .* does not exist/);
});

test('build-assets CLI: builds with --in/--out and prints the table; a bad flag exits 2', () => {
  const out = join(tmp, 'cli-out');
  const run = spawnSync(process.execPath, ['scripts/build-assets.ts', '--in', input, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^file\s+original\s+minified\s+gzip\s+brotli$/m);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')), manifest);
  const bad = spawnSync(process.execPath, ['scripts/build-assets.ts', '--nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /build-assets: Unknown option '--nope'/);
});

// Ground truth for the minifiers on the real pages: with scripts off (both show the same static markup), each built
// page lays out exactly like its source: the same text as rendered, the same box for every element. The source page
// loads public/css/site.css, so a built page whose stylesheet reference broke would lay out differently.
test('buildAssets: the real public/ pages render the same after the build (Chromium)', async (t) => {
  const launched = await launchBrowser();
  if (launched.skip !== undefined) { t.skip(launched.skip); return; }
  const built = join(tmp, 'real');
  await buildAssets({ input: 'public', output: built });
  const pages = readdirSync('public').filter((f) => f.endsWith('.html'));
  try {
    const context = await launched.browser.newContext({ javaScriptEnabled: false, viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    const layout = async (file: string) => {
      await page.goto(pathToFileURL(file).href);
      return page.evaluate(() => {
        const doc = (globalThis as any).document;
        const boxes = [...doc.querySelectorAll('body *')].map((el: any) => {
          const r = el.getBoundingClientRect();
          return `${el.tagName} ${r.x} ${r.y} ${r.width} ${r.height}`;
        });
        return { text: doc.body.innerText as string, boxes };
      });
    };
    for (const file of pages) {
      const source = await layout(join('public', file));
      const minified = await layout(join(built, file));
      assert.ok(source.boxes.length > 0, file);
      assert.deepEqual(minified, source, `${file} renders differently after the build`);
    }
    t.diagnostic(`${pages.length} pages compared`);
  } finally {
    await launched.browser.close();
  }
});
