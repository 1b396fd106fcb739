// An SMTP submission client (RFC 5321) on node:net and node:tls: EHLO with HELO fallback, STARTTLS or implicit TLS,
// AUTH PLAIN, LOGIN and CRAM-MD5 (RFC 4954), SIZE, 8BITMIME, SMTPUTF8, PIPELINING (RFC 2920), dot-stuffing,
// per-phase timeouts, and several messages over one connection.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHmac } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

export type SmtpSecurity = 'tls' | 'starttls' | 'none';
export type SmtpAuthMethod = 'auto' | 'plain' | 'login' | 'cram-md5';

export interface SmtpTimeouts {
  /** TCP connect and TLS handshake. */
  connect: number;
  /** The server's 220 greeting (RFC 5321 allows servers 5 minutes; a submission server answers at once). */
  greeting: number;
  /** Each command's reply. */
  command: number;
  /** Sending the message and the reply to its final dot. */
  data: number;
}

export const DEFAULT_SMTP_TIMEOUTS: Readonly<SmtpTimeouts> = Object.freeze({ connect: 10_000, greeting: 30_000, command: 30_000, data: 120_000 });

export interface SmtpOptions {
  host: string;
  port: number;
  /** tls: TLS from the first byte (port 465); starttls: plain, then upgraded, and refused when the server cannot; none: plain text. */
  security: SmtpSecurity;
  /** With a username, the client authenticates; without one, it does not. */
  username?: string;
  password?: string;
  /** auto: the strongest mechanism the server offers (CRAM-MD5, then PLAIN, then LOGIN). */
  auth?: SmtpAuthMethod;
  /** Verify the server certificate (default true). */
  tlsVerify?: boolean;
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer;
  /** Name sent with EHLO; default: the local address as an address literal (`[192.0.2.1]`), always valid. */
  clientName?: string;
  /** Send credentials over a connection that is not encrypted (refused by default). */
  allowPlaintextAuth?: boolean;
  timeouts?: Partial<SmtpTimeouts>;
  /** Sees every line of the dialogue (credentials masked, message content summarized): for `monolite mail test`. */
  onLine?: (direction: 'client' | 'server', line: string) => void;
}

/** One reply: its code, the enhanced status code of RFC 3463 when the server sends one, and the text of each line. */
export interface SmtpReply {
  code: number;
  enhanced?: string;
  lines: string[];
}

/** Stable codes of SmtpError, for callers to match on. */
export type SmtpErrorCode =
  | 'smtp_reply' // the server refused (see reply)
  | 'smtp_auth' // the server refused the credentials
  | 'smtp_timeout'
  | 'smtp_network' // could not connect, or the connection broke
  | 'smtp_tls' // handshake or certificate failure
  | 'smtp_unsupported' // the server lacks what this message or this configuration needs
  | 'smtp_insecure' // credentials would travel in clear text
  | 'smtp_too_large' // larger than the server's SIZE
  | 'smtp_protocol'; // a reply that is not SMTP

/**
 * Any failure of the client. `permanent` tells a retry from a give-up: 5xx replies and configuration problems
 * (missing extension, clear-text credentials, untrusted certificate) are permanent; 4xx replies, timeouts and network
 * failures are transient.
 */
export class SmtpError extends Error {
  override name = 'SmtpError';
  readonly code: SmtpErrorCode;
  readonly permanent: boolean;
  /**
   * What the client was doing: connect, tls, greeting, ehlo, starttls, auth, mail, rcpt, data (the DATA command),
   * message (after the content was sent: the server may have it), rset, quit.
   */
  readonly phase: string;
  readonly reply?: SmtpReply;

  constructor(code: SmtpErrorCode, message: string, options: { permanent: boolean; phase: string; reply?: SmtpReply; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.permanent = options.permanent;
    this.phase = options.phase;
    this.reply = options.reply;
  }
}

export interface SmtpEnvelope {
  from: string;
  to: string[];
}

export interface SmtpSendOptions {
  /** The message has 8-bit content: sent with BODY=8BITMIME, refused when the server does not offer it. */
  eightBit?: boolean;
  /** Addresses or headers hold UTF-8 (RFC 6531): sent with SMTPUTF8, refused when the server does not offer it. */
  utf8?: boolean;
}

export interface SmtpSendResult {
  /** Recipients the server accepted. */
  accepted: string[];
  /** Recipients the server refused, with its reply; the message went to the others. */
  rejected: { recipient: string; reply: SmtpReply }[];
  /** The reply to the end of the data (usually carries the server's queue id). */
  reply: SmtpReply;
  /** Bytes sent as message content (after dot-stuffing). */
  size: number;
}

// Preference of `auth = "auto"`: CRAM-MD5 never sends the password itself; PLAIN before LOGIN (one round trip).
const AUTH_PREFERENCE = ['CRAM-MD5', 'PLAIN', 'LOGIN'] as const;
const CRLF = '\r\n';
const TLS_CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|HOSTNAME/;

interface Waiter {
  resolve: (reply: SmtpReply) => void;
  reject: (err: SmtpError) => void;
  phase: string;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

/** One connection to an SMTP server, ready to send after open(): greeted, upgraded to TLS and authenticated as configured. */
export class SmtpConnection {
  #socket: Socket;
  #options: SmtpOptions;
  #timeouts: SmtpTimeouts;
  #decoder = new StringDecoder('utf8');
  #pending = '';
  #lines: string[] = [];
  #replies: SmtpReply[] = [];
  #waiters: Waiter[] = [];
  #failure: SmtpError | undefined;
  #extensions = new Map<string, string>();
  #secure: boolean;
  #mechanism: string | undefined;
  #onData = (chunk: Buffer) => this.#receive(chunk);

  private constructor(socket: Socket, options: SmtpOptions, timeouts: SmtpTimeouts) {
    this.#socket = socket;
    this.#options = options;
    this.#timeouts = timeouts;
    this.#secure = options.security === 'tls';
    this.#attach(socket);
  }

  /** Connects, reads the greeting, says EHLO, upgrades with STARTTLS and authenticates, as `options` say. */
  static async open(options: SmtpOptions): Promise<SmtpConnection> {
    validateOptions(options);
    const timeouts = { ...DEFAULT_SMTP_TIMEOUTS, ...options.timeouts };
    const socket = await openSocket(options, timeouts.connect);
    const conn = new SmtpConnection(socket, options, timeouts);
    try {
      await conn.#handshake();
      return conn;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** Extensions from the last EHLO, by upper-case keyword, with their parameters (`SIZE` → `"35882577"`). */
  get extensions(): ReadonlyMap<string, string> {
    return this.#extensions;
  }

  /** True once the connection is encrypted. */
  get secure(): boolean {
    return this.#secure;
  }

  /** The AUTH mechanism used, when the client authenticated. */
  get mechanism(): string | undefined {
    return this.#mechanism;
  }

  /** False once the connection broke, timed out, or was closed. */
  get usable(): boolean {
    return this.#failure === undefined && !this.#socket.destroyed;
  }

  /**
   * Sends one message (CRLF line ends; dot-stuffed here). Refused recipients are reported in the result as long as
   * one was accepted. After a refusal the transaction is reset, so the connection stays usable for the next message.
   */
  async send(envelope: SmtpEnvelope, message: Buffer | string, options: SmtpSendOptions = {}): Promise<SmtpSendResult> {
    validateEnvelope(envelope);
    const content = dotStuff(typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
    const ext = this.#extensions;
    let params = '';
    const sizeLimit = Number(ext.get('SIZE') ?? 0);
    if (ext.has('SIZE')) {
      if (sizeLimit > 0 && content.length > sizeLimit) {
        throw new SmtpError('smtp_too_large', `The message is ${content.length} bytes; the server takes at most ${sizeLimit}`, { permanent: true, phase: 'mail' });
      }
      params += ` SIZE=${content.length}`;
    }
    if (options.eightBit) {
      if (!ext.has('8BITMIME')) throw unsupported('8BITMIME', 'the message has 8-bit content');
      params += ' BODY=8BITMIME';
    }
    if (options.utf8) {
      if (!ext.has('SMTPUTF8')) throw unsupported('SMTPUTF8', 'the message has UTF-8 addresses');
      params += ' SMTPUTF8';
    }
    const commands = [`MAIL FROM:<${envelope.from}>${params}`, ...envelope.to.map((to) => `RCPT TO:<${to}>`), 'DATA'];
    const replies: SmtpReply[] = [];
    if (ext.has('PIPELINING')) {
      this.#write(commands);
      // Every pipelined command gets its reply, whatever the earlier ones said.
      for (let i = 0; i < commands.length; i++) replies.push(await this.#read(phaseOf(commands[i]), this.#timeouts.command));
    } else {
      for (const command of commands) {
        // Without an accepted recipient there is nothing to send; a refused recipient lets the others go on.
        if (command === 'DATA' && !replies.slice(1).some((r) => r.code === 250 || r.code === 251)) break;
        this.#write([command]);
        const reply = await this.#read(phaseOf(command), this.#timeouts.command);
        replies.push(reply);
        if (command.startsWith('MAIL') && reply.code !== 250) break;
      }
    }

    const mail = replies[0];
    if (mail.code !== 250) {
      await this.#reset();
      throw replyError('mail', `The server refused the sender <${envelope.from}>`, mail);
    }
    const accepted: string[] = [];
    const rejected: SmtpSendResult['rejected'] = [];
    envelope.to.forEach((to, i) => {
      const reply = replies[1 + i];
      if (reply === undefined) return;
      if (reply.code === 250 || reply.code === 251) accepted.push(to);
      else rejected.push({ recipient: to, reply });
    });
    const data = replies[1 + envelope.to.length];
    if (accepted.length === 0) {
      // A pipelining server may still have said 354 to DATA: end the empty message before resetting (RFC 2920 §3.1).
      if (data?.code === 354) {
        this.#write(['.']);
        await this.#read('data', this.#timeouts.data);
      }
      await this.#reset();
      // Transient if any refusal was: a later attempt may reach that recipient.
      const worst = rejected.find((r) => r.reply.code < 500) ?? rejected[0];
      throw replyError('rcpt', `The server refused every recipient (${rejected.map((r) => `<${r.recipient}>`).join(', ')})`, worst.reply);
    }
    if (data === undefined || data.code !== 354) {
      await this.#reset();
      throw replyError('data', 'The server refused DATA', data ?? { code: 503, lines: ['No DATA reply'] });
    }
    this.#options.onLine?.('client', `<${content.length} bytes of message content>`);
    // One segment for the content's end and the dot: two small writes in a row would wait out the server's delayed
    // ACK (40 ms on Linux) under Nagle's algorithm.
    this.#socket.cork();
    this.#socket.write(content);
    this.#write(['.']);
    this.#socket.uncork();
    const final = await this.#read('message', this.#timeouts.data);
    if (final.code !== 250) {
      await this.#reset();
      throw replyError('message', 'The server refused the message', final);
    }
    return { accepted, rejected, reply: final, size: content.length };
  }

  /** Says QUIT and closes; never throws (the server may already be gone). */
  async quit(): Promise<void> {
    if (this.usable) {
      try {
        this.#write(['QUIT']);
        await this.#read('quit', Math.min(this.#timeouts.command, 5_000));
      } catch {
        // Nothing to do: the connection is closed below either way.
      }
    }
    this.close();
  }

  /** Closes the connection at once. */
  close(): void {
    this.#fail(new SmtpError('smtp_network', 'The connection was closed', { permanent: false, phase: 'close' }));
  }

  async #handshake(): Promise<void> {
    const greeting = await this.#read('greeting', this.#timeouts.greeting);
    if (greeting.code !== 220) throw replyError('greeting', 'The server refused the connection', greeting);
    await this.#hello();
    if (this.#options.security === 'starttls') {
      if (!this.#extensions.has('STARTTLS')) {
        throw unsupported('STARTTLS', 'mail.security is "starttls"; set it to "tls" for port 465, or "none" to send in clear text');
      }
      this.#write(['STARTTLS']);
      const reply = await this.#read('starttls', this.#timeouts.command);
      if (reply.code !== 220) throw replyError('starttls', 'The server refused STARTTLS', reply);
      await this.#upgrade();
      await this.#hello(); // RFC 3207 §4.2: forget what was learned before TLS
    }
    if (this.#options.username) await this.#authenticate();
  }

  async #hello(): Promise<void> {
    const name = this.#options.clientName || addressLiteral(this.#socket.localAddress);
    this.#write([`EHLO ${name}`]);
    let reply = await this.#read('ehlo', this.#timeouts.command);
    this.#extensions = new Map();
    if (reply.code === 250) {
      for (const line of reply.lines.slice(1)) {
        const space = line.indexOf(' ');
        const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
        const params = space === -1 ? '' : line.slice(space + 1).trim();
        // Old servers announce "AUTH=LOGIN PLAIN" beside (or instead of) "AUTH LOGIN PLAIN".
        if (keyword.startsWith('AUTH=')) this.#extensions.set('AUTH', `${this.#extensions.get('AUTH') ?? ''} ${line.slice(5)}`.trim());
        else this.#extensions.set(keyword, keyword === 'AUTH' ? `${this.#extensions.get('AUTH') ?? ''} ${params}`.trim() : params);
      }
      return;
    }
    if (reply.code >= 500) {
      // A server without ESMTP: HELO, and no extensions.
      this.#write([`HELO ${name}`]);
      reply = await this.#read('helo', this.#timeouts.command);
      if (reply.code === 250) return;
    }
    throw replyError('ehlo', 'The server refused EHLO', reply);
  }

  async #upgrade(): Promise<void> {
    const plain = this.#socket;
    plain.off('data', this.#onData);
    this.#socket = await handshakeTls({ socket: plain }, this.#options, this.#timeouts.connect);
    this.#secure = true;
    this.#attach(this.#socket);
  }

  async #authenticate(): Promise<void> {
    const { username = '', password = '', auth = 'auto' } = this.#options;
    if (!this.#secure && !this.#options.allowPlaintextAuth) {
      throw new SmtpError('smtp_insecure', 'Refusing to send credentials over a connection that is not encrypted (use security "tls" or "starttls")', { permanent: true, phase: 'auth' });
    }
    const offered = new Set((this.#extensions.get('AUTH') ?? '').toUpperCase().split(/\s+/).filter(Boolean));
    if (offered.size === 0) throw unsupported('AUTH', 'a username is configured');
    const mechanism = auth === 'auto' ? AUTH_PREFERENCE.find((m) => offered.has(m)) : auth.toUpperCase();
    if (mechanism === undefined || !offered.has(mechanism)) {
      throw unsupported(mechanism === undefined ? 'AUTH CRAM-MD5, PLAIN or LOGIN' : `AUTH ${mechanism}`, `it offers AUTH ${[...offered].join(' ')}`);
    }
    let reply: SmtpReply;
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    if (mechanism === 'PLAIN') {
      this.#write([`AUTH PLAIN ${b64(`\0${username}\0${password}`)}`], 'AUTH PLAIN ****');
      reply = await this.#read('auth', this.#timeouts.command);
    } else if (mechanism === 'LOGIN') {
      this.#write(['AUTH LOGIN']);
      reply = await this.#read('auth', this.#timeouts.command);
      if (reply.code === 334) {
        this.#write([b64(username)], '****');
        reply = await this.#read('auth', this.#timeouts.command);
      }
      if (reply.code === 334) {
        this.#write([b64(password)], '****');
        reply = await this.#read('auth', this.#timeouts.command);
      }
    } else {
      this.#write(['AUTH CRAM-MD5']);
      reply = await this.#read('auth', this.#timeouts.command);
      if (reply.code === 334) {
        const challenge = Buffer.from(reply.lines[0] ?? '', 'base64');
        const digest = createHmac('md5', password).update(challenge).digest('hex');
        this.#write([b64(`${username} ${digest}`)], '****');
        reply = await this.#read('auth', this.#timeouts.command);
      }
    }
    if (reply.code === 334) {
      this.#write(['*']); // cancel an exchange the server wants to go on with (RFC 4954 §4)
      reply = await this.#read('auth', this.#timeouts.command);
    }
    if (reply.code !== 235) {
      const permanent = reply.code >= 500;
      throw new SmtpError('smtp_auth', `Authentication with ${mechanism} failed: ${replyText(reply)}`, { permanent, phase: 'auth', reply });
    }
    this.#mechanism = mechanism;
  }

  async #reset(): Promise<void> {
    try {
      this.#write(['RSET']);
      const reply = await this.#read('rset', this.#timeouts.command);
      if (reply.code !== 250) this.close();
    } catch {
      this.close();
    }
  }

  #attach(socket: Socket): void {
    // A dialogue of short lines, each awaited: Nagle's algorithm would only add delay.
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', (err) => this.#fail(networkError(err, 'connection')));
    socket.on('close', () => this.#fail(new SmtpError('smtp_network', 'The server closed the connection', { permanent: false, phase: this.#waiters[0]?.phase ?? 'idle' })));
  }

  #write(lines: string[], shown?: string): void {
    if (this.#failure) throw this.#failure;
    for (const line of lines) this.#options.onLine?.('client', shown ?? line);
    this.#socket.write(lines.join(CRLF) + CRLF);
  }

  #receive(chunk: Buffer): void {
    this.#pending += this.#decoder.write(chunk);
    let nl;
    while ((nl = this.#pending.indexOf('\n')) !== -1) {
      const line = this.#pending.slice(0, nl).replace(/\r$/, '');
      this.#pending = this.#pending.slice(nl + 1);
      this.#options.onLine?.('server', line);
      const match = /^([2-5]\d\d)([ -]|$)(.*)$/.exec(line);
      if (match === null || (this.#lines.length > 0 && !line.startsWith(this.#lines[0].slice(0, 3)))) {
        this.#fail(new SmtpError('smtp_protocol', `The server sent a line that is not an SMTP reply: ${JSON.stringify(line.slice(0, 200))}`, { permanent: false, phase: this.#waiters[0]?.phase ?? 'idle' }));
        return;
      }
      this.#lines.push(line);
      if (match[2] === '-') continue;
      const code = Number(match[1]);
      const texts = this.#lines.map((l) => l.slice(4));
      this.#lines = [];
      const enhanced = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/.exec(texts[0]);
      const reply: SmtpReply = enhanced
        ? { code, enhanced: enhanced[1], lines: texts.map((t) => t.replace(/^[245]\.\d{1,3}\.\d{1,3} ?/, '')) }
        : { code, lines: texts };
      const waiter = this.#waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(reply);
        this.#armTimer();
      } else {
        this.#replies.push(reply);
      }
    }
    if (this.#pending.length > 65_536) {
      this.#fail(new SmtpError('smtp_protocol', 'The server sent a line longer than 64 KiB', { permanent: false, phase: this.#waiters[0]?.phase ?? 'idle' }));
    }
  }

  /** The next reply, in order; a timeout breaks the connection (what the server says later would be out of step). */
  #read(phase: string, timeoutMs: number): Promise<SmtpReply> {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject, phase, timeoutMs });
      this.#armTimer();
    });
  }

  // Only the head waiter's clock runs: a pipelined command's time starts when the replies before it arrived.
  #armTimer(): void {
    const head = this.#waiters[0];
    if (head === undefined || head.timer !== undefined) return;
    head.timer = setTimeout(() => {
      this.#fail(new SmtpError('smtp_timeout', `No reply from the server within ${head.timeoutMs} ms (${head.phase})`, { permanent: false, phase: head.phase }));
    }, head.timeoutMs);
  }

  #fail(err: SmtpError): void {
    if (this.#failure === undefined) this.#failure = err;
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.#socket.destroy();
  }
}

/**
 * Sends messages over one connection and says QUIT. Each message gets its result or its error; a failure of the
 * connection itself (network, timeout) fails the messages not yet sent with the same error.
 */
export async function sendMail(
  options: SmtpOptions,
  messages: { envelope: SmtpEnvelope; raw: Buffer | string; options?: SmtpSendOptions }[],
): Promise<({ ok: true; result: SmtpSendResult } | { ok: false; error: SmtpError })[]> {
  const conn = await SmtpConnection.open(options);
  const results: ({ ok: true; result: SmtpSendResult } | { ok: false; error: SmtpError })[] = [];
  try {
    for (const message of messages) {
      try {
        results.push({ ok: true, result: await conn.send(message.envelope, message.raw, message.options) });
      } catch (err) {
        if (!(err instanceof SmtpError)) throw err;
        results.push({ ok: false, error: err });
      }
    }
  } finally {
    await conn.quit();
  }
  return results;
}

/**
 * Message content as SMTP carries it (RFC 5321 §2.3.8, §4.5.2): every line end CRLF (a bare CR or LF would be refused,
 * or worse, read differently by the next server), a line that starts with "." gets another one, and the content ends
 * with CRLF so that the terminating "." stands on a line of its own. Returns `data` itself when nothing changes.
 */
export function dotStuff(data: Buffer): Buffer {
  if (isSmtpReady(data)) return data;
  const out = Buffer.allocUnsafe(data.length * 2 + 2);
  let o = 0;
  let lineStart = true;
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b === 0x0d || b === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      if (b === 0x0d && data[i + 1] === 0x0a) i++;
      lineStart = true;
      continue;
    }
    if (lineStart && b === 0x2e) out[o++] = 0x2e;
    out[o++] = b;
    lineStart = false;
  }
  if (!lineStart) {
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  return out.subarray(0, o);
}

// The usual case, checked with native searches only: CRLF line ends, no line starting with ".", a final CRLF.
function isSmtpReady(data: Buffer): boolean {
  const n = data.length;
  if (n === 0) return true;
  if (data[0] === 0x2e || data[n - 2] !== 0x0d || data[n - 1] !== 0x0a) return false;
  if (data.indexOf('\n.') !== -1) return false;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) if (data[i - 1] !== 0x0d) return false;
  for (let i = data.indexOf(0x0d); i !== -1; i = data.indexOf(0x0d, i + 1)) if (data[i + 1] !== 0x0a) return false;
  return true;
}

function validateOptions(options: SmtpOptions): void {
  if (!options.host) throw new TypeError('SMTP host is empty');
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new RangeError(`SMTP port ${JSON.stringify(options.port)} is not in 1..65535`);
  if (!['tls', 'starttls', 'none'].includes(options.security)) throw new TypeError(`SMTP security ${JSON.stringify(options.security)} is not one of tls, starttls, none`);
  if (options.auth !== undefined && !['auto', 'plain', 'login', 'cram-md5'].includes(options.auth)) {
    throw new TypeError(`SMTP auth ${JSON.stringify(options.auth)} is not one of auto, plain, login, cram-md5`);
  }
  if (options.clientName !== undefined && /[\s<>]/.test(options.clientName)) throw new TypeError(`EHLO name ${JSON.stringify(options.clientName)} contains spaces or angle brackets`);
}

// Envelope addresses go into command lines: CR, LF, angle brackets and spaces would change the command.
function validateEnvelope(envelope: SmtpEnvelope): void {
  if (envelope.to.length === 0) throw new TypeError('The envelope has no recipient');
  for (const address of [envelope.from, ...envelope.to]) {
    if (/[\r\n<>\s]/.test(address) || address.length > 320) throw new TypeError(`Envelope address ${JSON.stringify(address)} is not a plain address`);
  }
  for (const address of envelope.to) if (!address.includes('@')) throw new TypeError(`Recipient ${JSON.stringify(address)} has no @`);
}

function phaseOf(command: string): string {
  return command.startsWith('MAIL') ? 'mail' : command.startsWith('RCPT') ? 'rcpt' : 'data';
}

function replyText(reply: SmtpReply): string {
  return `${reply.code}${reply.enhanced ? ` ${reply.enhanced}` : ''} ${reply.lines.join(' ')}`.trim();
}

function replyError(phase: string, message: string, reply: SmtpReply): SmtpError {
  return new SmtpError('smtp_reply', `${message}: ${replyText(reply)}`, { permanent: reply.code >= 500, phase, reply });
}

function unsupported(what: string, why: string): SmtpError {
  return new SmtpError('smtp_unsupported', `The server does not offer ${what}, and ${why}`, { permanent: true, phase: 'ehlo' });
}

function networkError(err: NodeJS.ErrnoException, phase: string): SmtpError {
  if (err.code && TLS_CERT_ERRORS.test(err.code)) {
    return new SmtpError('smtp_tls', `The server's certificate is not trusted (${err.code}): ${err.message}`, { permanent: true, phase, cause: err });
  }
  return new SmtpError('smtp_network', `${phase === 'connect' ? 'Could not connect' : 'Connection failed'}: ${err.message}`, { permanent: false, phase, cause: err });
}

function addressLiteral(address: string | undefined): string {
  if (!address) return '[127.0.0.1]';
  const v4 = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return isIP(v4) === 6 ? `[IPv6:${v4}]` : `[${v4}]`;
}

function openSocket(options: SmtpOptions, timeoutMs: number): Promise<Socket> {
  if (options.security === 'tls') return handshakeTls({ host: options.host, port: options.port }, options, timeoutMs);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: options.host, port: options.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError('smtp_timeout', `Could not connect to ${options.host}:${options.port} within ${timeoutMs} ms`, { permanent: false, phase: 'connect' }));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(networkError(err, 'connect'));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError); // the connection's own listener is attached before any I/O event can fire
      resolve(socket);
    });
  });
}

/** A TLS client: over a new TCP connection (implicit TLS) or over an existing socket (STARTTLS). */
function handshakeTls(target: { host: string; port: number } | { socket: Socket }, options: SmtpOptions, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      ...target,
      host: options.host,
      // SNI takes names only; certificates of IP hosts are still checked against the IP (checkServerIdentity gets host).
      servername: isIP(options.host) === 0 ? options.host : undefined,
      rejectUnauthorized: options.tlsVerify !== false,
      ca: options.ca,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError('smtp_timeout', `TLS handshake with ${options.host}:${options.port} took longer than ${timeoutMs} ms`, { permanent: false, phase: 'tls' }));
    }, timeoutMs);
    const onError = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const failure = networkError(err, 'tls');
      reject(failure.code === 'smtp_tls' ? failure : new SmtpError('smtp_tls', `TLS handshake failed: ${err.message}`, { permanent: false, phase: 'tls', cause: err }));
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
