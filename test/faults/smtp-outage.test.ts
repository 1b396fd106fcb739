// Fault: the SMTP server goes away while mail is queued, then comes back — and while it comes back, some sessions
// are cut right after the message data was sent, before the server's reply (a proxy in front of the real SMTP test
// server does both). Every mail job must retry until it is done, every message must arrive, and a message may arrive
// twice only where its session was cut after the data (at-least-once); the duplicates seen are reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../support/process.ts';
import { bounded } from '../support/long.ts';
import { until } from '../support/until.ts';
import { faultBed } from '../support/fault-server.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { exchange } from '../support/fault-load.ts';
import { NO_SMTP_SERVER, SMTP_PASSWORD, SMTP_USER, smtpPython, startSmtpServer } from '../support/smtp-server.ts';

const FIXTURE = 'test/faults/fixtures/jobs-server.ts';
const MESSAGES = bounded(20, 200);
const OUTAGES = bounded(1, 4);
const OUTAGE_MS = bounded(1500, 2000);
const CUTS = 3;

test('mail jobs survive an SMTP outage: all arrive, duplicates only where a session was cut after the data', async (t) => {
  const python = smtpPython();
  if (python === undefined) return t.skip(NO_SMTP_SERVER);
  const smtp = await startSmtpServer(python);
  t.after(() => smtp.stop());
  const proxy = await startFaultProxy(smtp.ports.plain);
  t.after(() => proxy.close());

  const bed = faultBed({
    mail: {
      host: '127.0.0.1', port: proxy.port, security: 'none', allow_plaintext_auth: true, username: SMTP_USER, password: SMTP_PASSWORD,
      from: 'noreply@monolite.test', timeout: '2s', ca_file: join(ROOT, 'test/support/tls/cert.pem'),
    },
    // Short retries so that the outage spans several attempts and the test stays short; 8 attempts take ≥ 2.5 s (the
    // jitter is 50–100 % of each delay), longer than an outage, so no job runs out of attempts.
    jobs: { retry_base: '150ms', retry_max: '1s', poll_interval: '100ms' },
  });
  t.after(() => bed.cleanup());
  const { url, run } = await bed.serve({ script: FIXTURE });
  const db = new DatabaseSync(join(bed.dataDir, 'app.db'), { readOnly: true });
  t.after(() => db.close());
  const jobs = db.prepare(`SELECT status, count(*) AS n, max(attempts) AS attempts FROM job_queue WHERE type = 'mail.send' GROUP BY status`);
  const byStatus = () => Object.fromEntries((jobs.all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));

  let queued = 0;
  for (let outage = 0; outage < OUTAGES; outage++) {
    // Down: the messages queued now fail their first attempts (connection refused) and wait for a retry.
    await proxy.down();
    const deliveredBefore = smtp.messages().length;
    const enqueued = await exchange(url, { method: 'POST', path: `/fault/mail?n=${MESSAGES}&prefix=o${outage}r` });
    assert.equal(enqueued.status, 201, enqueued.body);
    queued += MESSAGES;
    await until(() => (byStatus().failed ?? 0) > 0, () => `a mail job to fail while the server is down: ${JSON.stringify(byStatus())}`, 10_000);
    await sleep(OUTAGE_MS);
    assert.equal(smtp.messages().length, deliveredBefore, 'nothing is delivered while the server is down');
    // Back, with the first sessions cut after their data.
    proxy.cutAfterData(CUTS);
    await proxy.up();
    await until(() => byStatus().done === queued, () => `every mail job to be done: ${JSON.stringify(byStatus())}`, 30_000);
  }
  assert.deepEqual(Object.keys(byStatus()), ['done'], 'no mail job is dead or left over');

  const perRecipient = new Map<string, number>();
  for (const m of smtp.messages()) for (const r of m.rcpt_tos) perRecipient.set(r, (perRecipient.get(r) ?? 0) + 1);
  const missing: string[] = [];
  for (let outage = 0; outage < OUTAGES; outage++) {
    for (let i = 0; i < MESSAGES; i++) if (!perRecipient.has(`o${outage}r${i}@fault.test`)) missing.push(`o${outage}r${i}@fault.test`);
  }
  assert.deepEqual(missing, [], 'every message arrived');
  const duplicated = [...perRecipient].filter(([, n]) => n > 1);
  for (const [recipient, n] of duplicated) {
    const cuts = proxy.cutRecipients.filter((r) => r === recipient).length;
    assert.ok(n <= 1 + cuts, `${recipient} arrived ${n} times but only ${cuts} of its sessions were cut after the data`);
  }
  assert.equal(proxy.cutRecipients.length, CUTS * OUTAGES, 'the cuts after the data happened');
  t.diagnostic(`${queued} messages through ${OUTAGES} outage(s) of ${OUTAGE_MS} ms: all arrived; ${proxy.cutRecipients.length} sessions cut after ` +
    `the data, ${duplicated.length} duplicate(s) seen (${duplicated.map(([r, n]) => `${r} ×${n}`).join(', ') || 'none'})`);

  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});
