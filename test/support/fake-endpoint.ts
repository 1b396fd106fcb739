// A local HTTP server playing a webhook target (Discord or any other) for the notifier tests: it records every
// request and answers from a script of replies (204 when the script is empty), or never answers at all.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotifyLog } from '../../src/notify/notifier.ts';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request body had fully arrived. */
  at: number;
}

/** A scripted answer; `hang` never answers (the connection stays open until the server closes). */
export type Reply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang';

export interface FakeEndpoint {
  url: string;
  received: Received[];
  /** Replies for the next requests, in order; consumed as requests arrive. */
  replies: Reply[];
  close(): Promise<void>;
}

export async function startFakeEndpoint(path = '/hook'): Promise<FakeEndpoint> {
  const received: Received[] = [];
  const replies: Reply[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: performance.now() });
      const reply = replies.shift() ?? { status: 204 };
      if (reply === 'hang') return;
      const answer = () => res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    replies,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}

export interface LogEntry {
  level: 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A NotifyLog that keeps what it is told. */
export function recordingLog(): NotifyLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    warn(msg, fields = {}) { entries.push({ level: 'warn', msg, fields }); },
    error(msg, fields = {}) { entries.push({ level: 'error', msg, fields }); },
  };
}
