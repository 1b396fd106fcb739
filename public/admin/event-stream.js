// A Server-Sent Events client on fetch, for streams that need an Authorization header (EventSource cannot send one,
// and a token in the URL would end up in request logs): reads the body as it arrives, parses it as the WHATWG HTML
// event-stream format (`event:`, `data:`, `id:`, `retry:`, comments), reconnects after the `retry:` delay, and stops
// for good when its signal aborts.

/**
 * Events of an event-stream text fed in pieces: `push(text)` returns the events completed so far, each
 * `{type, data, id}`. Lines end in CRLF, LF or CR; `retry` holds the last valid `retry:` in ms (null before one).
 */
export class EventStreamParser {
  #buffer = '';
  #pendingCR = false;
  #type = '';
  #data = [];
  #hasData = false;
  /** The last event id, kept across events as the format says (sent back as Last-Event-ID on reconnection). */
  lastEventId = '';
  retry = null;

  push(text) {
    const events = [];
    let chunk = text;
    // A CR that ended the previous piece and an LF that starts this one are one line end.
    if (this.#pendingCR && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.#pendingCR = false;
    this.#buffer += chunk;
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      const event = this.#line(this.#buffer.slice(start, i));
      if (event !== null) events.push(event);
      if (c === '\r') {
        if (i + 1 === this.#buffer.length) this.#pendingCR = true;
        else if (this.#buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  /** One line: a field, a comment, or the blank line that dispatches the event gathered so far. */
  #line(line) {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') {
      this.#data.push(value);
      this.#hasData = true;
    } else if (field === 'id') {
      if (!value.includes('\0')) this.lastEventId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) this.retry = Number(value);
    }
    return null;
  }

  #dispatch() {
    const event = this.#hasData ? { type: this.#type || 'message', data: this.#data.join('\n'), id: this.lastEventId } : null;
    this.#type = '';
    this.#data = [];
    this.#hasData = false;
    return event;
  }
}


/**
 * @typedef {{ type: string, data: string, id: string }} StreamEvent
 * @typedef {{
 *   open: (headers: Record<string, string>, signal: AbortSignal) => Promise<Response>,
 *   onEvent: (event: StreamEvent) => void,
 *   signal: AbortSignal,
 *   onOpen?: () => void,
 *   onDisconnect?: (err: any, delayMs: number) => void,
 *   shouldRetry?: (err: any) => boolean,
 *   defaultRetryMs?: number,
 * }} FollowOptions
 */

/**
 * Reads an event stream until `signal` aborts, reconnecting after each end or network failure.
 * - `open(headers, signal)` makes each (re)connection's request with these headers (Accept, Last-Event-ID) and
 *   resolves to its 2xx Response, or throws (the SDK's `request`, which adds the session's token).
 * - `onOpen()` once a connection delivers the stream; `onEvent(event)` for each event.
 * - `onDisconnect(err, delayMs)` when a connection ends and the next try waits `delayMs` (the server's `retry:`,
 *   else `defaultRetryMs`).
 * - `shouldRetry(err)`: false stops for good (an answer such as 401 or 403 that another try would get again).
 * Resolves when stopped: on abort (undefined), or with the error that shouldRetry refused.
 * @param {FollowOptions} options
 * @returns {Promise<unknown>}
 */
export async function followEventStream({ open, onOpen, onEvent, onDisconnect, shouldRetry, signal, defaultRetryMs = 3000 }) {
  let retryMs = defaultRetryMs;
  let lastEventId = '';
  while (!signal.aborted) {
    let failure = null;
    try {
      const headers = lastEventId === '' ? { accept: 'text/event-stream' } : { accept: 'text/event-stream', 'last-event-id': lastEventId };
      const res = await open(headers, signal);
      if (!/^text\/event-stream\b/i.test(res.headers.get('content-type') ?? '') || res.body === null) {
        throw new Error(`The answer is not an event stream (${res.status} ${res.headers.get('content-type') ?? 'no content type'})`);
      }
      onOpen?.();
      const parser = new EventStreamParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      // Abort cancels the reader: read() rejects with an AbortError, which ends the loop below.
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) onEvent(event);
        if (parser.retry !== null) retryMs = parser.retry;
        lastEventId = parser.lastEventId;
      }
      failure = new Error('The stream ended');
    } catch (err) {
      if (signal.aborted) return undefined;
      failure = err;
    }
    if (shouldRetry && !shouldRetry(failure)) return failure;
    onDisconnect?.(failure, retryMs);
    await sleep(retryMs, signal);
  }
  return undefined;
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
