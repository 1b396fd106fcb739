// A Server-Sent Events response (text/event-stream, WHATWG HTML §9.2): the reconnection delay first, then events with
// an `id:` each, heartbeat comments so that idle proxies keep the connection, and a clean end — by the client going
// away or by close() — after which nothing more is written and every timer is gone.
import type { Context } from '../http/context.ts';

export interface EventStreamOptions {
  /** The `retry:` a browser's EventSource waits before it reconnects, in ms. */
  retryMs: number;
  /** A comment line this often, in ms (0: none). */
  heartbeatMs: number;
}

export class EventStream {
  readonly #ctx: Context;
  #nextId = 1;
  #closed = false;
  /** The socket's buffer is full: events are skipped (a live feed has no use for stale ones) until it drains. */
  #congested = false;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #onClose: (() => void)[] = [];

  /** Sends the response head and the `retry:` field; the stream is open until the client leaves or close(). */
  constructor(ctx: Context, options: EventStreamOptions) {
    this.#ctx = ctx;
    const res = ctx.res;
    ctx.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and some other proxies buffer responses unless told not to, which would hold events back.
      'x-accel-buffering': 'no',
    });
    res.on('close', () => this.#finish());
    res.on('drain', () => {
      this.#congested = false;
    });
    this.#write(`retry: ${Math.round(options.retryMs)}\n\n`);
    if (options.heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.#write(': heartbeat\n\n'), options.heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /** True once the client left or close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `listener` once, when the stream ends for whatever reason. */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClose.push(listener);
  }

  /** Sends one event named `event` whose data is `data` as JSON (one line: JSON text has no raw newline). */
  send(event: string, data: unknown): void {
    if (this.#closed || this.#congested) return;
    this.#write(`id: ${this.#nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the response (server shutdown); the client's EventSource would reconnect after `retry`. */
  close(): void {
    if (this.#closed) return;
    this.#ctx.res.end();
    this.#finish();
  }

  #write(text: string): void {
    const res = this.#ctx.res;
    if (this.#closed || res.destroyed || res.writableEnded) return;
    if (!res.write(text)) this.#congested = true;
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const listener of this.#onClose.splice(0)) listener();
  }
}
