// Fuzzing the SMTP client's reply handling (src/lib/smtp.ts) with a fake server that speaks garbage, partial and
// multi-line replies, extra replies, silences and hang-ups: sendMail ends with results or an SmtpError, within its
// timeouts, and leaves no connection open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { sendMail, SmtpError } from '../../src/lib/smtp.ts';
import { fuzz, toBytes, type Rng } from '../support/fuzz.ts';
import { until } from '../support/until.ts';

// An input is the server's side of the dialogue: sections split by RS (0x1e); the first is the greeting, each next
// one answers the next line the client sends. "<close>" hangs up, "<silent>" says nothing. When the sections run
// out the server answers sensibly, so a mutation early in the dialogue still lets the rest run.
const RS = 0x1e;
let server: net.Server;
let port: number;
const open = new Set<net.Socket>();
let script: Buffer[] = [];

function defaultReply(line: string): string {
  const verb = line.slice(0, 4).toUpperCase();
  if (verb === 'EHLO') return '250-fake\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250 SIZE 100000\r\n';
  if (verb === 'DATA') return '354 go ahead\r\n';
  if (verb === 'AUTH') return '235 ok\r\n';
  if (verb === 'QUIT') return '221 bye\r\n';
  return '250 ok\r\n';
}

before(async () => {
  server = net.createServer((socket) => {
    open.add(socket);
    socket.setNoDelay(true); // short replies, each awaited: Nagle would add 40 ms to each
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    const sections = [...script];
    let inData = false;
    let pending = '';
    const say = (section: Buffer | undefined, line: string) => {
      const text = section === undefined ? defaultReply(line) : section.toString('latin1');
      if (text === '<close>') socket.destroy();
      else if (text !== '<silent>' && !socket.destroyed) socket.write(section ?? Buffer.from(text, 'latin1'));
      // Message content follows whatever the reply to DATA was, as far as the server knows.
      if (line.toUpperCase() === 'DATA' && text.startsWith('354')) inData = true;
    };
    say(sections.shift() ?? Buffer.from('220 fake ESMTP\r\n'), '');
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let nl;
      while ((nl = pending.indexOf('\r\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            say(sections.shift(), '.');
          }
          continue;
        }
        say(sections.shift(), line);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  for (const socket of open) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const REPLIES = [
  '220 ready\r\n', '250 ok\r\n', '250-a\r\n250 b\r\n', '250-a\r\n251 b\r\n', '250-PIPELINING\r\n250-AUTH=LOGIN PLAIN\r\n250 STARTTLS\r\n', '354 go\r\n',
  '235 2.7.0 ok\r\n', '334 \r\n', '334 PDQxODk2LjY5NzE3MDk1MkBwb3N0b2ZmaWNlLnJlc3Rvbi5tY2kubmV0Pg==\r\n', '334 VXNlcm5hbWU6\r\n', '421 4.3.0 bye\r\n',
  '450 busy\r\n', '550 5.1.1 no such user\r\n', '552 too big\r\n', '502 not implemented\r\n', '221 bye\r\n', '250 ok', '250', '250\r\n', '25',
  '2500 x\r\n', '099 x\r\n', '250 ok\n', '250 ok\r', '\r\n', 'garbage\r\n', '250-\r\n', '250-x\r\n', '250 ok\r\n250 extra\r\n', '\u00ff\u00fe\r\n',
  '250 \u00e9\r\n', '250 2.0.0\r\n', '250 5.5.5.5 odd\r\n', '<close>', '<silent>',
];

/** A dialogue of whole, partial, multi-line, extra and garbage replies, hang-ups and silences. */
function dialogue(rng: Rng): Buffer {
  const sections: Buffer[] = [];
  const n = rng.int(14);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.8) sections.push(toBytes(Array.from({ length: 1 + (rng.chance(0.2) ? rng.int(3) : 0) }, () => rng.pick(REPLIES)).join('')));
    else if (r < 0.9) sections.push(toBytes(`250-${'x'.repeat(rng.int(200))}\r\n`.repeat(1 + rng.int(50)) + '250 end\r\n'));
    else if (r < 0.95) sections.push(Buffer.from(`250 ${'y'.repeat(70_000)}`));
    else sections.push(Buffer.from(`250 ${rng.int(10)}\r\n`.repeat(200)));
  }
  return Buffer.concat(sections.flatMap((s, i) => (i === 0 ? [s] : [Buffer.from([RS]), s])));
}

function split(input: Buffer): Buffer[] {
  const sections: Buffer[] = [];
  let from = 0;
  for (let i = 0; i <= input.length; i++) {
    if (i === input.length || input[i] === RS) {
      sections.push(input.subarray(from, i));
      from = i + 1;
    }
  }
  return sections;
}

const EHLO = '250-fake\r\n250-PIPELINING\r\n250-AUTH CRAM-MD5 PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 1000\r\n';
const SEEDS = [
  '', '220 hi\r\n', `220 hi\r\n\x1e${EHLO}`, `220 hi\r\n\x1e${EHLO}\x1e334 PDQxQHg+\r\n\x1e235 ok\r\n`,
  '220 hi\r\n\x1e502 no\r\n\x1e250 helo\r\n', `220 hi\r\n\x1e${EHLO}\x1e235 ok\r\n\x1e250 ok\r\n\x1e550 no\r\n\x1e354 go\r\n\x1e250 ok\r\n`,
  `220 hi\r\n\x1e${EHLO}\x1e235 ok\r\n\x1e250 ok\r\n\x1e250 ok\r\n\x1e250 ok\r\n\x1e552 big\r\n`, '220-a\r\n220 b\r\n\x1e<silent>',
  '220 hi\r\n\x1e<close>', '554 go away\r\n', '220 hi\r\n\x1e250-a\r\n220 b\r\n', 'HTTP/1.1 400 Bad Request\r\n\r\n',
];

test('fuzz: sendMail against a garbling server ends in results or an SmtpError, within its timeouts, closing its connection', { timeout: 600_000 }, async (t) => {
  // Short: a timeout is an accepted outcome, and most mutants end in one (a reply cut short is a silence).
  const timeouts = { connect: 1000, greeting: 40, command: 40, data: 60 };
  const message = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n\r\n.line with a dot\r\nbody\r\n';
  const stats = await fuzz('smtp-reply', {
    seeds: SEEDS,
    dictionary: REPLIES.concat('\x1e', '\r\n', '-', ' '),
    generate: dialogue,
    maxLength: 256 * 1024,
    timeoutMs: 6000,
    async run(input) {
      script = split(input);
      try {
        const results = await sendMail(
          { host: '127.0.0.1', port, security: 'none', username: 'user', password: 'pass', allowPlaintextAuth: true, timeouts, clientName: 'fuzz.test' },
          [{ envelope: { from: 'a@example.com', to: ['b@example.com', 'c@example.com'] }, raw: message },
            { envelope: { from: 'a@example.com', to: ['d@example.com'] }, raw: message, options: { eightBit: true } }],
        );
        for (const r of results) if (!r.ok) assert.ok(r.error instanceof SmtpError);
      } catch (err) {
        if (!(err instanceof SmtpError)) throw err;
      }
      // The client closes what it opened, whatever happened.
      await until(() => open.size === 0, () => `the client left ${open.size} connection(s) open`, 2000);
    },
  });
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});
