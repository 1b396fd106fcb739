// Fuzzing request bodies through a real server (JSON, urlencoded, multipart into an echo route and the declared
// endpoints of test/e2e/fixtures/api): every answer is 2xx or a 4xx problem+json, never a 5xx, never a hang, and the
// server stays up with no upload left on disk. Plus parseMultipart directly: a result or a MultipartError, the
// same under any chunking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { MultipartError, parseMultipart, type MultipartLimits } from '../../src/lib/multipart.ts';
import { chunked, field, file, multipartBody, randomCuts } from '../lib/multipart.fuzz.ts';
import { fuzz, jsonText, Rng, tokenSoup } from '../support/fuzz.ts';
import { until } from '../support/until.ts';

const FIXTURES = fileURLToPath(new URL('../e2e/fixtures/api/', import.meta.url));
let app: App;
let url: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-fuzz-bodies-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: {
      server: { port: 0, body_limit: '64KiB' }, block_ip: { enabled: false },
      api: { definition: join(FIXTURES, 'definition.json'), handlers: join(FIXTURES, 'handlers.ts'), max_file_bytes: 1024, max_parts: 6, max_field_bytes: 256 },
    } as never,
  });
  app.router.add(['POST', 'PUT'], '/fuzz/echo', async (ctx) => {
    const body = await ctx.body();
    ctx.json(200, { body: body ?? null });
  });
  url = (await app.listen()).url;
});

after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A number from the input's bytes: which route or content type an input goes to, the same on every replay. */
function pickFor(input: Buffer, n: number): number {
  return createHash('sha1').update(input).digest().readUInt32LE(0) % n;
}

/** POSTs `body` and checks the answer: 2xx, or 4xx with a problem+json body whose status matches; never 5xx. */
async function post(path: string, contentType: string, body: Buffer): Promise<void> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  assert.ok(res.status < 500, `POST ${path} (${contentType}) answered ${res.status}: ${text.slice(0, 300)}`);
  if (res.status >= 400) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `POST ${path} ${res.status}: ${text.slice(0, 300)}`);
    const problem = JSON.parse(text);
    assert.equal(problem.status, res.status);
    assert.equal(typeof problem.code, 'string');
  } else {
    assert.ok(res.status >= 200 && res.status < 300, `POST ${path} answered ${res.status}`);
  }
}

/** The server still answers, and no upload is left in its temp folder. */
async function serverIsFine(): Promise<void> {
  const res = await fetch(`${url}/api/health`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const tmp = join(dir, 'data', 'tmp');
  await until(() => readdirSync(tmp).length === 0, () => `no uploads left in ${tmp}: ${readdirSync(tmp).join(', ')}`, 5000);
}

const JSON_ROUTES = ['/fuzz/echo', '/types/body', '/articles'];
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json', 'application/json; charset=latin1', 'APPLICATION/JSON;charset="UTF-8"'];
const JSON_SEEDS = ['{"a":1}', '{"i":5,"ai":[1,2],"aai":[[1]],"m":{"a":1},"email":"A@B.C","s25":"abc","b":true,"f":1.5,"u":0}',
  '{"title":"x","count":1,"tags":["a"],"draft":false}', '[]', '"x"', '1', 'null', '', ' ', '{"__proto__":{"admin":true}}',
  '{"a":1,"a":2}', '{"s":"\\ud800"}', '[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]', '{"i":9007199254740993,"u":-1,"f":1e400}'];

test('fuzz: JSON bodies get 2xx or a 4xx problem, never a 5xx or a hang', { timeout: 600_000 }, async (t) => {
  const stats = await fuzz('json-body', {
    seeds: JSON_SEEDS,
    dictionary: ['{', '}', '[', ']', ':', ',', '"', '\\', '\\u', '\\ud800', 'true', 'null', '-', 'e+', '.', ' ', '"__proto__"', '"i":', '"ai":', '"m":', '"a":', '"email":'],
    generate: (rng) => (rng.chance(0.5) ? jsonText(rng) : `{"i":${jsonText(rng)},"ai":${jsonText(rng)},"m":${jsonText(rng)},"aai":${jsonText(rng)},"a":${jsonText(rng)},"title":${jsonText(rng)},"count":${jsonText(rng)}}`),
    run: (input) => post(JSON_ROUTES[pickFor(input, JSON_ROUTES.length)], JSON_TYPES[pickFor(input, JSON_TYPES.length * 7) % JSON_TYPES.length], input),
  });
  await serverIsFine();
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});

const FORM_WORDS = ['=', '&', '&&', '%', '%2', '%zz', '%00', '%ed%a0%80', '%c0%ae', '%ff', '+', '[]', '[0]', '__proto__', 'constructor', 'i', 'ai',
  'u', 'b', 'email', 'title', 'count', 'tags', 'draft', 's25', '1', '-1', 'true', 'x@y.z', '%26', '%3D', ';'];

test('fuzz: urlencoded bodies get 2xx or a 4xx problem, never a 5xx or a hang', { timeout: 600_000 }, async (t) => {
  const stats = await fuzz('urlencoded-body', {
    seeds: ['a=1&b=2', 'i=5&ai=1&ai=2&b=true&email=A%40B.C', 'title=x&count=3&tags=a&tags=b', '', '=', '&&&', 'a', 'a=%', '__proto__=1&constructor=2', 'i=%ed%a0%80'],
    dictionary: FORM_WORDS,
    generate: (rng) => tokenSoup(rng, FORM_WORDS),
    run: (input) => post(JSON_ROUTES[pickFor(input, JSON_ROUTES.length)], 'application/x-www-form-urlencoded', input),
  });
  await serverIsFine();
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});

const BOUNDARY = 'fuzz-b0undary';
const TRICKY = Buffer.from(`a\r\n--${BOUNDARY.slice(0, 5)}\r\n\r\n--\u0000\xff`, 'latin1');
const MULTIPART_SEEDS = [
  multipartBody(BOUNDARY, [field('title', 'Cover'), file('cover', 'photo.png', 'hello', 'image/png'), file('extra', 'a.txt', TRICKY), field('n', '1')]),
  multipartBody(BOUNDARY, [file('cover', 'x.bin', TRICKY), field('note', 'hi')], { preamble: 'pre', padding: ' \t', epilogue: 'epi' }),
  multipartBody(BOUNDARY, [field('i', '5'), field('ai', '1'), field('ai', '2'), field('email', 'Q@R.S')]),
  multipartBody(BOUNDARY, [{ headers: `Content-Disposition: form-data; name="cover"; filename*=UTF-8''%E2%82%AC.txt`, content: 'x' }]),
  multipartBody(BOUNDARY, [field('title', 'x')], { unclosed: true }),
];
const MULTIPART_WORDS = ['\r\n', '\r\n\r\n', '--', `--${BOUNDARY}`, `\r\n--${BOUNDARY}`, `\r\n--${BOUNDARY}--`, '"', ';', '\\', ' \t', ':',
  'Content-Disposition: form-data; name=', 'Content-Type: ', "filename*=UTF-8''%", "filename*=utf-8'en'%ff", 'filename=""', 'filename="../../x"',
  'name="cover"', 'name="title"', 'name="extra"', '\xff\xfe'];
const MULTIPART_ROUTES = ['/upload', '/upload/optional', '/types/body', '/fuzz/echo'];

test('fuzz: multipart bodies to declared endpoints get 2xx or a 4xx problem, never a 5xx or a hang, and leave no upload', { timeout: 600_000 }, async (t) => {
  const types = [`multipart/form-data; boundary=${BOUNDARY}`, `multipart/form-data; boundary="${BOUNDARY}"`, `Multipart/Form-Data;boundary=${BOUNDARY};charset=utf-8`];
  const stats = await fuzz('multipart-http', {
    seeds: MULTIPART_SEEDS,
    dictionary: MULTIPART_WORDS,
    run: (input) => post(MULTIPART_ROUTES[pickFor(input, MULTIPART_ROUTES.length)], types[pickFor(input, 5 * types.length) % types.length], input),
  });
  await serverIsFine();
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});

test('fuzz: parseMultipart gives a result or a MultipartError, the same in one chunk or many, and leaves no file', { timeout: 600_000 }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'monolite-fuzz-multipart-'));
  const limits: MultipartLimits = { maxParts: 5, maxFieldBytes: 64, maxFileBytes: 256, maxHeaderBytes: 200, maxTotalBytes: 16 * 1024 };
  const outcome = async (body: Buffer, cuts: number[]): Promise<string> => {
    try {
      const result = await parseMultipart(chunked(body, cuts), BOUNDARY, limits, { tmpDir: tmp });
      const files = [];
      for (const f of result.files) {
        const chunks: Buffer[] = [];
        for await (const chunk of f.stream()) chunks.push(chunk as Buffer);
        files.push({ name: f.name, filename: f.filename, type: f.type, size: f.size, content: Buffer.concat(chunks).toString('base64') });
      }
      await result.cleanup();
      return JSON.stringify({ fields: result.fields, files });
    } catch (err) {
      if (!(err instanceof MultipartError)) throw err;
      assert.ok(err.status === 400 || err.status === 413);
      return err.code;
    }
  };
  try {
    const stats = await fuzz('multipart', {
      seeds: MULTIPART_SEEDS,
      dictionary: MULTIPART_WORDS,
      async run(input) {
        const whole = await outcome(input, []);
        // The chunking comes from the input, so a replay cuts it the same way.
        const rng = new Rng(pickFor(input, 2 ** 31));
        const pieces = await outcome(input, randomCuts(input.length, () => rng.next(), 1 + rng.int(64)));
        assert.equal(pieces, whole, 'the outcome depends on how the body was cut');
        assert.deepEqual(readdirSync(tmp), [], 'a temp file was left behind');
      },
    });
    t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
