// Builds the effective configuration from its layers, later wins: built-in defaults ← environment
// (`MONOLITE_<SECTION>_<KEY>`) ← command-line flags. (The stored, encrypted TOML layer slots in between defaults and
// environment.) Every value is validated; all problems are reported at once, naming the key path.
import { schema, type Config, type PartialConfig } from './schema.ts';
import type { Setting } from './settings.ts';

export type ConfigLayer = 'default' | 'env' | 'flag';

export interface LoadedConfig {
  config: Config;
  /** Where each key's value came from (`server.port` → `env`). */
  origin: Map<string, ConfigLayer>;
  /** Problems worth a log line that do not stop startup (unknown environment keys). */
  warnings: string[];
}

/** Invalid configuration; `problems` lists each one as `key.path: what was wrong`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

// Environment variables with the prefix that are not settings.
const NOT_SETTINGS = new Set(['MONOLITE_DATA_DIR', 'MONOLITE_NODE']);

type AnySchema = Record<string, Record<string, Setting<unknown>>>;

/** The defaults, the environment's `MONOLITE_*` variables and the flags, merged and validated. */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; flags?: PartialConfig } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const sections = schema as AnySchema;
  const config: Record<string, Record<string, unknown>> = {};
  const origin = new Map<string, ConfigLayer>();
  const problems: string[] = [];
  const warnings: string[] = [];

  for (const [section, settings] of Object.entries(sections)) {
    config[section] = {};
    for (const [key, setting] of Object.entries(settings)) {
      config[section][key] = structuredClone(setting.default); // a list default must not be shared between loads
      origin.set(`${section}.${key}`, 'default');
    }
  }

  const set = (section: string, key: string, value: unknown, layer: ConfigLayer, label: string) => {
    const setting = sections[section]?.[key];
    if (setting === undefined) {
      warnings.push(`${label}: unknown setting ${section}.${key}`);
      return;
    }
    try {
      // Environment values and flags arrive as text; the stored TOML layer is already typed.
      config[section][key] = setting.parse(value, layer !== 'default');
      origin.set(`${section}.${key}`, layer);
    } catch (err) {
      problems.push(`${section}.${key}${layer === 'env' ? ` (from ${label})` : ''}: ${(err as Error).message}`);
    }
  };

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('MONOLITE_') || NOT_SETTINGS.has(name) || value === undefined) continue;
    const rest = name.slice('MONOLITE_'.length).toLowerCase();
    const section = Object.keys(sections).find((s) => rest.startsWith(s + '_'));
    if (section === undefined) {
      warnings.push(`${name}: no such configuration section`);
      continue;
    }
    set(section, rest.slice(section.length + 1), value, 'env', name);
  }

  for (const [section, values] of Object.entries(options.flags ?? {})) {
    for (const [key, value] of Object.entries(values ?? {})) {
      if (value !== undefined) set(section, key, value, 'flag', `--${key}`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { config: config as Config, origin, warnings };
}
