// Test support: a real SMTP server (Debian's python3-aiosmtpd, driven by smtp-server.py) on loopback, with the
// test-only certificate in test/support/tls/ (self-signed for localhost and 127.0.0.1; trusted nowhere else).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { findPython } from './python.ts';
import { until } from './until.ts';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const TEST_CA = readFileSync(join(HERE, 'tls/cert.pem'));
export const SMTP_USER = 'mailer@monolite.test';
export const SMTP_PASSWORD = 'p4ss wörd';

export interface StoredMessage {
  raw: Buffer;
  mail_from: string;
  rcpt_tos: string[];
  mail_options: string[];
  mechanism: string | null;
  tls: boolean;
  /** The client's [address, port]: one connection, one port. */
  peer: [string, number];
}

export interface SmtpTestServer {
  ports: { starttls: number; tls: number; plain: number };
  /** Messages stored so far, in arrival order. */
  messages(): StoredMessage[];
  stop(): Promise<void>;
}

export const NO_SMTP_SERVER = 'no Python with aiosmtpd (Debian package python3-aiosmtpd; .ci/run installs it)';

/**
 * A Python with aiosmtpd, or undefined: the tests that need it then skip with NO_SMTP_SERVER — except under CI=true,
 * where this fails (.ci/run installs python3-aiosmtpd).
 */
export function smtpPython(): string | undefined {
  const python = findPython('aiosmtpd');
  if (python === undefined && process.env.CI === 'true') assert.fail(`${NO_SMTP_SERVER} (CI=true requires it)`);
  return python;
}

/** Starts the server; AUTH with SMTP_USER/SMTP_PASSWORD is required on every port. */
export async function startSmtpServer(python: string, options: { size?: number; discard?: boolean } = {}): Promise<SmtpTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-smtp-'));
  const args = [join(HERE, 'smtp-server.py'), '--dir', dir, '--cert', join(HERE, 'tls/cert.pem'), '--key', join(HERE, 'tls/key.pem'),
    '--user', SMTP_USER, '--password', SMTP_PASSWORD];
  if (options.size !== undefined) args.push('--size', String(options.size));
  if (options.discard) args.push('--discard');
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<SmtpTestServer['ports']>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
    child.once('error', reject);
    exited.then(() => reject(new Error(`The SMTP test server exited:\n${stderr}`)));
  });
  return {
    ports,
    messages() {
      return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => ({
        ...JSON.parse(readFileSync(join(dir, f), 'utf8')),
        raw: readFileSync(join(dir, f.replace(/\.json$/, '.eml'))),
      }));
    },
    async stop() {
      child.stdin!.end();
      child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The 6-digit code in the newest message to `to` among those after the first `seen`, waiting up to 10 s for it. */
export async function mailedCode(smtp: SmtpTestServer, to: string, seen: number): Promise<string> {
  let code: string | undefined;
  await until(() => {
    const mine = smtp.messages().slice(seen).filter((m) => m.rcpt_tos.includes(to));
    code = mine.length > 0 ? /^ {4}(\d{6})\r?$/m.exec(mine[mine.length - 1].raw.toString('latin1'))?.[1] : undefined;
    return code !== undefined;
  }, `a code mailed to ${to}`, 10_000);
  return code!;
}
