// Fuzzing the static file server's path checks through a real server: random encoded paths (dot segments in every
// spelling, backslashes, NULs, overlong UTF-8, symlinks) never reach a file outside the served folder or a dotfile,
// and never get a 5xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { fuzz, type Rng } from '../support/fuzz.ts';

const SENTINEL = 'SENTINEL-OUTSIDE-THE-ROOT-7f3a';
let app: App;
let port: number;
let dir: string;

before(async () => {
  // dir/secret.txt, dir/root/secret.txt, dir/root/public-secret/secret.txt (a sibling sharing the root's prefix),
  // dir/root/data (the app's database), and the root dir/root/public with a dotfile and symlinks leading out.
  dir = mkdtempSync(join(tmpdir(), 'monolite-fuzz-static-'));
  const root = join(dir, 'root');
  const pub = join(root, 'public');
  mkdirSync(join(pub, 'sub'), { recursive: true });
  mkdirSync(join(root, 'public-secret'));
  writeFileSync(join(dir, 'secret.txt'), SENTINEL);
  writeFileSync(join(root, 'secret.txt'), SENTINEL);
  writeFileSync(join(root, 'public-secret', 'secret.txt'), SENTINEL);
  writeFileSync(join(pub, '.env'), SENTINEL);
  writeFileSync(join(pub, 'index.html'), '<p>home</p>');
  writeFileSync(join(pub, 'a.txt'), 'a');
  writeFileSync(join(pub, 'sub', 'b.txt'), 'b');
  symlinkSync(join(root, 'secret.txt'), join(pub, 'leak.txt'));
  symlinkSync(root, join(pub, 'up'));
  app = await createApp({
    dataDir: join(root, 'data'), env: {}, log: new Logger([], 'error'),
    flags: { server: { port: 0 }, block_ip: { enabled: false }, static: { dir: pub, spa_fallback: true } } as never,
  });
  port = (await app.listen()).port;
});

after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET `target` (bytes as they are, except the ones that would end the request line) on a new connection. */
function get(target: Buffer, accept: string): Promise<string> {
  const safe = Buffer.from([...target].flatMap((b) => (b <= 0x20 || b === 0x7f ? [...Buffer.from(`%${b.toString(16).padStart(2, '0')}`)] : [b])));
  const head = Buffer.concat([Buffer.from('GET '), safe, Buffer.from(` HTTP/1.1\r\nHost: x\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`)]);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(head);
  });
}

const DOTS = ['..', '.', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '%252e%252e', '%c0%ae%c0%ae', '%e0%80%ae%e0%80%ae', '..%00', '%2e%2e%00',
  '..;', '...', '%uff0e%uff0e', '\uff0e\uff0e', '\u2025', '..\\', '%%32%65%%32%65'];
const NAMES = ['secret.txt', 'public-secret', 'public', 'root', 'data', 'app.db', '.env', '%2eenv', '.%65nv', 'leak.txt', 'up', 'sub', 'b.txt',
  'a.txt', 'index.html', '', 'etc', 'passwd', 'a.txt%00.html', 'a.txt.', 'A.TXT', '~', '*', '%ff', '%00'];
const SEPARATORS = ['/', '%2f', '%2F', '\\', '%5c', '//', '/./', '%252f', '%c0%af', ';/'];

/** A path of dot segments, names and separators in their many spellings. */
function path(rng: Rng): string {
  let out = rng.pick(['/', '/', '/', '//', '\\', '/%2e/', '/sub/', '/up/', 'http://x/', '']);
  const n = 1 + rng.int(8);
  for (let i = 0; i < n; i++) out += (rng.chance(0.5) ? rng.pick(DOTS) : rng.pick(NAMES)) + (i < n - 1 ? rng.pick(SEPARATORS) : '');
  return out + (rng.chance(0.1) ? rng.pick(['?x=..%2f', '#..', '/', '%23']) : '');
}

test('fuzz: static paths never serve what is outside the root or a dotfile, and never answer 5xx', { timeout: 600_000 }, async (t) => {
  let served = 0;
  const stats = await fuzz('static-path', {
    seeds: ['/a.txt', '/sub/b.txt', '/../secret.txt', '/%2e%2e/secret.txt', '/up/secret.txt', '/leak.txt', '/.env', '/sub/..%2f..%2fsecret.txt',
      '/..%5c..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fpublic-secret/secret.txt', '/sub/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt', '//etc/passwd', '/data/app.db'],
    dictionary: [...DOTS, ...NAMES, ...SEPARATORS],
    generate: path,
    async run(input) {
      const reply = await get(input, input.length % 2 === 0 ? 'text/html' : '*/*');
      assert.ok(!reply.includes(SENTINEL), `served a file from outside the root or a dotfile:\n${reply.slice(0, 400)}`);
      assert.ok(!reply.includes('SQLite format 3'), 'served the database');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(reply);
      if (status === null) return; // the parser refused the request line and closed: nothing served
      assert.ok(Number(status[1]) < 500, `answered ${status[1]}: ${reply.slice(0, 400)}`);
      if (status[1] === '200') served++;
    },
  });
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms (${served} served a file), ${stats.corpus} from the corpus, seed ${stats.seed}`);
});
