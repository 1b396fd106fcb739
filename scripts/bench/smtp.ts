// SMTP benchmark: messages per second over one connection (STARTTLS + AUTH) to a local aiosmtpd that discards what it
// receives, monolite's client next to nodemailer's pooled transport (one connection), in alternating rounds of one
// run. Two figures: the same ready-made message sent again and again (the transport alone), and a message built
// from fields each time (MIME building + transport). Printed as messages/s and the ratio monolite/nodemailer: above
// 1, monolite is faster. Needs /usr/bin/python3 with aiosmtpd (Debian python3-aiosmtpd). Not a test.
import { requirePeer } from './peers.ts';
import { alternateRounds, median } from './rounds.ts';
import { SmtpConnection, type SmtpOptions } from '../../src/lib/smtp.ts';
import { buildMessage } from '../../src/mail/mime.ts';
import { smtpPython, startSmtpServer, SMTP_PASSWORD, SMTP_USER, TEST_CA } from '../../test/support/smtp-server.ts';

/** The part of nodemailer's API used here (only scripts/bench installs it). */
interface Nodemailer {
  createTransport(options: Record<string, unknown>): Transport;
}
interface Transport {
  sendMail(message: Record<string, unknown>): Promise<unknown>;
  verify(): Promise<unknown>;
  close(): void;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 6;
const MESSAGES = Number(process.env.BENCH_MESSAGES) || 100;

const FIELDS = {
  from: { address: 'noreply@monolite.test', name: 'Monolite' },
  to: { address: 'ada@example.com', name: 'Ada Lövelace' },
  subject: 'Your Monolite verification code — 482916',
  text: 'Your verification code is:\n\n    482916\n\nIt expires in 15 minutes. If you did not ask for this, you can ignore this message.\n',
  html: '<p>Your verification code is:</p><p style="font-size:32px;font-weight:bold;letter-spacing:8px">482916</p>'.repeat(4),
};

async function main(): Promise<void> {
  const python = smtpPython();
  if (python === undefined) throw new Error('No Python with aiosmtpd (apt install python3-aiosmtpd)');
  const nodemailer = requirePeer<Nodemailer>('nodemailer');
  const server = await startSmtpServer(python, { discard: true });
  const options: SmtpOptions = { host: '127.0.0.1', port: server.ports.starttls, security: 'starttls', username: SMTP_USER, password: SMTP_PASSWORD, ca: TEST_CA, auth: 'plain' };
  const build = () => buildMessage({ from: FIELDS.from, to: [FIELDS.to], subject: FIELDS.subject, text: FIELDS.text, html: FIELDS.html });
  const ready = build();

  /** Messages/s of `count` messages over one new connection (connect, TLS and AUTH included). */
  const ours = (compose: boolean) => async () => {
    const started = performance.now();
    const conn = await SmtpConnection.open(options);
    for (let i = 0; i < MESSAGES; i++) {
      const m = compose ? build() : ready;
      await conn.send(m.envelope, m.raw);
    }
    await conn.quit();
    return MESSAGES / ((performance.now() - started) / 1000);
  };
  const theirs = (compose: boolean) => async () => {
    const started = performance.now();
    const transport = nodemailer.createTransport({
      pool: true, maxConnections: 1, maxMessages: Infinity, host: '127.0.0.1', port: server.ports.starttls, secure: false, requireTLS: true,
      tls: { ca: TEST_CA }, auth: { user: SMTP_USER, pass: SMTP_PASSWORD }, authMethod: 'PLAIN',
    });
    for (let i = 0; i < MESSAGES; i++) {
      if (compose) {
        await transport.sendMail({ from: FIELDS.from, to: [FIELDS.to], subject: FIELDS.subject, text: FIELDS.text, html: FIELDS.html });
      } else {
        await transport.sendMail({ envelope: ready.envelope, raw: ready.raw });
      }
    }
    transport.close();
    return MESSAGES / ((performance.now() - started) / 1000);
  };

  try {
    // Warm-up: JIT, TLS session setup code paths, the server's first connections.
    await ours(true)();
    await theirs(true)();
    for (const [label, compose] of [['ready-made message (transport only)', false], ['built from fields each time (MIME + transport)', true]] as const) {
      console.log(`${label}: ${MESSAGES} messages per round over one STARTTLS+AUTH connection`);
      const result = await alternateRounds(ROUNDS, ours(compose), theirs(compose), (round, a, b) => {
        console.log(`  round ${round}: monolite ${a.toFixed(0)} msg/s, nodemailer ${b.toFixed(0)} msg/s, ratio ${(a / b).toFixed(2)}`);
      });
      const ratios = result.ours.map((a, i) => a / result.theirs[i]);
      console.log(`  median: monolite ${median(result.ours).toFixed(0)} msg/s, nodemailer ${median(result.theirs).toFixed(0)} msg/s → ${median(ratios).toFixed(2)}× nodemailer (target ≥ 1.0×)`);
    }
  } finally {
    await server.stop();
  }
}

await main();
