// A fixed-rate (open-loop) HTTP load generator, as wrk2 would be: requests are due at a steady rate whatever the
// server does, and each latency is counted from when its request was due, not from when a connection was free — so a
// stalled server shows as the queue it causes (no coordinated omission). Keep-alive sockets, no pipelining.
import net from 'node:net';

export interface OpenLoopOptions {
  port: number;
  path: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Extra request headers ("Name: value"). */
  headers?: string[];
  /** Sockets kept open; a due request waits for a free one (default 64). */
  connections?: number;
}

export interface OpenLoopResult {
  /** Requests that were due during the run, and those answered. */
  due: number;
  answered: number;
  /** Answered per second of the run (answers to requests due in it, some of them received after it). */
  rps: number;
  /** Answers received during the run, per second: what the server serves when more is offered than it can take. */
  servedRps: number;
  /** Latency percentiles in ms, from each request's due time. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  non2xx: number;
  errors: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Sends GET `path` at `rate` per second for `seconds`, then waits (up to 10 s) for the answers still due. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const extra = (options.headers ?? []).map((h) => `${h}\r\n`).join('');
  const request = Buffer.from(`GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n${extra}\r\n`);
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const waiting: number[] = []; // due times of requests no socket has taken yet
  const idle: Conn[] = [];
  const all: Conn[] = [];
  let due = 0;
  let non2xx = 0;
  let errors = 0;
  let outstanding = 0;
  let start = 0;
  let runEnd = Infinity;
  let servedInRun = 0;

  interface Conn { socket: net.Socket; dueAt: number; pending: Buffer | null }

  const dispatch = () => {
    while (waiting.length > 0 && idle.length > 0) {
      const conn = idle.pop()!;
      conn.dueAt = waiting.shift()!;
      conn.socket.write(request);
    }
  };

  const open = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: options.port, noDelay: true });
      const conn: Conn = { socket, dueAt: 0, pending: null };
      all.push(conn);
      socket.once('connect', () => resolve(conn));
      socket.once('error', (err) => {
        errors++;
        reject(err);
      });
      socket.on('data', (chunk: Buffer) => {
        const buf = conn.pending === null ? chunk : Buffer.concat([conn.pending, chunk]);
        conn.pending = null;
        const end = buf.indexOf(HEAD_END);
        if (end === -1) return void (conn.pending = buf);
        const head = buf.toString('latin1', 0, end);
        const length = contentLength(head);
        if (length < 0) throw new Error(`An answer to GET ${options.path} has no Content-Length: ${head.split('\r\n')[0]}`);
        if (buf.length < end + 4 + length) return void (conn.pending = buf);
        const now = performance.now();
        latencies.push(now - conn.dueAt);
        if (now <= runEnd) servedInRun++;
        const status = Number(head.slice(9, 12));
        if (!(status >= 200 && status < 400)) non2xx++;
        outstanding--;
        idle.push(conn);
        dispatch();
      });
    });

  for (let i = 0; i < (options.connections ?? 64); i++) idle.push(await open());
  start = performance.now();
  const end = start + options.seconds * 1000;
  runEnd = end;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = Math.min(performance.now(), end);
      // Every request whose due time has come, each with its own due time (a late tick does not shift them).
      for (let at = start + due * interval; at <= now; at = start + due * interval) {
        waiting.push(at);
        due++;
        outstanding++;
      }
      dispatch();
      if (performance.now() < end) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const drainUntil = performance.now() + 10_000;
  while (outstanding > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  for (const conn of all) conn.socket.destroy();
  const answered = latencies.length;
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) => (answered === 0 ? NaN : sorted[Math.min(answered - 1, Math.max(0, Math.ceil(p * answered) - 1))]);
  return { due, answered, rps: answered / options.seconds, servedRps: servedInRun / options.seconds, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1), non2xx, errors: errors + (due - answered) };
}

/** The Content-Length of a response head, or -1 when it has none. */
function contentLength(head: string): number {
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return match === null ? -1 : Number(match[1]);
}
