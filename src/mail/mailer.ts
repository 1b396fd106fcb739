// Transactional mail: messages are queued as `mail.send` jobs (never sent inside a request), rendered from the
// templates when the job runs, built as MIME, DKIM-signed when a key is configured, and sent with the live [mail]
// settings over one SMTP connection that stays open a few seconds for the next message.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SmtpConnection, SmtpOptions, SmtpSendResult } from '../lib/smtp.ts';
import type { Config } from '../config/schema.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { EnqueueResult } from '../jobs/queue.ts';
import type { Logger } from '../log/logger.ts';
import { buildMessage } from './mime.ts';
import { signDkim } from './dkim.ts';
import { renderMail, TEMPLATES_FOLDER, type RenderedMail } from './templates.ts';

export const MAIL_JOB = 'mail.send';

export type MailSettings = Config['mail'];

/** A message: a template with its variables (app_name is filled from mail.from_name), or a subject and bodies. */
export type OutgoingMail = { to: string; toName?: string } & (
  | { template: string; vars: Record<string, string | number> }
  | { subject: string; text: string; html?: string }
);

/** The configuration cannot send this (no host, no sender, an unreadable key): permanent, so the job dies at once. */
export class MailConfigError extends Error {
  override name = 'MailConfigError';
  readonly permanent = true;
}

export interface ComposedMail {
  raw: Buffer;
  messageId: string;
  envelope: { from: string; to: string[] };
  eightBit: boolean;
  utf8: boolean;
  rendered: RenderedMail;
}

export interface MailerOptions {
  settings: () => MailSettings;
  /** Template files are read from <dataDir>/mail-templates; relative key and CA files resolve against it. */
  dataDir: string;
  log: Logger;
  /** The queue mail jobs go through (the `mail.send` handler is registered on it). */
  jobs?: JobRunner;
  /** How long an idle SMTP connection is kept for the next message; default 5 s. */
  idleMs?: number;
}

/** Counts for the metrics. */
export interface MailStats {
  sent: number;
  failedTransient: number;
  failedPermanent: number;
}

// A job may wait for a slow server: connect, TLS, and the data timeout.
const MAIL_JOB_TIMEOUT_MS = 5 * 60_000;

export class Mailer {
  readonly #options: MailerOptions;
  #conn: SmtpConnection | undefined;
  #connKey = '';
  #idle: NodeJS.Timeout | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  readonly stats: MailStats = { sent: 0, failedTransient: 0, failedPermanent: 0 };

  constructor(options: MailerOptions) {
    this.#options = options;
    options.jobs?.register(MAIL_JOB, (payload, { signal }) => this.send(parseMailPayload(payload), { signal }), {
      timeoutMs: MAIL_JOB_TIMEOUT_MS,
      concurrency: 1,
    });
  }

  /**
   * Queues a message as a `mail.send` job. The template and its variables are checked now, so a mistake fails the
   * caller, not a job later. `dedupKey` with `dedupWindowMs`: at most one such message per window.
   */
  enqueue(mail: OutgoingMail, options: { dedupKey?: string; dedupWindowMs?: number; maxAttempts?: number } = {}): EnqueueResult {
    if (this.#options.jobs === undefined) throw new Error('This mailer has no job queue');
    parseMailPayload(mail);
    if ('template' in mail) this.#render(mail);
    return this.#options.jobs.enqueue(MAIL_JOB, mail, { maxAttempts: 8, ...options });
  }

  /** Renders, builds and signs a message with the current settings, without sending it. */
  compose(mail: OutgoingMail): ComposedMail {
    const settings = this.#options.settings();
    if (!settings.from) throw new MailConfigError('mail.from is not set: there is no sender address');
    const rendered = this.#render(mail);
    const built = buildMessage({
      from: { address: settings.from, name: settings.from_name || undefined },
      to: [{ address: mail.to, name: mail.toName }],
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html || undefined,
    }, { hostname: domainOf(settings.from) });
    const raw = this.#dkim(settings, built.raw);
    return { raw, messageId: built.messageId, envelope: built.envelope, eightBit: built.eightBit, utf8: built.utf8Addresses, rendered };
  }

  /**
   * Sends a message now (jobs call this; so does `monolite mail test`). Reuses the open connection when the settings
   * did not change; a reused connection the server had dropped is replaced once, transparently, as long as the
   * message content was not sent yet.
   */
  send(mail: OutgoingMail, options: { signal?: AbortSignal; onLine?: SmtpOptions['onLine'] } = {}): Promise<SmtpSendResult & { messageId: string }> {
    const run = this.#chain.then(() => this.#send(mail, options));
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Closes the idle connection (QUIT). */
  async close(): Promise<void> {
    await this.#chain;
    clearTimeout(this.#idle);
    const conn = this.#conn;
    this.#conn = undefined;
    await conn?.quit();
  }

  async #send(mail: OutgoingMail, options: { signal?: AbortSignal; onLine?: SmtpOptions['onLine'] }): Promise<SmtpSendResult & { messageId: string }> {
    clearTimeout(this.#idle);
    try {
      const smtp = this.#smtpOptions(options.onLine);
      const composed = this.compose(mail);
      // Loaded by the first message rather than at start: the SMTP client brings node:tls with it.
      const { SmtpConnection, SmtpError } = await import('../lib/smtp.ts');
      const key = JSON.stringify({ ...smtp, onLine: undefined, ca: smtp.ca?.toString() });
      let conn = this.#conn;
      const fresh = conn === undefined || !conn.usable || key !== this.#connKey || options.onLine !== undefined;
      if (fresh) {
        conn?.close();
        conn = this.#conn = await SmtpConnection.open(smtp);
        this.#connKey = options.onLine === undefined ? key : '';
      }
      const abort = () => this.#conn?.close();
      options.signal?.addEventListener('abort', abort, { once: true });
      let result: SmtpSendResult;
      try {
        result = await conn!.send(composed.envelope, composed.raw, { eightBit: composed.eightBit, utf8: composed.utf8 });
      } catch (err) {
        if (fresh || !(err instanceof SmtpError) || err.permanent || err.phase === 'message' || options.signal?.aborted) throw err;
        // The server closed the connection while it sat idle: one new connection, the content was never sent.
        conn = this.#conn = await SmtpConnection.open(smtp);
        result = await conn.send(composed.envelope, composed.raw, { eightBit: composed.eightBit, utf8: composed.utf8 });
      } finally {
        options.signal?.removeEventListener('abort', abort);
      }
      this.stats.sent++;
      for (const { recipient, reply } of result.rejected) {
        this.#options.log.warn('Mail recipient refused', { to: recipient, code: reply.code, reply: reply.lines.join(' ') });
      }
      this.#options.log.info('Mail sent', { to: mail.to, message_id: composed.messageId, reply: result.reply.lines.join(' ') });
      if (options.onLine !== undefined) {
        this.#conn = undefined;
        await conn!.quit();
      }
      return { ...result, messageId: composed.messageId };
    } catch (err) {
      const permanent = (err as { permanent?: unknown }).permanent === true;
      if (permanent) this.stats.failedPermanent++;
      else this.stats.failedTransient++;
      this.#conn?.close();
      this.#conn = undefined;
      throw err;
    } finally {
      if (this.#conn !== undefined) {
        this.#idle = setTimeout(() => {
          const conn = this.#conn;
          this.#conn = undefined;
          void conn?.quit();
        }, this.#options.idleMs ?? 5_000);
        this.#idle.unref();
      }
    }
  }

  #render(mail: OutgoingMail): RenderedMail {
    if ('template' in mail) {
      const vars = { app_name: this.#options.settings().from_name || 'monolite', ...mail.vars };
      return renderMail(mail.template, vars, join(this.#options.dataDir, TEMPLATES_FOLDER));
    }
    return { subject: mail.subject, text: mail.text, html: mail.html ?? '' };
  }

  #smtpOptions(onLine: SmtpOptions['onLine']): SmtpOptions {
    const s = this.#options.settings();
    if (!s.host) throw new MailConfigError('mail.host is not set: there is no SMTP server to send through');
    let ca: Buffer | undefined;
    if (s.ca_file) {
      try {
        ca = readFileSync(resolve(this.#options.dataDir, s.ca_file));
      } catch (err) {
        throw new MailConfigError(`Cannot read mail.ca_file "${s.ca_file}": ${(err as Error).message}`);
      }
    }
    return {
      host: s.host, port: s.port, security: s.security as SmtpOptions['security'],
      username: s.username || undefined, password: s.password, auth: s.auth as SmtpOptions['auth'],
      tlsVerify: s.tls_verify, ca, allowPlaintextAuth: s.allow_plaintext_auth, onLine,
      timeouts: { command: s.timeout, greeting: s.timeout, connect: s.timeout, data: 4 * s.timeout },
    };
  }

  #dkim(s: MailSettings, raw: Buffer): Buffer {
    const set = [s.dkim_domain, s.dkim_selector, s.dkim_key_file].filter(Boolean).length;
    if (set === 0) return raw;
    if (set < 3) throw new MailConfigError('DKIM needs mail.dkim_domain, mail.dkim_selector and mail.dkim_key_file together');
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(readFileSync(resolve(this.#options.dataDir, s.dkim_key_file)));
    } catch (err) {
      throw new MailConfigError(`Cannot load the DKIM key mail.dkim_key_file "${s.dkim_key_file}": ${(err as Error).message}`);
    }
    return signDkim(raw, { domain: s.dkim_domain, selector: s.dkim_selector, privateKey });
  }
}

/** Checks a `mail.send` payload (a job's, or a caller's) and returns it typed. */
export function parseMailPayload(payload: unknown): OutgoingMail {
  const p = payload as Record<string, unknown> | null;
  const bad = (why: string) => Object.assign(new TypeError(`Invalid mail: ${why}`), { permanent: true });
  if (p === null || typeof p !== 'object') throw bad('not an object');
  if (typeof p.to !== 'string' || !/^[^\s@<>]+@[^\s@<>]+$/.test(p.to)) throw bad(`"to" is not an address: ${JSON.stringify(p.to)}`);
  if (p.toName !== undefined && typeof p.toName !== 'string') throw bad('"toName" is not a string');
  if ('template' in p) {
    if (typeof p.template !== 'string') throw bad('"template" is not a string');
    if (p.vars === null || typeof p.vars !== 'object') throw bad('"vars" is not an object');
    return p as OutgoingMail;
  }
  if (typeof p.subject !== 'string' || typeof p.text !== 'string') throw bad('needs "template" and "vars", or "subject" and "text"');
  if (p.html !== undefined && typeof p.html !== 'string') throw bad('"html" is not a string');
  return p as OutgoingMail;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'localhost';
}
