// Mail inside the app, against a real SMTP server (aiosmtpd): a queued template message arrives and parses (non-ASCII
// subject and name, both parts), a server cutting the connection makes the job retry until it arrives, a wrong
// password or a missing host kill the job at once and raise an alarm on the notifier, and the CLI's `mail test` and
// `mail preview` work with the stored settings.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.ts';
import { main } from '../../src/main.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import type { PartialConfig } from '../../src/config/schema.ts';
import { initialDocument, setIn, writeDocument } from '../../src/config/document.ts';
import { APPLICATION_SCOPE } from '../../src/config/store.ts';
import { until } from '../support/until.ts';
import { findPython, runPython } from '../support/python.ts';
import { startFakeEndpoint, type FakeEndpoint } from '../support/fake-endpoint.ts';
import { NO_SMTP_SERVER, SMTP_PASSWORD, SMTP_USER, smtpPython, startSmtpServer, type SmtpTestServer } from '../support/smtp-server.ts';

const CA_FILE = new URL('../support/tls/cert.pem', import.meta.url).pathname;
const PARSE = readFileSync(new URL('../mail/fixtures/parse-messages.py', import.meta.url), 'utf8');
const VERIFY_DKIM = readFileSync(new URL('../mail/fixtures/verify-dkim.py', import.meta.url), 'utf8');

let python: string | undefined;
let server: SmtpTestServer | undefined;
let discord: FakeEndpoint;
const dirs: string[] = [];
const apps: App[] = [];

before(async () => {
  python = smtpPython();
  if (python) server = await startSmtpServer(python);
  discord = await startFakeEndpoint('/api/webhooks/1/token');
});
after(async () => {
  await server?.stop();
  await discord.close();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function mailFlags(extra: Record<string, unknown> = {}): PartialConfig['mail'] {
  return {
    host: '127.0.0.1', port: server!.ports.starttls, security: 'starttls', username: SMTP_USER, password: SMTP_PASSWORD,
    from: 'noreply@monolite.test', from_name: 'Monolite Tëst', ca_file: CA_FILE, ...extra,
  } as PartialConfig['mail'];
}

async function start(mail: PartialConfig['mail']): Promise<{ app: App; logs: LogRecord[]; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-app-mail-'));
  dirs.push(dir);
  const logs: LogRecord[] = [];
  const app = await createApp({
    dataDir: join(dir, 'data'), env: {},
    flags: {
      server: { port: 0, shutdown_timeout: '500ms' as never },
      jobs: { retry_base: '20ms' as never, retry_max: '50ms' as never },
      notify: { discord_webhook: discord.url, interval: '1ms' as never, burst: 10 },
      mail,
    },
    log: new Logger([(r) => logs.push(r)], 'info'),
  });
  apps.push(app);
  const { url } = await app.listen();
  return { app, logs, url };
}

interface Parsed {
  subject: string;
  from: { name: string; address: string }[];
  to: { name: string; address: string }[];
  parts: { type: string; text: string | null }[];
  defects: string[];
}

describe('mail in the app', () => {
  test('a queued template message arrives over STARTTLS and parses: headers, both parts, escaping', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const { app, url } = await start(mailFlags());
    const before = server.messages().length;
    const { id } = app.mailer.enqueue({ to: 'ada@example.com', toName: 'Ada Lövelace', template: 'verify_email', vars: { code: '918273', minutes: 10, email: 'ada@example.com' } });
    await until(() => app.jobs.queue.get(id)?.status === 'done', () => `the mail job (${JSON.stringify(app.jobs.queue.get(id))})`, 10_000);
    const [stored] = server.messages().slice(before);
    assert.deepEqual(stored.rcpt_tos, ['ada@example.com']);
    assert.equal(stored.mail_from, 'noreply@monolite.test');
    assert.equal(stored.tls, true);
    const [parsed] = (JSON.parse(runPython(python!, PARSE, JSON.stringify([{ raw: stored.raw.toString('base64') }]))) as { messages: Parsed[] }).messages;
    assert.equal(parsed.subject, 'Your Monolite Tëst verification code');
    assert.deepEqual(parsed.from, [{ name: 'Monolite Tëst', address: 'noreply@monolite.test' }]);
    assert.deepEqual(parsed.to, [{ name: 'Ada Lövelace', address: 'ada@example.com' }]);
    assert.deepEqual(parsed.parts.map((p) => p.type), ['text/plain', 'text/html']);
    assert.match(parsed.parts[0].text!, /^ {4}918273$/m);
    assert.match(parsed.parts[0].text!, /— The Monolite Tëst team/);
    assert.match(parsed.parts[1].text!, />918273</);
    assert.deepEqual(parsed.defects, []);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^monolite_mail_sent_total 1$/m);
    assert.match(metrics, /^monolite_mail_failed_total\{kind="permanent"\} 0$/m);
  });

  test('a server that cuts the connection before answering the data: the job retries until the message arrives', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const { app, logs } = await start(mailFlags());
    const before = server.messages().length;
    const { id } = app.mailer.enqueue({ to: 'drop2@example.com', subject: 'Retried', text: 'third time lucky' });
    await until(() => app.jobs.queue.get(id)?.status === 'done', () => `the mail job (${JSON.stringify(app.jobs.queue.get(id))})`, 10_000);
    assert.equal(app.jobs.queue.get(id)!.attempts, 3, 'two cut connections, then delivered');
    const stored = server.messages().slice(before);
    assert.equal(stored.length, 1);
    assert.deepEqual(stored[0].rcpt_tos, ['drop2@example.com']);
    assert.equal(logs.filter((l) => l.msg === 'Job attempt failed; retrying').length, 2);
    assert.equal(app.mailer.stats.sent, 1);
    assert.equal(app.mailer.stats.failedTransient, 2);
  });

  test('a wrong password or no mail.host kills the job at once and raises an alarm', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const { app } = await start(mailFlags({ password: 'wrong' }));
    const seen = discord.received.length;
    const wrong = app.mailer.enqueue({ to: 'ada@example.com', subject: 's', text: 't' });
    await until(() => app.jobs.queue.get(wrong.id)?.status === 'dead', 'the job to die', 10_000);
    const job = app.jobs.queue.get(wrong.id)!;
    assert.equal(job.attempts, 1, 'a permanent error is not retried');
    assert.match(job.lastError!, /Authentication with CRAM-MD5 failed: 535 5\.7\.8/);
    await until(() => discord.received.length > seen, 'the alarm');
    const alarm = JSON.parse(discord.received[seen].body) as { content: string };
    assert.match(alarm.content, /^\[Alarm\] from \*jobs\*:\n> Job mail\.send #\d+ is dead after 1 attempt\n/);
    assert.match(alarm.content, /535/);
    assert.equal(app.mailer.stats.failedPermanent, 1);

    const { app: unset } = await start({ host: '' } as PartialConfig['mail']);
    const none = unset.mailer.enqueue({ to: 'ada@example.com', subject: 's', text: 't' });
    await until(() => unset.jobs.queue.get(none.id)?.status === 'dead', 'the job to die', 10_000);
    assert.match(unset.jobs.queue.get(none.id)!.lastError!, /mail\.host is not set/);
  });

  test('with a DKIM key configured, the delivered message carries a signature dkimpy verifies', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const dkimPython = findPython('dkim');
    if (dkimPython === undefined) {
      if (process.env.CI === 'true') assert.fail('no Python with dkim (python3-dkim; CI=true requires it)');
      return t.skip('no Python with dkim (Debian package python3-dkim)');
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyDir = mkdtempSync(join(tmpdir(), 'monolite-dkim-'));
    dirs.push(keyDir);
    writeFileSync(join(keyDir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const { app } = await start(mailFlags({ dkim_domain: 'monolite.test', dkim_selector: 'mail', dkim_key_file: join(keyDir, 'dkim.pem') }));
    const before = server.messages().length;
    const { id } = app.mailer.enqueue({ to: 'ada@example.com', template: 'email_change_alert', vars: { old_email: 'old@example.com', new_email: 'new@example.com' } });
    await until(() => app.jobs.queue.get(id)?.status === 'done', 'the mail job', 10_000);
    const [stored] = server.messages().slice(before);
    assert.match(stored.raw.toString('latin1'), /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=monolite\.test; s=mail;/);
    const request = {
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }),
      verify: [stored.raw.toString('base64'), Buffer.from(stored.raw.toString('latin1').replaceAll('new@example.com', 'bad@example.com')).toString('base64')],
      bodyHash: [],
    };
    const result = JSON.parse(runPython(dkimPython, VERIFY_DKIM, JSON.stringify(request))) as { verified: boolean[] };
    assert.deepEqual(result.verified, [true, false], 'the delivered message verifies; an altered one does not');
  });

  test('[mail] reloads live: the next message uses the new settings', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const { password: _, ...withoutPassword } = mailFlags() as Record<string, unknown>;
    const { app } = await start(withoutPassword as PartialConfig['mail']);
    const first = app.mailer.enqueue({ to: 'ada@example.com', subject: 'before', text: 't' });
    await until(() => app.jobs.queue.get(first.id)?.status === 'dead', 'the first job to die (no password yet)', 10_000);
    const doc = initialDocument();
    setIn(doc, ['mail', 'password'], SMTP_PASSWORD);
    app.store.save(APPLICATION_SCOPE, writeDocument(doc), { description: 'mail password' });
    const reloaded = app.reload();
    assert.ok(reloaded.ok && reloaded.changed.includes('mail.password'), JSON.stringify(reloaded));
    const before = server.messages().length;
    const second = app.mailer.enqueue({ to: 'ada@example.com', subject: 'after', text: 't' });
    await until(() => app.jobs.queue.get(second.id)?.status === 'done', 'the second job', 10_000);
    assert.equal(server.messages().length, before + 1);
  });

  test('messages sent in a row share one SMTP connection', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const { app } = await start(mailFlags());
    const before = server.messages().length;
    for (const subject of ['one', 'two', 'three']) await app.mailer.send({ to: 'ada@example.com', subject, text: 't' });
    const peers = server.messages().slice(before).map((m) => m.peer[1]);
    assert.equal(peers.length, 3);
    assert.equal(new Set(peers).size, 1, `client ports ${peers.join(', ')}`);
  });

  test('enqueue checks the template and the address at once', async () => {
    const { app } = await start({ host: '' } as PartialConfig['mail']);
    assert.throws(() => app.mailer.enqueue({ to: 'ada@example.com', template: 'nope', vars: {} }), /No mail template "nope"/);
    assert.throws(() => app.mailer.enqueue({ to: 'ada@example.com', template: 'verify_email', vars: { code: '1' } }), /needs the variable "minutes"/);
    assert.throws(() => app.mailer.enqueue({ to: 'not an address', subject: 's', text: 't' }), /"to" is not an address/);
    assert.equal(app.jobs.queue.list({ type: 'mail.send' }).length, 0);
  });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr, env });
  return { code, out: stdout.text, err: stderr.text };
}

describe('monolite mail', () => {
  test('mail test sends with the live settings and prints the dialogue, credentials masked', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const dir = mkdtempSync(join(tmpdir(), 'monolite-cli-mail-'));
    dirs.push(dir);
    const env = {
      MONOLITE_MAIL_HOST: '127.0.0.1', MONOLITE_MAIL_PORT: String(server.ports.tls), MONOLITE_MAIL_SECURITY: 'tls',
      MONOLITE_MAIL_USERNAME: SMTP_USER, MONOLITE_MAIL_PASSWORD: SMTP_PASSWORD, MONOLITE_MAIL_AUTH: 'plain',
      MONOLITE_MAIL_FROM: 'noreply@monolite.test', MONOLITE_MAIL_CA_FILE: CA_FILE,
    };
    const before = server.messages().length;
    const run = await cli(['mail', 'test', 'ops@example.com', '-d', join(dir, 'data')], env);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^S: 220 /m);
    assert.match(run.out, /^C: AUTH PLAIN \*\*\*\*$/m);
    assert.match(run.out, /^S: 235 /m);
    assert.match(run.out, /^Sent to ops@example\.com \(Message-ID <[^>]+@monolite\.test>\): 250 /m);
    assert.ok(!run.out.includes(Buffer.from(`\0${SMTP_USER}\0${SMTP_PASSWORD}`).toString('base64')), 'no credentials in the output');
    const [stored] = server.messages().slice(before);
    assert.deepEqual(stored.rcpt_tos, ['ops@example.com']);

    const bad = await cli(['mail', 'test', 'ops@example.com', '-d', join(dir, 'data')], { ...env, MONOLITE_MAIL_PASSWORD: 'nope' });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^monolite: Authentication with PLAIN failed: 535 .*\(permanent failure, smtp_auth\)$/m);
  });

  test('mail preview renders a template; mistakes are usage errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'monolite-cli-mail-'));
    dirs.push(dir);
    const run = await cli(['mail', 'preview', 'password_reset', '-d', join(dir, 'data')], { MONOLITE_MAIL_FROM_NAME: 'Acme' });
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^Subject: Your Acme password reset code$/m);
    assert.match(run.out, /----- text part -----\n[\s\S]*482916[\s\S]*----- HTML part -----\n<!DOCTYPE html>/);
    const raw = await cli(['mail', 'preview', 'password_reset', '--raw', '-d', join(dir, 'data')], {});
    assert.match(raw.out, /^MIME-Version: 1\.0\r$/m);
    assert.match(raw.out, /^Content-Type: multipart\/alternative;/m);
    const unknown = await cli(['mail', 'preview', 'welcome', '-d', join(dir, 'data')], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /No mail template "welcome"/);
  });
});
