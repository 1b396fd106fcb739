// Admin API, configuration: the stored versions of the application configuration, one version's TOML with its
// secrets masked, the unified diff between two versions (masked the same way), and rollback — a new version with an
// old one's content, checked first and then reloaded live, as `monolite config rollback` followed by the SIGHUP.
// Only the application scope is shown: the schema says which of its keys are secret, and of an app's own scopes it
// knows nothing, so they stay with the CLI.
import type { RouteGroup } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Logger } from '../log/logger.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { parseVersion } from '../config/effective.ts';
import { APPLICATION_SCOPE, type ConfigStore, type ConfigVersion } from '../config/store.ts';
import { diffVersions, presentVersion } from '../config/versions.ts';
import { checkQueryNames, invalidInput, pathId, queryInteger } from './params.ts';
import { adminId } from './guard.ts';
import { readJsonObject } from '../http/body.ts';

/** What a reload reports (App.reload). */
export type ReloadOutcome =
  | { ok: true; version: number; changed: string[]; restartRequired: string[] }
  | { ok: false; error: string };

export interface AdminConfigParts {
  store: ConfigStore;
  /** The stored version the running configuration was built from. */
  configVersion: () => number;
  reload: () => ReloadOutcome;
  log: Logger;
}

const MAX_VERSION = 9_999_999_999;

/** Registers the /config routes on the admin group. */
export function registerConfigRoutes(admin: RouteGroup<Handler>, parts: AdminConfigParts): void {
  const { store, log } = parts;
  const version = (n: number, field: string): ConfigVersion => {
    const stored = store.get(APPLICATION_SCOPE, n);
    if (stored === undefined) throw new HttpError(404, 'not_found', `No version ${n} of the configuration (${field})`);
    return stored;
  };
  const latest = (): ConfigVersion => {
    const stored = store.latest(APPLICATION_SCOPE);
    if (stored === undefined) throw new HttpError(404, 'not_found', 'No configuration is stored');
    return stored;
  };

  admin.get('/config/versions', (ctx) => {
    checkQueryNames(ctx, []);
    ctx.json(200, {
      current: parts.configVersion(),
      versions: store.versions(APPLICATION_SCOPE).map((v) => ({ version: v.version, created: v.createdAt, description: v.description, format: v.format })),
    });
  });

  admin.get('/config/versions/:n', (ctx) => {
    checkQueryNames(ctx, []);
    const stored = version(pathId(ctx, 'n', 'version of the configuration'), 'path');
    ctx.json(200, { version: stored.version, created: stored.createdAt, description: stored.description, format: stored.format, content: presentVersion(stored) });
  });

  admin.get('/config/diff', (ctx) => {
    checkQueryNames(ctx, ['from', 'to']);
    const toNumber = queryInteger(ctx, 'to', undefined, 1, MAX_VERSION);
    const to = toNumber === undefined ? latest() : version(toNumber, 'to');
    const fromNumber = queryInteger(ctx, 'from', undefined, 1, MAX_VERSION) ?? to.version - 1;
    if (fromNumber < 1) throw invalidInput('from', `Version ${to.version} is the first one; give "from" to compare it with another`);
    const from = version(fromNumber, 'from');
    ctx.json(200, { from: from.version, to: to.version, diff: diffVersions(from, to) });
  });

  admin.post('/config/rollback', async (ctx) => {
    const body = await readJsonObject(ctx);
    const n = body.version;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw invalidInput('version', `"version" must be a version number (1, 2, …), got ${JSON.stringify(n) ?? 'nothing'}`);
    }
    const target = version(n, 'version');
    try {
      // As the server would load it, the environment aside (app.reload applies it, and says so if that fails).
      loadConfig({ stored: parseVersion(target), env: {} });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new HttpError(422, 'invalid_config', `Version ${n} cannot be loaded any more: ${err.message}`);
    }
    const saved = store.save(APPLICATION_SCOPE, target.content, { format: target.format, description: `rollback to version ${n} (admin ${adminId(ctx)})` });
    const reload = parts.reload();
    log.info('Admin rolled the configuration back', { admin_id: adminId(ctx), to_version: n, version: saved, reloaded: reload.ok });
    ctx.json(200, {
      version: saved,
      rolled_back_to: n,
      reload: reload.ok
        ? { ok: true, version: reload.version, changed: reload.changed, restart_required: reload.restartRequired }
        : { ok: false, error: reload.error },
    });
  });
}

