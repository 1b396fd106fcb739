// Delivery shared by the notifiers that POST to an HTTP endpoint (Discord, the generic webhook): a token-bucket rate
// limit, a background POST with a timeout, 429 handling, the counters, and a close bounded by a deadline.
//
// Nothing is ever queued: a notification that cannot go out now (no token, or the target told us to wait) is
// dropped and counted, so a flood of alarms costs a counter increment each, never memory.
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenBucket } from '../lib/token-bucket.ts';
import type { Notification, Notifier, NotifierStats, NotifyLog } from './notifier.ts';

export interface HttpNotifierOptions {
  /** Milliseconds to earn one message (default 2000: one message every 2 s over time). */
  intervalMs?: number;
  /** Messages that may go out back to back (default 1). */
  burst?: number;
  /** Milliseconds one POST may take, answer body included (default 10 000). */
  timeoutMs?: number;
  log?: NotifyLog;
  /** A monotonic clock in ms for the rate limit and the 429 hold (default `performance.now`); tests inject one. */
  now?: () => number;
}

/** Where an HttpNotifier posts and what it posts. */
export interface HttpTarget {
  /** Names the target in log records; the URL never appears there, since a webhook URL carries its secret. */
  name: string;
  /** The option the URL came from, for error messages. */
  urlOption: string;
  url: string;
  headers?: Record<string, string>;
  /** The JSON request body for one notification; may throw (the notification then counts as failed). */
  encode: (n: Notification) => string;
}

// A 429 asking for a longer wait than this fails the message instead of keeping it (and the process) waiting.
const MAX_RETRY_DELAY_MS = 60_000;
// When a 429 says neither in its body nor in Retry-After how long to wait.
const DEFAULT_RETRY_DELAY_MS = 1000;
const EXCERPT_BYTES = 1024;
const EXCERPT_CHARS = 200;
const TIMER_MAX_MS = 2 ** 31 - 1;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A Notifier posting each notification's encoding to one URL. On a 429 it holds every send (dropping them) for the
 * time the target asks, then retries the 429'd message once; other failures are counted and logged, not retried.
 */
export class HttpNotifier implements Notifier {
  #name: string;
  #url: string;
  #encode: (n: Notification) => string;
  #headers: Headers;
  #timeoutMs: number;
  #bucket: TokenBucket;
  #now: () => number;
  #log: NotifyLog | undefined;
  #counts: NotifierStats = { sent: 0, dropped: 0, failed: 0 };
  #inFlight = new Set<Promise<void>>();
  // Clock time before which sends are dropped because the target answered 429.
  #heldUntil = -Infinity;
  #closing: Promise<void> | undefined;
  // Aborted when close() stops waiting: ends the fetches and retry waits still running.
  #abandon = new AbortController();

  constructor(target: HttpTarget, options: HttpNotifierOptions = {}) {
    this.#name = target.name;
    this.#url = checkUrl(target.url, target.urlOption);
    this.#encode = target.encode;
    this.#headers = buildHeaders(target.headers ?? {});
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= TIMER_MAX_MS)) {
      throw new RangeError(`Notifier timeout must be a positive number of milliseconds up to ${TIMER_MAX_MS}, got ${String(timeoutMs)}`);
    }
    this.#timeoutMs = timeoutMs;
    this.#now = options.now ?? (() => performance.now());
    this.#bucket = new TokenBucket({ intervalMs: options.intervalMs ?? 2000, burst: options.burst ?? 1, now: this.#now });
    this.#log = options.log;
  }

  send(n: Notification): void {
    try {
      if (this.#closing) return this.#drop(n, 'closed');
      const heldFor = this.#heldUntil - this.#now();
      if (heldFor > 0) return this.#drop(n, 'retry_after', heldFor);
      if (!this.#bucket.take()) return this.#drop(n, 'rate_limit', this.#bucket.refillIn());
      let body: string;
      try {
        body = this.#encode(n);
      } catch (err) {
        return this.#fail({ source: n.source, error: `cannot encode the notification: ${errorMessage(err)}` });
      }
      const delivery = this.#deliver(body);
      this.#inFlight.add(delivery);
      const forget = () => { this.#inFlight.delete(delivery); };
      delivery.then(forget, forget);
    } catch {
      // Reached only by a caller breaking the types (a null notification) or a throwing logger: send never throws.
      this.#counts.failed++;
    }
  }

  close(deadlineMs = 5000): Promise<void> {
    this.#closing ??= this.#drain(deadlineMs);
    return this.#closing;
  }

  stats(): NotifierStats {
    return { ...this.#counts };
  }

  async #drain(deadlineMs: number): Promise<void> {
    if (this.#inFlight.size === 0) return;
    const settled = Promise.all(this.#inFlight).then(() => true); // deliveries never reject
    if (deadlineMs === Infinity) return void (await settled);
    const ms = deadlineMs > 0 ? Math.min(deadlineMs, TIMER_MAX_MS) : 0;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => { timer = setTimeout(resolve, ms, false); });
    const finished = await Promise.race([settled, expired]);
    clearTimeout(timer);
    if (finished) return;
    this.#abandon.abort();
    await settled;
  }

  /** Posts `body`, retrying once after a 429; counts and logs the outcome. Never rejects. */
  async #deliver(body: string): Promise<void> {
    const abandon = this.#abandon.signal;
    try {
      let res = await this.#post(body);
      if (res.status === 429) {
        const waitMs = await this.#holdAfter(res);
        if (waitMs > MAX_RETRY_DELAY_MS) {
          return this.#fail({ status: 429, error: `the target asked to wait ${waitMs} ms, more than the ${MAX_RETRY_DELAY_MS} ms a message is kept for a retry` });
        }
        await sleep(waitMs, undefined, { signal: abandon });
        res = await this.#post(body);
        if (res.status === 429) {
          await this.#holdAfter(res);
          return this.#fail({ status: 429, error: 'rate limited again after the one retry' });
        }
      }
      if (res.status >= 200 && res.status < 300) {
        this.#counts.sent++;
        // The answer (Discord's 204 has none) is not needed; cancelling frees the connection's buffers.
        res.body?.cancel().catch(() => {});
        return;
      }
      this.#fail({ status: res.status, body: await readExcerpt(res) });
    } catch (err) {
      this.#fail({ error: abandon.aborted ? 'abandoned: the notifier closed before delivery finished' : describeFetchError(err, this.#timeoutMs) });
    }
  }

  #post(body: string): Promise<Response> {
    return fetch(this.#url, {
      method: 'POST',
      headers: this.#headers,
      body,
      // A webhook that redirects is misconfigured; following would turn the POST into a GET on the new URL.
      redirect: 'manual',
      signal: AbortSignal.any([this.#abandon.signal, AbortSignal.timeout(this.#timeoutMs)]),
    });
  }

  /** Reads how long a 429 asks to wait, holds sends until then, and returns the wait in ms. */
  async #holdAfter(res: Response): Promise<number> {
    const waitMs = retryAfterMs(await readText(res, EXCERPT_BYTES), res.headers.get('retry-after'));
    this.#heldUntil = Math.max(this.#heldUntil, this.#now() + waitMs);
    this.#warn('Notification target is rate limiting; holding sends', { target: this.#name, retry_after_ms: waitMs });
    return waitMs;
  }

  #drop(n: Notification, reason: 'closed' | 'retry_after' | 'rate_limit', retryInMs?: number): void {
    this.#counts.dropped++;
    const fields: Record<string, unknown> = { target: this.#name, reason, source: n.source };
    if (retryInMs !== undefined) fields.retry_in_ms = Math.ceil(retryInMs);
    this.#warn('Notification dropped', fields);
  }

  #fail(fields: Record<string, unknown>): void {
    this.#counts.failed++;
    try {
      this.#log?.error('Notification delivery failed', { target: this.#name, ...fields });
    } catch { /* a broken logger must not turn a counted failure into an unhandled rejection */ }
  }

  #warn(msg: string, fields: Record<string, unknown>): void {
    try {
      this.#log?.warn(msg, fields);
    } catch { /* as in #fail */ }
  }
}

function checkUrl(value: string, option: string): string {
  // The value is never quoted in these messages: a webhook URL carries its secret, and startup errors reach logs.
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`${option} must be an http(s) URL, got a value that is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`${option} must be an http(s) URL, got scheme "${url.protocol.slice(0, -1)}"`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new RangeError(`${option} must not carry credentials in the URL (fetch refuses them); send a header instead`);
  }
  return url.href;
}

function buildHeaders(extra: Record<string, string>): Headers {
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const [name, value] of Object.entries(extra)) {
    // Checked here rather than left to Headers, whose messages quote the value (often a secret token).
    if (!HEADER_NAME.test(name)) throw new RangeError(`Notifier header name "${name}" is not a valid HTTP header name`);
    if (typeof value !== 'string' || /[\0\r\n]/.test(value)) throw new RangeError(`Notifier header "${name}" must be a string without line breaks or NUL`);
    headers.set(name, value);
  }
  return headers;
}

/** The wait a 429 asks for: Discord's JSON `retry_after` (seconds, fractional), else Retry-After, else a default. */
function retryAfterMs(body: string, header: string | null): number {
  try {
    const seconds: unknown = JSON.parse(body)?.retry_after;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  } catch { /* not JSON: try the header */ }
  if (header !== null && header.trim() !== '') {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return DEFAULT_RETRY_DELAY_MS;
}

/** Up to `maxBytes` of the answer body as text; whatever arrived when reading fails (a timeout, a reset). */
async function readText(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch { /* keep what arrived */ }
  reader.cancel().catch(() => {});
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

async function readExcerpt(res: Response): Promise<string> {
  const text = (await readText(res, EXCERPT_BYTES)).trim();
  return text.length > EXCERPT_CHARS ? text.slice(0, EXCERPT_CHARS) + '…' : text;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  // fetch says only "fetch failed"; the cause has the useful part (e.g. "connect ECONNREFUSED 127.0.0.1:9").
  const cause = err instanceof Error ? err.cause : undefined;
  return cause instanceof Error ? `${errorMessage(err)}: ${cause.message}` : errorMessage(err);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
