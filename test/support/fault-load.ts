// Test support for the fault suites: one HTTP exchange over node:http (a chosen source address, keep-alive agents),
// never throwing, timed; and closed-loop clients that repeat exchanges until a deadline, counting what came back.
import http from 'node:http';

export interface Answer {
  /** The status, or 0 when the exchange failed (`error` says how). */
  status: number;
  body: string;
  ms: number;
  error?: string;
}

export interface Exchange {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: http.OutgoingHttpHeaders;
  /** Source address of the client socket (127.0.0.2 … are all loopback on Linux). */
  localAddress?: string;
  agent?: http.Agent;
  /** Gives up (status 0, error "timeout") after this long; default 10 s. */
  timeoutMs?: number;
}

/** One request to `base` (http://127.0.0.1:port); resolves with the answer or the failure, never rejects. */
export function exchange(base: string, x: Exchange): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...a, ms: performance.now() - started });
    };
    const body = x.body === undefined ? undefined : Buffer.from(x.body);
    const headers: http.OutgoingHttpHeaders = { ...x.headers };
    if (body !== undefined) headers['content-length'] = body.length;
    const req = http.request(`${base}${x.path}`, { method: x.method ?? 'GET', headers, localAddress: x.localAddress, agent: x.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => finish({ status: 0, body: '', error: err.message }));
    });
    req.setTimeout(x.timeoutMs ?? 10_000, () => {
      req.destroy();
      finish({ status: 0, body: '', error: 'timeout' });
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: 0, body: '', error: err.code ?? err.message }));
    req.end(body);
  });
}

export interface Tally {
  /** Answers by status (0: failed exchanges). */
  statuses: Map<number, number>;
  total: number;
  latencies: number[];
  /** The first few unexpected answers, for assertion messages. */
  samples: Answer[];
}

/** An empty tally. */
export function tally(): Tally {
  return { statuses: new Map(), total: 0, latencies: [], samples: [] };
}

/** Counts `a` into `t`; `expected` decides whether it is kept as a sample of what went wrong. */
export function count(t: Tally, a: Answer, expected: (a: Answer) => boolean = (x) => x.status >= 200 && x.status < 300): void {
  t.statuses.set(a.status, (t.statuses.get(a.status) ?? 0) + 1);
  t.total++;
  t.latencies.push(a.ms);
  if (!expected(a) && t.samples.length < 5) t.samples.push(a);
}

/** The `q` quantile (0–1) of `values`, in their unit; NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Runs `clients` loops of `step(client, i)` until `until()` is true; resolves when every loop has stopped. */
export async function closedLoop(clients: number, until: () => boolean, step: (client: number, i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let i = 0; !until(); i++) await step(client, i);
  }));
}

/** `{200: 12, 429: 3}` as text, for messages. */
export function describe(t: Tally): string {
  return JSON.stringify(Object.fromEntries(t.statuses)) + (t.samples.length > 0 ? ` samples: ${JSON.stringify(t.samples.map((s) => ({ status: s.status, error: s.error, body: s.body.slice(0, 200) })))}` : '');
}
