// The admin API behind the admin console: every route under /api/admin, each behind the `admin` scope (guard.ts).
// Users, jobs, logs, configuration versions, backups and the live stats feed, one file each; app.ts hands in the parts.
import type { DatabaseSync } from 'node:sqlite';
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import type { Logger } from '../log/logger.ts';
import type { Config } from '../config/schema.ts';
import type { ConfigStore } from '../config/store.ts';
import type { JobRunner } from '../jobs/runner.ts';
import { requireAdmin } from './guard.ts';
import { registerUserRoutes, type AdminUserStore } from './users.ts';
import { registerJobRoutes } from './jobs.ts';
import { registerLogRoutes } from './logs.ts';
import { registerConfigRoutes, type ReloadOutcome } from './config.ts';
import { registerBackupRoutes } from './backups.ts';
import { registerStatsRoutes, type StatsSources } from './stats.ts';

export const ADMIN_PREFIX = '/api/admin';

export interface AdminParts {
  log: Logger;
  /** The data directory (app.db, the default backup folder). */
  dataDir: string;
  /** The configuration in force (read at each use: a reload replaces it). */
  config: () => Config;
  users: AdminUserStore;
  jobs: JobRunner;
  store: ConfigStore;
  configVersion: () => number;
  reload: () => ReloadOutcome;
  /** The log store's connection to logs.db; undefined when records are not kept (log.store off). */
  logs: () => DatabaseSync | undefined;
  /** The live numbers of the stats feed. */
  stats: StatsSources;
}

export interface AdminApi {
  /** Ends the open stats streams and refuses new ones; call before the server drains, so that shutdown is prompt. */
  close(): void;
}

/** Registers every admin route on `router`. */
export function registerAdminRoutes(router: Router<Handler>, parts: AdminParts): AdminApi {
  const admin = router.group(ADMIN_PREFIX, [requireAdmin()]);
  registerUserRoutes(admin, parts.users, parts.log);
  registerJobRoutes(admin, parts.jobs, parts.log);
  registerLogRoutes(admin, parts.logs);
  registerConfigRoutes(admin, { store: parts.store, configVersion: parts.configVersion, reload: parts.reload, log: parts.log });
  registerBackupRoutes(admin, { dataDir: parts.dataDir, config: parts.config, log: parts.log });
  const stats = registerStatsRoutes(admin, parts.stats);
  return { close: () => stats.close() };
}
