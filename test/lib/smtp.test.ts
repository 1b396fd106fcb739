// The SMTP client against a real server (aiosmtpd: every security mode × AUTH mechanism, refusals, size limit, a cut
// connection) and against scripted servers for what aiosmtpd never does (pipelining, replies split byte by byte,
// HELO-only servers, silence, garbage).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dotStuff, sendMail, SmtpConnection, SmtpError, type SmtpOptions } from '../../src/lib/smtp.ts';
import { NO_SMTP_SERVER, smtpPython, startSmtpServer, SMTP_PASSWORD, SMTP_USER, TEST_CA, type SmtpTestServer } from '../support/smtp-server.ts';

const MESSAGE = 'From: a@monolite.test\r\nTo: b@monolite.test\r\nSubject: hello\r\n\r\nline one\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast\r\n';

describe('SMTP client against aiosmtpd', () => {
  let server: SmtpTestServer | undefined;
  let python: string | undefined;
  let seen = 0;
  const fresh = () => {
    const all = server!.messages();
    const out = all.slice(seen);
    seen = all.length;
    return out;
  };
  const options = (security: 'tls' | 'starttls' | 'none', extra: Partial<SmtpOptions> = {}): SmtpOptions => ({
    host: '127.0.0.1',
    port: security === 'tls' ? server!.ports.tls : security === 'starttls' ? server!.ports.starttls : server!.ports.plain,
    security, username: SMTP_USER, password: SMTP_PASSWORD, ca: TEST_CA, allowPlaintextAuth: security === 'none', ...extra,
  });

  before(async () => {
    python = smtpPython();
    if (python) server = await startSmtpServer(python);
  });
  after(async () => { await server?.stop(); });

  test('every security mode with every AUTH mechanism delivers, dot-stuffed lines restored', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    for (const security of ['starttls', 'tls', 'none'] as const) {
      for (const auth of ['plain', 'login', 'cram-md5', 'auto'] as const) {
        const conn = await SmtpConnection.open(options(security, { auth }));
        assert.equal(conn.secure, security !== 'none');
        const result = await conn.send({ from: 'a@monolite.test', to: ['b@monolite.test'] }, MESSAGE);
        await conn.quit();
        assert.deepEqual(result.accepted, ['b@monolite.test']);
        assert.equal(result.reply.code, 250);
        const [stored] = fresh();
        const expected = auth === 'auto' ? 'CRAM-MD5' : auth.toUpperCase();
        assert.equal(stored.mechanism, expected, `${security}/${auth}`);
        assert.equal(conn.mechanism, expected);
        assert.equal(stored.tls, security !== 'none');
        assert.equal(stored.raw.toString('utf8'), MESSAGE, `${security}/${auth}: content intact`);
        assert.equal(stored.mail_from, 'a@monolite.test');
      }
    }
  });

  test('one connection carries a batch; refused recipients are reported while the others receive', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const results = await sendMail(options('starttls'), [
      { envelope: { from: 'a@monolite.test', to: ['one@monolite.test'] }, raw: MESSAGE },
      { envelope: { from: 'a@monolite.test', to: ['reject@monolite.test', 'two@monolite.test'] }, raw: MESSAGE },
      { envelope: { from: 'a@monolite.test', to: ['reject@monolite.test'] }, raw: MESSAGE },
      { envelope: { from: 'a@monolite.test', to: ['busy@monolite.test'] }, raw: MESSAGE },
      { envelope: { from: 'a@monolite.test', to: ['three@monolite.test'] }, raw: MESSAGE, options: { utf8: true } },
    ]);
    assert.equal(results[0].ok, true);
    assert.ok(results[1].ok);
    assert.deepEqual(results[1].result.accepted, ['two@monolite.test']);
    assert.deepEqual(results[1].result.rejected.map((r) => [r.recipient, r.reply.code, r.reply.enhanced]), [['reject@monolite.test', 550, '5.1.1']]);
    assert.ok(!results[2].ok);
    assert.equal(results[2].error.code, 'smtp_reply');
    assert.equal(results[2].error.permanent, true, '550 is permanent');
    assert.equal(results[2].error.reply?.code, 550);
    assert.ok(!results[3].ok);
    assert.equal(results[3].error.permanent, false, '451 is transient');
    assert.ok(results[4].ok, 'the connection stayed usable after the refusals');
    const stored = fresh();
    assert.deepEqual(stored.map((m) => m.rcpt_tos), [['one@monolite.test'], ['two@monolite.test'], ['three@monolite.test']]);
    assert.ok(stored[2].mail_options.includes('SMTPUTF8'));
    assert.ok(stored[2].mail_options.some((o) => /^SIZE=\d+$/.test(o)));
  });

  test('no Nagle stall: 20 messages over one connection take far less than 20 delayed ACKs (40 ms each)', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const conn = await SmtpConnection.open(options('starttls'));
    const started = performance.now();
    for (let i = 0; i < 20; i++) await conn.send({ from: 'a@monolite.test', to: ['b@monolite.test'] }, MESSAGE);
    const took = performance.now() - started;
    await conn.quit();
    fresh();
    assert.ok(took < 400, `20 messages took ${took.toFixed(0)} ms (a stall per message would be ≥ 800 ms)`);
  });

  test('a wrong password is a permanent AUTH error', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    for (const auth of ['plain', 'login', 'cram-md5'] as const) {
      const err = await SmtpConnection.open(options('tls', { auth, password: 'wrong' })).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof SmtpError, auth);
      assert.equal(err.code, 'smtp_auth');
      assert.equal(err.permanent, true);
      assert.equal(err.reply?.code, 535);
      assert.match(err.message, /535 5\.7\.8/);
    }
  });

  test('configuration mistakes are permanent and say what to change', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const cases: [Partial<SmtpOptions> & { security: 'tls' | 'starttls' | 'none' }, string, RegExp][] = [
      [{ security: 'starttls', ca: undefined }, 'smtp_tls', /not trusted/],
      [{ security: 'tls', ca: undefined }, 'smtp_tls', /not trusted/],
      [{ security: 'none', allowPlaintextAuth: false }, 'smtp_insecure', /not encrypted/],
      [{ security: 'starttls', port: server.ports.plain }, 'smtp_unsupported', /STARTTLS/],
    ];
    for (const [extra, code, message] of cases) {
      const err = await SmtpConnection.open({ ...options(extra.security), ...extra }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof SmtpError, JSON.stringify(extra));
      assert.equal(err.code, code);
      assert.equal(err.permanent, true);
      assert.match(err.message, message);
    }
    const ok = await SmtpConnection.open(options('starttls', { tlsVerify: false, ca: undefined }));
    assert.equal(ok.secure, true, 'tls_verify = false accepts the self-signed certificate');
    await ok.quit();
  });

  test('a message larger than the server\'s SIZE is refused before it is sent', async (t) => {
    if (!python) return t.skip(NO_SMTP_SERVER);
    const small = await startSmtpServer(python, { size: 1000 });
    try {
      const conn = await SmtpConnection.open({ ...options('tls'), port: small.ports.tls });
      const err = await conn.send({ from: 'a@monolite.test', to: ['b@monolite.test'] }, 'x'.repeat(2000)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof SmtpError);
      assert.equal(err.code, 'smtp_too_large');
      assert.equal(err.permanent, true);
      const ok = await conn.send({ from: 'a@monolite.test', to: ['b@monolite.test'] }, MESSAGE);
      assert.equal(ok.reply.code, 250);
      await conn.quit();
    } finally {
      await small.stop();
    }
  });

  test('a server that cuts the connection after the data is a transient network error', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const conn = await SmtpConnection.open(options('starttls'));
    const err = await conn.send({ from: 'a@monolite.test', to: ['drop1@monolite.test'] }, MESSAGE).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof SmtpError);
    assert.equal(err.code, 'smtp_network');
    assert.equal(err.permanent, false);
    assert.equal(err.phase, 'message', 'the content was sent: the server may have it');
    assert.equal(conn.usable, false);
    const again = await SmtpConnection.open(options('starttls'));
    const result = await again.send({ from: 'a@monolite.test', to: ['drop1@monolite.test'] }, MESSAGE);
    assert.deepEqual(result.accepted, ['drop1@monolite.test'], 'the second attempt is delivered');
    await again.quit();
    assert.equal(fresh().length, 1);
  });
});

/** A scripted SMTP server: `respond` gets each command line and returns what to write back (or null: stay silent). */
async function scripted(respond: (line: string, socket: Socket, state: Record<string, unknown>) => string | null, greeting: string | null = '220 fake ESMTP\r\n'): Promise<{ port: number; server: Server; received: string[] }> {
  const received: string[] = [];
  const server = createServer((socket) => {
    const state: Record<string, unknown> = {};
    let buffer = '';
    let inData = false;
    if (greeting !== null) socket.write(greeting);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let nl;
      while ((nl = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push('<data end>');
            const out = respond('.', socket, state);
            if (out !== null) socket.write(out);
          } else state.data = `${(state.data as string | undefined) ?? ''}${line}\r\n`;
          continue;
        }
        received.push(line);
        const out = respond(line, socket, state);
        if (out !== null) socket.write(out);
        if (out !== null && /^354/m.test(out)) inData = true;
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, received };
}

const plainOptions = (port: number, extra: Partial<SmtpOptions> = {}): SmtpOptions => ({ host: '127.0.0.1', port, security: 'none', ...extra });

describe('SMTP client against scripted servers', () => {
  test('with PIPELINING, MAIL, RCPT and DATA go in one write and replies are matched in order', async () => {
    const writes: number[] = [];
    const fake = await scripted((line, socket) => {
      if (line.startsWith('EHLO')) return '250-fake\r\n250-PIPELINING\r\n250 8BITMIME\r\n';
      if (line.startsWith('MAIL')) return null; // answered with the rest, once DATA arrived
      if (line.startsWith('RCPT')) return null;
      if (line === 'DATA') return '250 sender ok\r\n250 rcpt 1 ok\r\n550 rcpt 2 unknown\r\n354 go on\r\n';
      if (line === '.') return '250 queued\r\n';
      if (line === 'QUIT') { socket.end('221 bye\r\n'); return null; }
      return '500 what\r\n';
    });
    fake.server.on('connection', (s) => s.on('data', (d) => writes.push(d.length)));
    try {
      const conn = await SmtpConnection.open(plainOptions(fake.port));
      assert.ok(conn.extensions.has('PIPELINING'));
      const result = await conn.send({ from: 'a@x.test', to: ['b@x.test', 'c@x.test'] }, 'Subject: s\r\n\r\nbody\r\n', { eightBit: true });
      await conn.quit();
      assert.deepEqual(result.accepted, ['b@x.test']);
      assert.deepEqual(result.rejected.map((r) => r.recipient), ['c@x.test']);
      assert.deepEqual(fake.received.slice(1, 5), ['MAIL FROM:<a@x.test> BODY=8BITMIME', 'RCPT TO:<b@x.test>', 'RCPT TO:<c@x.test>', 'DATA']);
      // EHLO; the pipelined group; the content and its dot (one or two writes); QUIT.
      assert.ok(writes.length <= 5, `${writes.length} writes`);
    } finally {
      fake.server.close();
    }
  });

  test('multi-line replies split byte by byte, AUTH= announcements and enhanced codes are read right', async () => {
    const fake = await scripted((line, socket) => {
      const slowly = (text: string) => {
        let i = 0;
        const next = () => { if (i < text.length) { socket.write(text[i++]); setImmediate(next); } };
        next();
        return null;
      };
      if (line.startsWith('EHLO')) return slowly('250-fake.example greets you\r\n250-SIZE 1000000\r\n250-AUTH=LOGIN\r\n250 HELP\r\n');
      if (line === 'AUTH LOGIN') return '334 VXNlcm5hbWU6\r\n';
      if (line === Buffer.from('me').toString('base64')) return '334 UGFzc3dvcmQ6\r\n';
      if (line === Buffer.from('secret').toString('base64')) return slowly('235 2.7.0 Authentication\r\n');
      if (line.startsWith('MAIL')) return '250 2.1.0 Ok\r\n';
      if (line.startsWith('RCPT')) return '250 2.1.5 Ok\r\n';
      if (line === 'DATA') return '354 End data with <CR><LF>.<CR><LF>\r\n';
      if (line === '.') return slowly('250-2.0.0 Ok: queued\r\n250 2.0.0 as ABC123\r\n');
      return '502 5.5.2 Error\r\n';
    });
    try {
      const conn = await SmtpConnection.open(plainOptions(fake.port, { username: 'me', password: 'secret', allowPlaintextAuth: true }));
      assert.equal(conn.mechanism, 'LOGIN');
      assert.equal(conn.extensions.get('SIZE'), '1000000');
      const result = await conn.send({ from: 'a@x.test', to: ['b@x.test'] }, 'body');
      assert.deepEqual(result.reply, { code: 250, enhanced: '2.0.0', lines: ['Ok: queued', 'as ABC123'] });
      conn.close();
    } finally {
      fake.server.close();
    }
  });

  test('a server without ESMTP gets HELO and plain commands', async () => {
    const fake = await scripted((line) => {
      if (line.startsWith('EHLO')) return '502 Command not implemented\r\n';
      if (line.startsWith('HELO')) return '250 hi\r\n';
      if (line.startsWith('MAIL')) return '250 ok\r\n';
      if (line.startsWith('RCPT')) return '250 ok\r\n';
      if (line === 'DATA') return '354 go\r\n';
      if (line === '.') return '250 ok\r\n';
      return '500 no\r\n';
    });
    try {
      const conn = await SmtpConnection.open(plainOptions(fake.port, { clientName: 'client.example' }));
      assert.equal(conn.extensions.size, 0);
      await conn.send({ from: 'a@x.test', to: ['b@x.test'] }, 'body');
      conn.close();
      assert.deepEqual(fake.received.slice(0, 3), ['EHLO client.example', 'HELO client.example', 'MAIL FROM:<a@x.test>']);
      const utf8 = await SmtpConnection.open(plainOptions(fake.port));
      await assert.rejects(utf8.send({ from: 'a@x.test', to: ['b@x.test'] }, 'body', { utf8: true }), (e: SmtpError) => e.code === 'smtp_unsupported' && e.permanent);
      utf8.close();
    } finally {
      fake.server.close();
    }
  });

  test('silence, a 421 greeting, garbage and a refused port fail as they should', async () => {
    const silent = await scripted(() => null, null);
    const busy = await scripted(() => null, '421 4.3.2 Too busy, come back later\r\n');
    const garbage = await scripted(() => null, 'HTTP/1.1 400 Bad Request\r\n');
    try {
      const timeout = await SmtpConnection.open(plainOptions(silent.port, { timeouts: { greeting: 100 } })).then(() => null, (e: unknown) => e);
      assert.ok(timeout instanceof SmtpError);
      assert.deepEqual([timeout.code, timeout.phase, timeout.permanent], ['smtp_timeout', 'greeting', false]);
      const refused = await SmtpConnection.open(plainOptions(busy.port)).then(() => null, (e: unknown) => e);
      assert.ok(refused instanceof SmtpError);
      assert.deepEqual([refused.code, refused.permanent, refused.reply?.code], ['smtp_reply', false, 421]);
      const junk = await SmtpConnection.open(plainOptions(garbage.port)).then(() => null, (e: unknown) => e);
      assert.ok(junk instanceof SmtpError);
      assert.equal(junk.code, 'smtp_protocol');
      assert.match(junk.message, /HTTP\/1\.1 400/);
    } finally {
      silent.server.close();
      busy.server.close();
      garbage.server.close();
    }
    const closed = await scripted(() => null);
    closed.server.close();
    const err = await SmtpConnection.open(plainOptions(closed.port)).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof SmtpError);
    assert.deepEqual([err.code, err.phase, err.permanent], ['smtp_network', 'connect', false]);
  });

  test('bad options and envelopes are refused before anything is sent', async () => {
    await assert.rejects(SmtpConnection.open({ host: '', port: 25, security: 'none' }), /host is empty/);
    await assert.rejects(SmtpConnection.open({ host: 'x', port: 0, security: 'none' }), /port 0/);
    await assert.rejects(SmtpConnection.open({ host: 'x', port: 25, security: 'ssl' as 'tls' }), /security "ssl"/);
    const fake = await scripted((line) => (line.startsWith('EHLO') ? '250 ok\r\n' : '500 no\r\n'));
    try {
      const conn = await SmtpConnection.open(plainOptions(fake.port));
      await assert.rejects(conn.send({ from: 'a@x.test', to: ['b@x.test>\r\nRCPT TO:<evil@x.test'] }, 'x'), /not a plain address/);
      await assert.rejects(conn.send({ from: 'a@x.test', to: [] }, 'x'), /no recipient/);
      conn.close();
      assert.deepEqual(fake.received, ['EHLO [127.0.0.1]']);
    } finally {
      fake.server.close();
    }
  });
});

describe('dotStuff', () => {
  const cases: [string, string][] = [
    ['plain\r\n', 'plain\r\n'],
    ['.start\r\n', '..start\r\n'],
    ['a\r\n.b\r\n..c\r\n.\r\n', 'a\r\n..b\r\n...c\r\n..\r\n'],
    ['no final newline', 'no final newline\r\n'],
    ['bare\nlf\n.dot', 'bare\r\nlf\r\n..dot\r\n'],
    ['bare\rcr\r', 'bare\r\ncr\r\n'],
    ['', ''],
  ];
  for (const [input, output] of cases) {
    test(JSON.stringify(input), () => assert.equal(dotStuff(Buffer.from(input)).toString(), output));
  }
  test('returns its input when nothing changes', () => {
    const ready = Buffer.from('a\r\nb\r\n');
    assert.equal(dotStuff(ready), ready);
  });
});
