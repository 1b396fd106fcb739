// One database of the automatic REST API: its configuration, its plugin (the built-in SQLite one or an external
// module), its ETag versions, and its schema as the API shows it. Built at startup from `[rest.databases.*]`.
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemoryCache, type CachePlugin } from '../lib/cache.ts';
import { frameworkTables } from '../db/migrate.ts';
import type { Logger } from '../log/logger.ts';
import type { RestDatabaseConfig } from './databases.ts';
import { IDENTIFIER, type DbPlugin, type DbPluginFactory, type DbPluginOptions, type DbSchema, type TsFunction } from './plugin.ts';
import { TableVersions } from './etag.ts';
import { createSqlitePlugin, sqliteFilePath } from './sqlite-plugin.ts';

export interface RestSettings {
  check_scope: boolean;
  token_user_search: string;
  databases: Record<string, RestDatabaseConfig>;
}

export interface OpenRestOptions {
  dataDir: string;
  /** The framework database; its own tables are never exposed, even when it is configured as a REST database. */
  appDbPath: string;
  /** What relative plugin module paths resolve against. */
  projectRoot: string;
  log: Logger;
  /** Where ETag versions live (an in-memory LRU by default). */
  cache?: CachePlugin;
}

export class RestDatabase {
  readonly name: string;
  readonly config: RestDatabaseConfig;
  readonly plugin: DbPlugin;
  /** Null when `enable_cache` is off: no ETags, preconditions ignored. */
  readonly versions: TableVersions | null;
  readonly checkScope: boolean;
  /** The claim holding the user id. */
  readonly userClaim: string;
  readonly #publicTables: Set<string>;
  readonly #publicFuncs: Set<string>;

  constructor(name: string, config: RestDatabaseConfig, plugin: DbPlugin, settings: RestSettings, cache: CachePlugin) {
    this.name = name;
    this.config = config;
    this.plugin = plugin;
    this.versions = config.enable_cache ? new TableVersions(name, cache, plugin.externalVersion?.bind(plugin)) : null;
    this.checkScope = config.check_scope ?? settings.check_scope;
    this.userClaim = config.token_user_search || settings.token_user_search;
    this.#publicTables = new Set(config.public.table);
    this.#publicFuncs = new Set(config.public.func);
  }

  /** The schema now (the plugin re-reads it when it changed). */
  schema(): DbSchema | Promise<DbSchema> {
    return this.plugin.getSchema();
  }

  isPublicTable(table: string): boolean {
    return this.#publicTables.has(table);
  }

  isPublicFunction(func: string): boolean {
    return this.#publicFuncs.has(func);
  }

  /** Adds a TypeScript function callable at `POST /api/<name>/rpc/<func>/`. */
  registerFunction(func: string, fn: TsFunction): void {
    if (!IDENTIFIER.test(func)) throw new TypeError(`Function name ${JSON.stringify(func)} must be an identifier (letters, digits, _)`);
    if (this.plugin.registerFunction === undefined) throw new TypeError(`The plugin of database "${this.name}" does not take TypeScript functions`);
    this.plugin.registerFunction(func, fn);
  }
}

/** Opens every configured database; on a failure, closes those already open and throws naming the database. */
export async function openRestDatabases(settings: RestSettings, options: OpenRestOptions): Promise<RestDatabase[]> {
  const cache = options.cache ?? new MemoryCache({ maxEntries: 100_000 });
  const open: RestDatabase[] = [];
  try {
    for (const [name, config] of Object.entries(settings.databases)) {
      let plugin: DbPlugin;
      try {
        plugin = await createPlugin(name, config, options);
      } catch (err) {
        throw new Error(`REST database "${name}": ${(err as Error).message}`, { cause: err });
      }
      open.push(new RestDatabase(name, config, plugin, settings, cache));
    }
  } catch (err) {
    await Promise.all(open.map((db) => db.plugin.close()));
    throw err;
  }
  return open;
}

async function createPlugin(name: string, config: RestDatabaseConfig, options: OpenRestOptions): Promise<DbPlugin> {
  const exclude = { table: [...config.exclude.table], func: [...config.exclude.func] };
  const pluginOptions: DbPluginOptions = { name, uri: config.uri, dataDir: options.dataDir, exclude, readonly: config.readonly, functions: config.functions };
  if (config.plugin === '') {
    const path = sqliteFilePath(config.uri, options.dataDir);
    if (existsSync(path) && existsSync(options.appDbPath) && realpathSync(path) === realpathSync(options.appDbPath)) exclude.table.push(...frameworkTables());
    return createSqlitePlugin(pluginOptions);
  }
  const file = resolve(options.projectRoot, config.plugin);
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new TypeError(`plugin module ${file} must export a factory function as its default export`);
  return await (mod.default as DbPluginFactory)(pluginOptions);
}
