// `monolite serve`: starts the server on the data directory and stops it gracefully on SIGINT/SIGTERM.
import { createApp } from '../app.ts';
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
      flags: { server: { port: io.values.port as never, host: io.values.host as string | undefined } },
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

    return new Promise<number>((resolve) => {
      // A repeated signal (Ctrl-C reaches both npm's launcher and us) is the same request, not a second one.
      const stop = (signal: string) => {
        if (server.closing) return;
        app.log.info(`Received ${signal}; finishing in-flight requests`, { deadline_ms: app.config.server.shutdown_timeout });
        app.close().then(
          () => { app.log.info('Stopped'); resolve(0); },
          (err: unknown) => { app.log.error('Shutdown failed', { err }); resolve(1); },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
