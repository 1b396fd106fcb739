// `monolite serve`: starts the server on the data directory and stops it gracefully on SIGINT/SIGTERM.
import { createApp, type App } from '../app.ts';
import { UsageError, type Command } from './command.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve HTTP (the default command)',
  usage: [
    'monolite serve [--port N] [--host ADDR]',
    '',
    'Creates and migrates the data directory on first start. Settings come from defaults, the environment',
    '(MONOLITE_<SECTION>_<KEY>, e.g. MONOLITE_SERVER_PORT=9000) and these flags, later wins.',
    'SIGINT/SIGTERM: stop accepting, let in-flight requests finish (server.shutdown_timeout), exit 0.',
  ].join('\n'),
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
  },
  async run(io) {
    if (io.positionals.length > 0) throw new UsageError(`Unexpected argument "${io.positionals[0]}"`);
    const app = await createApp({
      dataDir: io.dataDir,
      flags: { server: { port: io.values.port as string | undefined, host: io.values.host as string | undefined } },
    });
    return serveUntilSignal(app);
  },
};

/**
 * Serves `app` until SIGINT or SIGTERM, then closes it gracefully; resolves to the exit code (0 after a clean stop).
 * A repeated signal (Ctrl-C reaches both the npm launcher and this process) is the same request, not a second one.
 */
export async function serveUntilSignal(app: App): Promise<number> {
  // Listen for signals before announcing the URL, so a signal sent the moment the URL appears is never missed.
  const signalled = new Promise<string>((resolve) => {
    process.on('SIGINT', () => resolve('SIGINT'));
    process.on('SIGTERM', () => resolve('SIGTERM'));
  });
  let server;
  try {
    server = await app.listen();
  } catch (err) {
    await app.close();
    throw err;
  }
  app.log.info(`monolite is serving ${server.url}`, { data: app.dataDir, pid: process.pid });
  if (server.redirectPort !== undefined) app.log.info('Redirecting plain HTTP to HTTPS', { port: server.redirectPort });

  const signal = await signalled;
  app.log.info(`Received ${signal}; finishing in-flight requests`, { deadline_ms: app.config.server.shutdown_timeout });
  try {
    await app.close();
  } catch (err) {
    app.log.error('Shutdown failed', { err });
    return 1;
  }
  app.log.info('Stopped');
  return 0;
}
