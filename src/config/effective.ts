// The configuration a server runs with: the latest stored `application` version over the defaults, then the
// environment and flags (src/config/load.ts merges the layers).
import { parse, type TomlTable } from '../lib/toml.ts';
import { ConfigError, loadConfig, type LoadedConfig } from './load.ts';
import type { PartialConfig } from './schema.ts';
import { APPLICATION_SCOPE, type ConfigStore, type ConfigVersion } from './store.ts';

export interface EffectiveConfig extends LoadedConfig {
  /** The stored version it was built from. */
  version: number;
}

/** Parses a stored TOML version; a syntax error becomes a ConfigError naming the version. */
export function parseVersion(stored: ConfigVersion): TomlTable {
  try {
    return parse(stored.content);
  } catch (err) {
    throw new ConfigError([`Version ${stored.version} of the "${stored.scope}" configuration is not valid TOML: ${(err as Error).message}`]);
  }
}

/** Builds the effective configuration from the store's latest `application` version, the environment and flags. */
export function loadEffectiveConfig(store: ConfigStore, options: { env?: NodeJS.ProcessEnv; flags?: PartialConfig } = {}): EffectiveConfig {
  const latest = store.latest(APPLICATION_SCOPE);
  if (latest === undefined) throw new ConfigError(['No stored "application" configuration']);
  const loaded = loadConfig({ ...options, stored: parseVersion(latest), storedLabel: `stored version ${latest.version}` });
  return { ...loaded, version: latest.version };
}
