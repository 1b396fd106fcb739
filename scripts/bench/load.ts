// HTTP load generator when wrk is missing: N keep-alive sockets, no pipelining, fixed time; prints req/s and latency.
import net from 'node:net';
import { parseArgs } from 'node:util';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Extra request headers ("Name: value"). */
  headers?: string[];
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency percentiles in milliseconds. */
  latencyMs: { p50: number; p75: number; p90: number; p99: number; max: number };
  /** Responses with a status outside 2xx/3xx. */
  non2xx: number;
  /** Socket errors and connections the server closed. */
  errors: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Runs the load against `url` and resolves once the time is up. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  if (target.protocol !== 'http:') throw new TypeError(`Only http: URLs are supported; got "${options.url}"`);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 80);
  // The same request wrk sends.
  const extra = (options.headers ?? []).map((h) => `${h}\r\n`).join('');
  const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${extra}\r\n`);

  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let non2xx = 0;
  let errors = 0;
  let running = false;
  let deadline = 0;

  const record = (ms: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  };

  /** Open connections, each with the function that sends its next request. */
  const sockets = new Map<net.Socket, () => void>();

  /** One connection: send, read one whole response (Content-Length framed), record, send again. */
  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      let pending: Buffer | null = null;
      let sentAt = 0;
      let connected = false;
      const send = () => {
        sentAt = performance.now();
        socket.write(request);
      };
      sockets.set(socket, send);
      socket.once('connect', () => {
        connected = true;
        resolve();
        if (running) send();
      });
      socket.on('data', (chunk: Buffer) => {
        let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
        pending = null;
        const end = buf.indexOf(HEAD_END);
        if (end === -1) {
          pending = buf;
          return;
        }
        const head = buf.toString('latin1', 0, end);
        const length = contentLength(head);
        if (length < 0) {
          errors++;
          socket.destroy();
          return;
        }
        const total = end + 4 + length;
        if (buf.length < total) {
          pending = buf;
          return;
        }
        const now = performance.now();
        if (now <= deadline) {
          record(now - sentAt);
          const status = Number(head.slice(9, 12));
          if (!(status >= 200 && status < 400)) non2xx++;
        }
        buf = buf.subarray(total);
        if (buf.length > 0) pending = buf; // not expected without pipelining; keep the bytes rather than lose sync
        if (running && now < deadline) send();
      });
      // Counted on 'close', which follows every error.
      socket.on('error', (err) => {
        if (!connected) reject(new Error(`Cannot connect to ${options.url}: ${err.message}`));
      });
      socket.on('close', () => {
        sockets.delete(socket);
        // The server dropped a keep-alive connection mid-run: count it and keep the connection count constant.
        if (running) {
          errors++;
          setTimeout(() => open().catch(() => {}), 10);
        }
      });
    });

  await Promise.all(Array.from({ length: options.connections }, open));
  deadline = performance.now() + options.seconds * 1000;
  running = true;
  // Every connection's first request goes out once all are open, so connecting does not count against the time.
  for (const send of sockets.values()) send();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  running = false;
  for (const socket of sockets.keys()) socket.destroy();

  const sorted = latencies.subarray(0, count).sort();
  const at = (p: number) => (count === 0 ? 0 : sorted[Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))]);
  return {
    // Only responses that arrived before the deadline were counted, so the window is exactly `seconds` long.
    requests: count,
    seconds: options.seconds,
    rps: count / options.seconds,
    latencyMs: { p50: at(0.5), p75: at(0.75), p90: at(0.9), p99: at(0.99), max: at(1) },
    non2xx,
    errors,
  };
}

/** The Content-Length of a response head, or -1 when it has none (chunked bodies are not expected here). */
function contentLength(head: string): number {
  const lower = head.toLowerCase();
  const i = lower.indexOf('\r\ncontent-length:');
  if (i === -1) return -1;
  const lineEnd = lower.indexOf('\r\n', i + 2);
  return Number(lower.slice(i + 17, lineEnd === -1 ? undefined : lineEnd).trim());
}

/** `node load.ts --url URL [--connections N] [--seconds S]`: prints one LoadResult as JSON. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      connections: { type: 'string', default: '64' },
      seconds: { type: 'string', default: '5' },
      header: { type: 'string', multiple: true },
    },
  });
  const connections = Number(values.connections);
  const seconds = Number(values.seconds);
  if (values.url === undefined) throw new TypeError('--url is required');
  if (!Number.isInteger(connections) || connections < 1) throw new RangeError(`--connections must be a positive integer; got "${values.connections}"`);
  if (!(seconds > 0)) throw new RangeError(`--seconds must be a positive number; got "${values.seconds}"`);
  const result = await runLoad({ url: values.url, connections, seconds, headers: values.header });
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`load: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
