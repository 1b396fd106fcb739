// The composition root: builds every part from the configuration and wires the request pipeline
// (middleware chain, built once → router → handlers). The only module that knows every part.
// Parts that are off by default or rarely used — the REST databases, the declarative API, the admin API, backups —
// are imported when configured or on first use (once, then kept), so that a default start loads only what it serves.
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { DatabaseSync } from 'node:sqlite';
import { Router, type Middleware } from './lib/router.ts';
import type { Handler, ContextShared } from './http/context.ts';
import { createRequestListener, notFound, routeRequests } from './http/dispatch.ts';
import { serveStatic } from './http/static.ts';
import { defaultBodyParsers } from './http/body.ts';
import { createClientIpResolver } from './http/client-ip.ts';
import { listen, type RunningServer } from './http/server.ts';
import { openDataDir } from './data-dir.ts';
import { checkpointInBackground } from './db/checkpoints.ts';
import { loadConfig, setValueAt, valueAt } from './config/load.ts';
import { loadEffectiveConfig } from './config/effective.ts';
import { SETTINGS, type Config, type PartialConfig } from './config/schema.ts';
import type { ConfigStore } from './config/store.ts';
import { createLogger, Logger } from './log/logger.ts';
import { openLogStore, type LogStore } from './log/sqlite-sink.ts';
import { Registry } from './lib/prometheus.ts';
import { registerProcessMetrics } from './metrics/process.ts';
import { httpMetrics, metricsEndpoint } from './metrics/http.ts';
import { requestLog } from './middleware/request-log.ts';
import { requestsToLogger, type RequestSink } from './log/request-record.ts';
import { blockIp } from './middleware/block-ip.ts';
import { blockUa } from './middleware/block-ua.ts';
import { blockHost } from './middleware/block-host.ts';
import { cors } from './middleware/cors.ts';
import { maintenance } from './middleware/maintenance.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { JobQueue, JOB_STATUSES, PRUNE_BATCH } from './jobs/queue.ts';
import { JobRunner } from './jobs/runner.ts';
import { applySchedules, type Schedule } from './jobs/schedules.ts';
import { Mailer } from './mail/mailer.ts';
import { checkTemplateFiles, TEMPLATES_FOLDER } from './mail/templates.ts';
import { createNotifier, type Notifier } from './notify/notifier.ts';
import { ReplaceableNotifier } from './notify/replaceable.ts';
import { Accounts, type SendCode } from './auth/accounts.ts';
import { authenticate } from './auth/authenticate.ts';
import { ExternalTokens } from './auth/external-tokens.ts';
import { defaultPaths, registerEndpointList } from './auth/endpoints.ts';
import { registerPasswordRoutes } from './auth/routes-password.ts';
import { registerOtpRoutes } from './auth/routes-otp.ts';
import { registerAccountRoutes } from './auth/routes-account.ts';
import { registerOAuth2Routes } from './auth/routes-oauth2.ts';
import { registerLazyAdminRoutes } from './admin/lazy.ts';
import { RequestWindow } from './lib/request-window.ts';
import type { RestDatabase } from './rest/database.ts';
import { registerDatabaseList } from './rest/database-list.ts';
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

/** What a reload did. */
export type ReloadResult =
  | { ok: true; version: number; changed: string[]; restartRequired: string[] }
  | { ok: false; error: string };

export interface App {
  /** The configuration in force; replaced as a whole by a reload, so read it where it is used, not once. */
  readonly config: Config;
  /** The stored `application` version the configuration was built from. */
  readonly configVersion: number;
  readonly log: Logger;
  readonly dataDir: string;
  /** The framework database (`<dataDir>/app.db`), migrated. */
  readonly db: DatabaseSync;
  /**
   * The job queue: `jobs.register(type, handler, {timeoutMs, concurrency})` and `jobs.enqueue(type, payload, …)`;
   * jobs run while the app listens.
   */
  readonly jobs: JobRunner;
  /**
   * Transactional mail: `mailer.enqueue({to, template, vars})` queues a `mail.send` job, sent with the live [mail]
   * settings; `mailer.send(…)` sends now.
   */
  readonly mailer: Mailer;
  /** Users, sessions and the account flows (src/auth/); `ctx.user` is set for a request with a valid session token. */
  readonly accounts: Accounts;
  /** Alarms and notes for the operators ([notify]: Discord, a JSON webhook); `send` never blocks nor throws. */
  readonly notifier: Notifier;
  /** The Prometheus registry served at `metrics.path`; add your own metrics to it. */
  readonly metrics: Registry;
  /** The encrypted, versioned configuration store (scope `application` and the app's own scopes). */
  readonly store: ConfigStore;
  /** True when this start created the data directory. */
  readonly created: boolean;
  /**
   * The automatic REST databases ([rest.databases.*]) by name: `rest.get('shop').registerFunction(name, fn)` adds a
   * TypeScript RPC function.
   */
  readonly rest: ReadonlyMap<string, RestDatabase>;
  /** Routes; add yours before `listen()`. */
  readonly router: Router<Handler>;
  /** Adds a middleware to the chain in front of the router (outermost first); before `listen()`. */
  use(middleware: Middleware<Handler>): void;
  /** Calls `listener` after each reload that changed something, with the new and the previous configuration. */
  onReload(listener: (config: Config, previous: Config) => void): void;
  /**
   * Re-reads the stored configuration and swaps it in atomically. Live settings take effect at once; a changed
   * restart-only setting keeps its running value and is logged as "restart required". An invalid new configuration
   * is rejected with the reason logged, and the old one stays in force.
   */
  reload(): ReloadResult;
  /** Starts serving. */
  listen(): Promise<RunningServer>;
  /**
   * Graceful stop: in-flight requests and running jobs finish (each up to server.shutdown_timeout; unfinished jobs go
   * back to the queue), then the databases close.
   */
  close(): Promise<void>;
}

/** Opens (creating on first use) the data directory, loads the configuration and registers the built-in routes. */
export async function createApp(options: AppOptions): Promise<App> {
  // A bad flag or environment value fails before anything is created on disk.
  loadConfig({ env: options.env, flags: options.flags });
  const dir = openDataDir(options.dataDir, { env: options.env });
  let loaded;
  try {
    loaded = loadEffectiveConfig(dir.store, { env: options.env, flags: options.flags });
  } catch (err) {
    dir.close();
    throw err;
  }
  let config = loaded.config;
  let configVersion = loaded.version;
  const log = options.log ?? createLogger({ level: config.log.level as 'info', format: config.log.format as 'auto' });
  if (options.log) log.setLevel(config.log.level as 'info');
  // logs.db, its own database so logging never waits for app writes; `monolite logs` reads it.
  let logStore: LogStore | undefined;
  if (config.log.store) {
    try {
      logStore = openLogStore(join(dir.path, 'logs.db'), {
        queueSize: config.log.queue_size,
        flushRecords: config.log.flush_records,
        flushIntervalMs: config.log.flush_interval,
        retentionMs: config.log.retention,
      });
    } catch (err) {
      dir.close();
      throw err;
    }
    log.addSink(logStore.sink);
  }
  for (const e of dir.events) log[e.level](e.message, e.fields);
  for (const w of loaded.warnings) log.warn(w);
  // A serving process never copies app.db's WAL on the thread that answers requests (db/checkpoints.ts says why).
  const releaseCheckpoints = checkpointInBackground(dir.db, join(dir.path, 'app.db'));

  // Request records go to the log store, and to the terminal only when asked: one line per request drowns the rest.
  const requestSink: RequestSink = config.request_log.console ? requestsToLogger(log) : (logStore?.requests ?? (() => {}));

  const metrics = new Registry();
  const stopProcessMetrics = registerProcessMetrics(metrics);
  metrics.counter({
    name: 'monolite_log_records_dropped_total',
    help: 'Log records dropped because the logs.db queue was full or a write failed.',
    collect: (c) => c.inc((logStore?.dropped() ?? 0) - c.get()),
  });

  const notifier = new ReplaceableNotifier(buildNotifier(config, log));
  const jobs = new JobRunner(new JobQueue(dir.db), {
    log,
    pollIntervalMs: config.jobs.poll_interval,
    retryBaseMs: config.jobs.retry_base,
    retryMaxMs: config.jobs.retry_max,
    leaseMarginMs: config.jobs.lease_margin,
    onDead: (job) => notifier.send({
      type: 'alarm', source: 'jobs', message: `Job ${job.type} #${job.id} is dead after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`,
      fields: { error: job.error },
    }),
  });
  const mailer = new Mailer({ settings: () => config.mail, dataDir: dir.path, log, jobs });
  for (const problem of checkTemplateFiles(join(dir.path, TEMPLATES_FOLDER))) log.warn(problem);
  registerMailMetrics(metrics, mailer, notifier);
  const accounts = new Accounts({ db: dir.db, config: () => config.auth, log, sendCode: codeSender(jobs, mailer) });
  metrics.gauge({
    name: 'monolite_jobs',
    help: 'Jobs in the queue by status.',
    labelNames: ['status'],
    collect: (g) => {
      const depth = jobs.queue.depth();
      for (const status of JOB_STATUSES) g.labels(status).set(depth[status]);
    },
  });
  const schedules = (): Schedule[] => frameworkSchedules(() => config, dir.path, jobs, log, logStore, notifier);

  const router = new Router<Handler>();
  const middleware: Middleware<Handler>[] = [];
  const reloadListeners: ((config: Config, previous: Config) => void)[] = [];
  registerBuiltinRoutes(router);
  // The static file server answers what no route does; a reload that changes [static] swaps it.
  let staticFiles = buildStaticFiles(config, log);
  const paths = { ...defaultPaths(), ...config.auth.paths };
  const checkEndpointsHash = registerEndpointList(router, paths);
  registerPasswordRoutes(router, paths, accounts);
  registerOtpRoutes(router, paths, accounts);
  registerAccountRoutes(router, paths, accounts);
  registerOAuth2Routes(router, paths, accounts);
  router.get(config.metrics.path, metricsEndpoint({ registry: metrics, config: () => config.metrics }));

  // Live settings the request pipeline reads through this object; a reload updates it in place.
  const shared: ContextShared = {
    bodyLimit: config.server.body_limit,
    bodyParsers: defaultBodyParsers(),
    clientIp: createClientIpResolver({ trustedProxies: config.server.trusted_proxies, header: config.server.client_ip_header }),
    log,
    defaultHeaders: securityHeaders(config.security_headers),
  };
  reloadListeners.push((next, previous) => {
    shared.bodyLimit = next.server.body_limit;
    shared.clientIp = createClientIpResolver({ trustedProxies: next.server.trusted_proxies, header: next.server.client_ip_header });
    log.setLevel(next.log.level as 'info');
    shared.defaultHeaders = securityHeaders(next.security_headers);
    logStore?.setRetention(next.log.retention);
    jobs.setRetry(next.jobs.retry_base, next.jobs.retry_max);
    applySchedules(jobs, schedules());
    accounts.reconfigure();
    if (!isDeepStrictEqual(next.notify, previous.notify)) notifier.replace(buildNotifier(next, log));
    if (!isDeepStrictEqual(next.static, previous.static)) staticFiles = buildStaticFiles(next, log);
  });

  let server: RunningServer | undefined;
  // The admin API, loaded by its first request; its stats feed reads the request window that the metrics middleware fills.
  const requestWindow = new RequestWindow();
  let blockedIps = (): number => 0; // until listen() builds the IP blocker
  const admin = registerLazyAdminRoutes(router, {
    log, dataDir: dir.path, config: () => config, users: accounts.users, jobs, store: dir.store, configVersion: () => configVersion,
    reload: () => app.reload(), logs: () => logStore?.db,
    stats: { requests: requestWindow, connections: () => server?.connections() ?? 0, blockedIps: () => blockedIps(), queueDepth: () => jobs.queue.waiting() },
  });
  const rest = new Map<string, RestDatabase>();
  const app: App = {
    get config() { return config; },
    get configVersion() { return configVersion; },
    log, metrics, jobs, mailer, notifier, accounts, rest, dataDir: dir.path, db: dir.db, store: dir.store, created: dir.created, router,
    use(mw) {
      if (server !== undefined) throw new Error('Middleware must be added before listen()');
      middleware.push(mw);
    },
    onReload(listener) {
      reloadListeners.push(listener);
    },
    reload() {
      let next;
      try {
        next = loadEffectiveConfig(dir.store, { env: options.env, flags: options.flags });
      } catch (err) {
        const error = (err as Error).message;
        log.error('Configuration reload rejected; the previous configuration stays in force', { reason: error, version: configVersion });
        return { ok: false, error };
      }
      for (const w of next.warnings) log.warn(w);
      const changed: string[] = [];
      const restartRequired: string[] = [];
      for (const [path, setting] of SETTINGS) {
        const before = valueAt(config, path);
        if (isDeepStrictEqual(before, valueAt(next.config, path))) continue;
        if (setting.live) changed.push(path);
        else {
          restartRequired.push(path);
          // What runs stays what the config says: the running value, until a restart.
          setValueAt(next.config, path, structuredClone(before));
        }
      }
      for (const path of restartRequired) log.warn(`restart required: ${path}`, { version: next.version });
      const previous = config;
      config = next.config;
      configVersion = next.version;
      if (changed.length > 0) for (const listener of reloadListeners) listener(config, previous);
      log.info('Configuration reloaded', { version: next.version, changed });
      return { ok: true, version: next.version, changed, restartRequired };
    },
    async listen() {
      if (server !== undefined) throw new Error('The app is already listening');
      // Cheap rejections first (after restinpieces); CORS before maintenance and the body limit so that browsers can
      // read those errors too. The app's own middleware (app.use) runs last, next to the router.
      const current = () => config;
      const blocks = metrics.counter({ name: 'monolite_ip_blocks_total', help: 'IPs blocked for sending more than their share of traffic.' });
      const ipBlocker = blockIp({
        config: () => current().block_ip,
        log,
        onBlock: (e) => {
          blocks.inc();
          notifier.send({ type: 'alarm', source: 'block_ip', message: `Blocked ${e.ip} until ${new Date(e.until).toISOString()}`, fields: { requests: e.count, share_percent: e.share } });
        },
      });
      metrics.gauge({ name: 'monolite_blocked_ips', help: 'IPs blocked right now.', collect: (g) => g.set(ipBlocker.blockedCount()) });
      blockedIps = () => ipBlocker.blockedCount();
      const chain: Middleware<Handler>[] = [
        requestLog(() => current().request_log, requestSink),
        ipBlocker,
        httpMetrics(metrics, requestWindow), // after the IP blocker, as upstream: a flood's 429s are not counted
        blockUa(() => current().block_ua),
        blockHost(() => current().block_host),
        cors(() => current().cors),
        maintenance(() => current().maintenance),
        bodyLimit(() => current().server),
        authenticate(accounts.sessions, new ExternalTokens(() => current().auth)),
        (next) => (ctx) => {
          checkEndpointsHash(ctx);
          return next(ctx);
        },
        ...middleware,
      ];
      let handler = routeRequests(router, {
        fallback: (ctx) => {
          if (staticFiles === undefined) throw notFound(ctx);
          return staticFiles(ctx);
        },
      });
      for (let i = chain.length - 1; i >= 0; i--) handler = chain[i](handler);
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
      applySchedules(jobs, schedules());
      jobs.start();
      return server;
    },
    async close() {
      admin.close(); // open stats streams would hold the server's drain until its deadline
      const stopping = jobs.stop(config.server.shutdown_timeout);
      if (server !== undefined) await server.close(config.server.shutdown_timeout);
      const { released } = await stopping;
      if (released > 0) log.warn('Jobs still running at shutdown were given back to the queue', { released });
      await Promise.all([mailer.close(), notifier.close(config.server.shutdown_timeout), ...[...rest.values()].map((db) => db.plugin.close())]);
      stopProcessMetrics();
      releaseCheckpoints();
      dir.close();
      logStore?.close(); // last, so that the shutdown's own records are kept
    },
  };
  try {
    // The REST and declarative API modules load only when configured (neither is by default): a start without them
    // is spared their module graphs.
    if (Object.keys(config.rest.databases).length > 0) {
      const { openRestDatabases } = await import('./rest/database.ts');
      const { registerRestRoutes } = await import('./rest/routes.ts');
      for (const db of await openRestDatabases(config.rest, { dataDir: dir.path, appDbPath: join(dir.path, 'app.db'), projectRoot: PROJECT_ROOT, log })) rest.set(db.name, db);
      registerRestRoutes(router, [...rest.values()]);
    } else {
      registerDatabaseList(router, []);
    }
    if (config.api.definition !== '') {
      const { mountApi } = await import('./api/mount.ts');
      await mountApi(router, {
        definitionFile: resolve(PROJECT_ROOT, config.api.definition),
        handlersFile: resolve(PROJECT_ROOT, config.api.handlers),
        prefix: config.api.prefix,
        limits: { maxFileBytes: config.api.max_file_bytes, maxParts: config.api.max_parts, maxFieldBytes: config.api.max_field_bytes },
        tmpDir: join(dir.path, 'tmp'),
        log,
        app,
      });
    }
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

const HOUR_MS = 3_600_000;

/** The framework's recurrent jobs, from the configuration `config()` returns when they run. */
function frameworkSchedules(config: () => Config, dataDir: string, jobs: JobRunner, log: Logger, logStore: LogStore | undefined, notifier: Notifier): Schedule[] {
  const backup = config().backup;
  return [
    {
      type: 'monolite.backup',
      everyMs: backup.enabled ? backup.interval : null,
      timeoutMs: 6 * HOUR_MS,
      async run() {
        // Loaded by the first backup, not at start.
        const [{ backupSettings }, { backupAndPrune }] = await Promise.all([import('./config/backup-settings.ts'), import('./db/backup.ts')]);
        const settings = backupSettings(dataDir, config().backup);
        let result;
        try {
          result = await backupAndPrune(join(dataDir, 'app.db'), settings);
        } catch (err) {
          notifier.send({ type: 'alarm', source: 'backup', message: 'Backup failed', fields: { dir: settings.dir, error: (err as Error).message } });
          throw err;
        }
        log.info('Backup written', { file: result.path, bytes: result.bytes, mode: result.mode, duration_ms: Math.round(result.durationMs), pruned: result.pruned });
      },
    },
    {
      type: 'monolite.prune_jobs',
      everyMs: HOUR_MS,
      firstRunMs: 60_000,
      timeoutMs: HOUR_MS,
      async run(_payload, { signal }) {
        let total = 0;
        // In batches with a turn of the event loop between them: requests keep flowing during a large prune.
        for (let n = PRUNE_BATCH; n === PRUNE_BATCH && !signal.aborted; await new Promise((r) => setImmediate(r))) {
          n = jobs.queue.pruneBatch(config().jobs.retention);
          total += n;
        }
        if (total > 0) log.info('Pruned finished jobs', { jobs: total });
      },
    },
    {
      type: 'monolite.prune_logs',
      everyMs: logStore === undefined ? null : HOUR_MS,
      firstRunMs: 60_000,
      timeoutMs: HOUR_MS,
      async run() {
        const records = await logStore!.prune();
        if (records > 0) log.info('Pruned old log records', { records });
      },
    },
  ];
}

/** The static file server of the [static] settings; undefined when it is off or its folder cannot be read (logged). */
function buildStaticFiles(config: Config, log: Logger): Handler | undefined {
  const settings = config.static;
  if (!settings.enabled) return undefined;
  const root = resolve(PROJECT_ROOT, settings.dir);
  try {
    return serveStatic({ root, spaFallback: settings.spa_fallback });
  } catch (err) {
    log.warn('Static files are off: their folder cannot be read', { dir: root, error: (err as Error).message });
    return undefined;
  }
}

/** The [notify] targets; an impossible setting (caught by the config schema first) leaves alarms off, said in the log. */
function buildNotifier(config: Config, log: Logger): Notifier {
  const n = config.notify;
  try {
    return createNotifier({
      discord_webhook: n.discord_webhook,
      webhook_url: n.webhook_url,
      webhook_headers: n.webhook_authorization ? { authorization: n.webhook_authorization } : undefined,
      interval_ms: n.interval,
      burst: n.burst,
      timeout_ms: n.timeout,
    }, log);
  } catch (err) {
    log.error('Notifications are off: the [notify] settings are unusable', { error: (err as Error).message });
    return createNotifier({ discord_webhook: '', webhook_url: '', interval_ms: 1, burst: 1, timeout_ms: 1 });
  }
}

/**
 * How the account flows mail a code: a `mail.send` job whose dedup key holds for the cooldown — or, for an account
 * that must get nothing, an `auth.dummy` job under the same rule, so both cost and answer the same.
 */
function codeSender(jobs: JobRunner, mailer: Mailer): SendCode {
  jobs.register('auth.dummy', () => {});
  return (mail, dedupKey, cooldownMs) => {
    const options = cooldownMs > 0 ? { dedupKey, dedupWindowMs: cooldownMs } : {};
    const result = mail.template === ''
      ? jobs.enqueue('auth.dummy', {}, options)
      : mailer.enqueue({ to: mail.to, template: mail.template, vars: mail.vars }, options);
    if (!result.duplicate) return { duplicate: false, retryAfterMs: 0 };
    const held = jobs.queue.get(result.id);
    return { duplicate: true, retryAfterMs: held === undefined ? cooldownMs : Date.parse(held.createdAt) + cooldownMs - Date.now() };
  };
}

function registerMailMetrics(metrics: Registry, mailer: Mailer, notifier: Notifier): void {
  metrics.counter({
    name: 'monolite_mail_sent_total',
    help: 'Messages the SMTP server accepted.',
    collect: (c) => c.inc(mailer.stats.sent - c.get()),
  });
  metrics.counter({
    name: 'monolite_mail_failed_total',
    help: 'Send attempts that failed: transient ones are retried, permanent ones are not.',
    labelNames: ['kind'],
    collect: (c) => {
      c.labels('transient').inc(mailer.stats.failedTransient - c.labels('transient').get());
      c.labels('permanent').inc(mailer.stats.failedPermanent - c.labels('permanent').get());
    },
  });
  metrics.counter({
    name: 'monolite_notifications_total',
    help: 'Notifications by outcome: sent, dropped (rate limit) or failed.',
    labelNames: ['outcome'],
    collect: (c) => {
      const stats = notifier.stats();
      for (const outcome of ['sent', 'dropped', 'failed'] as const) c.labels(outcome).inc(stats[outcome] - c.labels(outcome).get());
    },
  });
}

function registerBuiltinRoutes(router: Router<Handler>): void {
  const started = Date.now();
  router.get('/api/health', (ctx) => {
    ctx.json(200, { status: 'ok', version: VERSION, uptime_s: Math.floor((Date.now() - started) / 1000) });
  });
}
