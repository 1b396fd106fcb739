// Builds the effective configuration from its layers, later wins: built-in defaults ← the stored TOML document
// (latest `application` version) ← environment (`MONOLITE_<SECTION>_<KEY>`) ← command-line flags. Every value is
// validated; all problems are reported at once, naming the key path; unknown keys are warnings.
import { SETTINGS, isSetting, schema, type Config, type PartialConfig, type SchemaNode } from './schema.ts';

export type ConfigLayer = 'default' | 'stored' | 'env' | 'flag';

export interface LoadedConfig {
  config: Config;
  /** Where each key's value came from (`server.port` → `env`). */
  origin: Map<string, ConfigLayer>;
  /** Problems worth a log line that do not stop startup (unknown keys). */
  warnings: string[];
}

export interface LoadOptions {
  /** The stored document (parsed TOML), when there is one. */
  stored?: Record<string, unknown>;
  /** Names the stored document in messages (`stored configuration version 3`). */
  storedLabel?: string;
  env?: NodeJS.ProcessEnv;
  flags?: PartialConfig;
}

/** Invalid configuration; `problems` lists each one as `key.path: what was wrong`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.length === 1 ? `Invalid configuration: ${problems[0]}` : `Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

// Environment variables with the prefix that are not settings.
const NOT_SETTINGS = new Set(['MONOLITE_DATA_DIR', 'MONOLITE_NODE', 'MONOLITE_SECRET_KEY_FILE']);

/** The environment variable that sets `path` (`server.port` → `MONOLITE_SERVER_PORT`). */
export function envName(path: string): string {
  return `MONOLITE_${path.replace(/\./g, '_').toUpperCase()}`;
}

const ENV_NAMES = new Map([...SETTINGS.keys()].map((path) => [envName(path), path]));

/** The layers merged and validated; throws a ConfigError listing every invalid value. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const config = defaults();
  const origin = new Map<string, ConfigLayer>();
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const path of SETTINGS.keys()) origin.set(path, 'default');

  const set = (path: string, value: unknown, layer: ConfigLayer, label: string) => {
    const setting = SETTINGS.get(path)!;
    try {
      // Environment values and flags arrive as text; the stored TOML layer is already typed.
      setValueAt(config, path, setting.parse(value, layer === 'env' || layer === 'flag'));
      origin.set(path, layer);
    } catch (err) {
      problems.push(`${path}${label}: ${(err as Error).message}`);
    }
  };

  if (options.stored !== undefined) {
    const label = options.storedLabel ? ` (${options.storedLabel})` : '';
    walkDocument(options.stored, schema as Record<string, SchemaNode>, '', {
      setting: (path, value) => set(path, value, 'stored', label),
      unknown: (path) => warnings.push(`Unknown setting ${path}${label} is ignored`),
      notATable: (path, value) => problems.push(`${path}${label}: expected a table of settings, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`),
    });
  }

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('MONOLITE_') || NOT_SETTINGS.has(name) || value === undefined) continue;
    const path = ENV_NAMES.get(name);
    if (path === undefined) warnings.push(`${name}: no such setting`);
    else set(path, value, 'env', ` (from ${name})`);
  }

  const flags = (prefix: string, values: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const path = prefix + key;
      if (SETTINGS.has(path)) set(path, value, 'flag', '');
      else if (isTable(value)) flags(`${path}.`, value);
      else warnings.push(`Unknown setting ${path} is ignored`);
    }
  };
  flags('', (options.flags ?? {}) as Record<string, unknown>);

  if (problems.length > 0) throw new ConfigError(problems);
  return { config, origin, warnings };
}

/** A fresh copy of the built-in defaults. */
export function defaults(): Config {
  const config: Record<string, unknown> = {};
  for (const [path, setting] of SETTINGS) setValueAt(config, path, structuredClone(setting.default));
  return config as Config;
}

/** The value at a dotted schema path of a config object. */
export function valueAt(config: object, path: string): unknown {
  let node: unknown = config;
  for (const key of path.split('.')) node = (node as Record<string, unknown>)[key];
  return node;
}

interface DocumentVisitor {
  setting(path: string, value: unknown): void;
  unknown(path: string): void;
  notATable(path: string, value: unknown): void;
}

/** Walks a parsed TOML document along the schema tree. */
function walkDocument(doc: Record<string, unknown>, node: Record<string, SchemaNode>, prefix: string, visit: DocumentVisitor): void {
  for (const [key, value] of Object.entries(doc)) {
    const path = prefix + key;
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (child === undefined) visit.unknown(path);
    else if (isSetting(child)) visit.setting(path, value);
    else if (isTable(value)) {
      walkDocument(value as Record<string, unknown>, child as Record<string, SchemaNode>, `${path}.`, visit);
    } else visit.notATable(path, value);
  }
}

/** A TOML table: a plain or null-prototype object (not an array or a date). */
export function isTable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** Sets the value at a dotted path, creating groups on the way. */
export function setValueAt(target: object, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (let i = 0; i < keys.length - 1; i++) node = (node[keys[i]] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}
