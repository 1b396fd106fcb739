// The HTTP(S) listener: node:http with keep-alive and strict timeouts, optional TLS plus an HTTP listener that
// redirects to HTTPS, malformed requests answered as problem+json, and a graceful close with a deadline.
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { newRequestId } from './context.ts';
import { HttpError, problemBody, PROBLEM_CONTENT_TYPE } from './errors.ts';
import type { Logger } from '../log/logger.ts';

export interface ListenOptions {
  host: string;
  port: number;
  /** Time allowed to receive the request headers (slow clients are cut off with 408). */
  headersTimeoutMs: number;
  /** Time allowed to receive the whole request. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Largest request head in bytes (431 above it). */
  maxHeaderSize: number;
  /** PEM files; when both are set the server speaks HTTPS. */
  tlsCertFile: string;
  tlsKeyFile: string;
  /** With TLS: a plain HTTP port answering every request with a redirect to HTTPS (0: none). */
  redirectHttpPort: number;
}

export interface RunningServer {
  /** The URL to print (`http://localhost:8080`). */
  url: string;
  /** The bound port (useful when 0 asked for an ephemeral one). */
  port: number;
  /** The bound port of the HTTP→HTTPS redirect listener, when there is one. */
  redirectPort: number | undefined;
  /** True once close() was called. */
  readonly closing: boolean;
  /** Client connections open now (keep-alive ones included; not the redirect listener's). */
  connections(): number;
  /** Stops accepting, lets in-flight requests finish until `deadlineMs`, then cuts what is left. */
  close(deadlineMs: number): Promise<void>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

// Taken with getBuiltinModule, not `import`: Node's ESM wrapper of node:http reads every export, and its lazy
// WebSocket getter then loads the whole undici bundle (~30 ms and ~5 MB at each start; nodejs/node#59686).
// node:https (and TLS with it) only when TLS is configured.
const http = process.getBuiltinModule('node:http');

/** Starts listening; rejects with a readable message when the address cannot be bound. */
export async function listen(listener: Listener, options: ListenOptions, log: Logger): Promise<RunningServer> {
  let closing = false;
  const serverOptions: ServerOptions = {
    keepAlive: true,
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    maxHeaderSize: options.maxHeaderSize,
    // Node checks the two timeouts above on this interval (30 s by default, far too coarse for a 10 s limit).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(options.headersTimeoutMs / 4))),
  };
  const onRequest: Listener = (req, res) => {
    // During shutdown, finish this request but do not keep its connection.
    if (closing) res.setHeader('connection', 'close');
    listener(req, res);
  };
  const tls = options.tlsCertFile !== '' && options.tlsKeyFile !== '';
  const server = tls
    ? process.getBuiltinModule('node:https').createServer({ ...serverOptions, cert: readPem(options.tlsCertFile, 'server.tls_cert'), key: readPem(options.tlsKeyFile, 'server.tls_key') }, onRequest)
    : http.createServer(serverOptions, onRequest);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket, log));
  // Counted per connection, not per request: nothing on the request path.
  let open = 0;
  const onClose = () => open--;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', onClose);
  });
  const port = await bind(server, options.host, options.port);
  const scheme = tls ? 'https' : 'http';
  const url = `${scheme}://${displayHost(options.host)}${(tls && port === 443) || (!tls && port === 80) ? '' : ':' + port}`;

  let redirect: Server | undefined;
  let redirectPort: number | undefined;
  if (tls && options.redirectHttpPort > 0) {
    redirect = http.createServer({ ...serverOptions }, (req, res) => redirectToHttps(req, res, port));
    redirect.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket, log));
    redirectPort = await bind(redirect, options.host, options.redirectHttpPort);
  }

  return {
    url,
    port,
    redirectPort,
    get closing() { return closing; },
    connections: () => open,
    async close(deadlineMs: number) {
      if (closing) return;
      closing = true;
      await Promise.all([drain(server, deadlineMs), redirect ? drain(redirect, deadlineMs) : undefined]);
    },
  };
}

function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new Error(`Cannot listen on ${host}:${port}: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Waits for in-flight requests; idle keep-alive connections close at once, busy ones after their response. */
function drain(server: Server, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'The request headers are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request was not received in time'],
};

/** Node's parser rejected the request before any handler ran: answer in the same problem format, then close. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket, log: Logger): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'bad_request', 'The request is not valid HTTP'];
  const id = newRequestId();
  log.debug('Rejected malformed request', { request_id: id, status, reason: err.code ?? err.message, ip: socket.remoteAddress });
  const body = problemBody(new HttpError(status, code, detail));
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function redirectToHttps(req: IncomingMessage, res: ServerResponse, httpsPort: number): void {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  res.setHeader('x-request-id', newRequestId());
  if (!/^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])$/.test(host)) {
    res.writeHead(400, { 'content-type': PROBLEM_CONTENT_TYPE });
    res.end(problemBody(new HttpError(400, 'bad_host', 'A valid Host header is required')));
    return;
  }
  const path = req.url?.startsWith('/') ? req.url : '/';
  res.writeHead(308, { location: `https://${host}${httpsPort === 443 ? '' : ':' + httpsPort}${path}`, 'content-length': 0 });
  res.end();
}

function readPem(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`Cannot read ${key} "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function displayHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === '::1') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
