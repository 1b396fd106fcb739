// The composition root: builds every part from the configuration and wires the request pipeline
// (middleware chain, built once → router → handlers). The only module that knows every part.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { Router, type Middleware } from './lib/router.ts';
import type { Handler, ContextShared } from './http/context.ts';
import { createRequestListener, routeRequests } from './http/dispatch.ts';
import { defaultBodyParsers } from './http/body.ts';
import { createClientIpResolver } from './http/client-ip.ts';
import { listen, type RunningServer } from './http/server.ts';
import { openDatabase } from './db/open.ts';
import { frameworkMigrations, migrate } from './db/migrate.ts';
import { loadConfig } from './config/load.ts';
import type { Config, PartialConfig } from './config/schema.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { PROJECT_ROOT, VERSION } from './version.ts';

export interface AppOptions {
  /** Where app.db and the other data files live; created when missing. */
  dataDir: string;
  /** Environment to read `MONOLITE_*` settings from (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** Highest-precedence settings (command-line flags, tests). */
  flags?: PartialConfig;
  /** A logger to use instead of one built from the config. */
  log?: Logger;
}

export interface App {
  readonly config: Config;
  readonly log: Logger;
  readonly dataDir: string;
  /** The framework database (`<dataDir>/app.db`), migrated. */
  readonly db: DatabaseSync;
  /** True when this start created the data directory. */
  readonly created: boolean;
  /** Routes; add yours before `listen()`. */
  readonly router: Router<Handler>;
  /** Adds a middleware to the chain in front of the router (outermost first); before `listen()`. */
  use(middleware: Middleware<Handler>): void;
  /** Starts serving. */
  listen(): Promise<RunningServer>;
  /** Graceful stop: in-flight requests finish (up to server.shutdown_timeout), then the databases close. */
  close(): Promise<void>;
}

/** Loads the configuration, prepares the data directory and database, and registers the built-in routes. */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, warnings } = loadConfig({ env: options.env, flags: options.flags });
  const log = options.log ?? createLogger({ level: config.log.level as 'info', format: config.log.format as 'auto' });
  for (const w of warnings) log.warn(w);

  const dataDir = resolve(options.dataDir);
  const created = !existsSync(dataDir);
  if (created) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    log.info('Created the data directory', { path: dataDir });
  }
  const db = openDatabase(join(dataDir, 'app.db'));
  try {
    for (const m of migrate(db, frameworkMigrations())) log.info('Applied migration', { source: m.source, name: m.name });
  } catch (err) {
    db.close();
    throw err;
  }

  const router = new Router<Handler>();
  const middleware: Middleware<Handler>[] = [];
  registerBuiltinRoutes(router, config, log);

  let server: RunningServer | undefined;
  return {
    config, log, dataDir, db, created, router,
    use(mw) {
      if (server !== undefined) throw new Error('Middleware must be added before listen()');
      middleware.push(mw);
    },
    async listen() {
      if (server !== undefined) throw new Error('The app is already listening');
      let handler = routeRequests(router);
      for (let i = middleware.length - 1; i >= 0; i--) handler = middleware[i](handler);
      const shared: ContextShared = {
        bodyLimit: config.server.body_limit,
        bodyParsers: defaultBodyParsers(),
        clientIp: createClientIpResolver({ trustedProxies: config.server.trusted_proxies, header: config.server.client_ip_header }),
        log,
      };
      const s = config.server;
      server = await listen(createRequestListener(handler, shared), {
        host: s.host,
        port: s.port,
        headersTimeoutMs: s.headers_timeout,
        requestTimeoutMs: s.request_timeout,
        keepAliveTimeoutMs: s.keep_alive_timeout,
        maxHeaderSize: s.max_header_size,
        tlsCertFile: s.tls_cert,
        tlsKeyFile: s.tls_key,
        redirectHttpPort: s.redirect_http_port,
      }, log);
      return server;
    },
    async close() {
      if (server !== undefined) await server.close(config.server.shutdown_timeout);
      if (db.isOpen) db.close();
    },
  };
}

function registerBuiltinRoutes(router: Router<Handler>, config: Config, log: Logger): void {
  const started = Date.now();
  router.get('/api/health', (ctx) => {
    ctx.json(200, { status: 'ok', version: VERSION, uptime_s: Math.floor((Date.now() - started) / 1000) });
  });

  // The start page; the static file server replaces this with the whole public folder.
  const indexFile = join(resolve(PROJECT_ROOT, config.server.public_dir), 'index.html');
  let index: Buffer;
  try {
    index = readFileSync(indexFile);
  } catch {
    log.warn('No start page', { file: indexFile });
    return;
  }
  router.get('/', (ctx) => ctx.send(200, index, 'text/html; charset=utf-8', { 'cache-control': 'no-cache' }));
}
