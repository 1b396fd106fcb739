// `monolite serve`: starts the server on the data directory and stops it gracefully on SIGINT/SIGTERM.
import { flushCompileCache } from 'node:module';
import type { App } from '../app.ts';
import { pidFilePath } from '../data-dir.ts';
import { acquirePidFile } from '../lib/pid-file.ts';
import { UsageError, type Command } from './command.ts';

export const serveCommand: Command = {
  name: 'serve',
  usage: [
    'monolite serve [--port N] [--host ADDR]',
    '',
    'Creates and migrates the data directory on first start. Settings come from defaults, the environment',
    '(MONOLITE_<SECTION>_<KEY>, e.g. MONOLITE_SERVER_PORT=9000) and these flags, later wins.',
    'SIGINT/SIGTERM: stop accepting, let in-flight requests finish (server.shutdown_timeout), exit 0.',
    'SIGHUP: reload the stored configuration (`monolite config set` sends it; the pid is in <data-dir>/monolite.pid).',
  ].join('\n'),
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
  },
  async run(io) {
    if (io.positionals.length > 0) throw new UsageError(`Unexpected argument "${io.positionals[0]}"`);
    // Imported here: `monolite --help` and `--version` go through this module without needing the app.
    const { createApp } = await import('../app.ts');
    const app = await createApp({
      dataDir: io.dataDir,
      env: io.env,
      flags: { server: { port: io.values.port as string | undefined, host: io.values.host as string | undefined } },
    });
    return serveUntilSignal(app);
  },
};

/**
 * Serves `app` until SIGINT or SIGTERM, then closes it gracefully; resolves to the exit code (0 after a clean stop).
 * A repeated signal (Ctrl-C reaches both the npm launcher and this process) is the same request, not a second one.
 * SIGHUP reloads the configuration; the pid file in the data directory tells `monolite config` whom to signal.
 */
export async function serveUntilSignal(app: App): Promise<number> {
  // Listen for signals before announcing the URL, so a signal sent the moment the URL appears is never missed.
  const signalled = new Promise<string>((resolve) => {
    process.on('SIGINT', () => resolve('SIGINT'));
    process.on('SIGTERM', () => resolve('SIGTERM'));
  });
  const reload = () => { app.reload(); };
  process.on('SIGHUP', reload);
  let releasePidFile;
  let server;
  try {
    releasePidFile = acquirePidFile(pidFilePath(app.dataDir));
    server = await app.listen();
  } catch (err) {
    process.off('SIGHUP', reload);
    releasePidFile?.();
    await app.close();
    throw err;
  }
  // Node writes its compile cache (NODE_COMPILE_CACHE) at exit; a server may never exit normally (SIGKILL, a container
  // stopped past its grace period), and then every start would strip the types again (~18 MB of RSS for the
  // TypeScript stripper, kept for the process's life, and a slower start). Written now, the next start finds it. A
  // no-op without a cache. Before the line that says the server is up, so that whoever waits for it finds the cache.
  flushCompileCache();
  app.log.info(`monolite is serving ${server.url}`, { data: app.dataDir, pid: process.pid, config_version: app.configVersion });
  if (server.redirectPort !== undefined) app.log.info('Redirecting plain HTTP to HTTPS', { port: server.redirectPort });

  const signal = await signalled;
  process.off('SIGHUP', reload);
  app.log.info(`Received ${signal}; finishing in-flight requests`, { deadline_ms: app.config.server.shutdown_timeout });
  try {
    await app.close();
  } catch (err) {
    app.log.error('Shutdown failed', { err });
    return 1;
  } finally {
    releasePidFile();
  }
  app.log.info('Stopped');
  return 0;
}
