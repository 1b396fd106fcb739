// What every bench server does the same way: tell the harness its port (one JSON line on stdout, with anything else
// the bench needs, such as a token), and stop once — on SIGTERM, or when the IPC channel of the bench that started it
// closes (the bench died) — by closing, then exiting. A normal exit, not death by signal, so that `--cpu-prof` gets
// to write its profile.
import type { Server } from 'node:http';

/** Prints `{"port": port, ...extra}` for http-harness.ts. */
export function announce(port: number, extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ port, ...extra }) + '\n');
}

/** The port a listening node:http server is bound to. */
export function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** Runs `close` once on SIGTERM or when the IPC channel closes, then exits 0 (1 when closing failed). */
export function stopOn(close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`bench server: close failed: ${(err as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

/** Closes a node:http server, cutting its keep-alive connections (wrk keeps them open to the end). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
