// `monolite config …`: shows, edits, imports, exports, lists, diffs and rolls back the encrypted configuration
// versions of a data directory, and asks the running server (pid file) to reload after a change.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Writable } from 'node:stream';
import { openDataDir, type DataDir } from '../data-dir.ts';
import { formatValue, parse, parseValue, stringify, type TomlTable, type TomlValue } from '../lib/toml.ts';
import { colorizeDiff } from '../lib/unified-diff.ts';
import { readLivePid } from '../lib/pid-file.ts';
import { envName, isTable, loadConfig, valueAt } from '../config/load.ts';
import { loadEffectiveConfig, parseVersion } from '../config/effective.ts';
import { defaultText, deleteIn, getIn, parseKeyPath, setIn, writeDocument } from '../config/document.ts';
import { diffVersions, presentVersion, SECRET_MASK as MASK } from '../config/versions.ts';
import { SETTINGS } from '../config/schema.ts';
import { APPLICATION_SCOPE, type ConfigVersion } from '../config/store.ts';
import type { Setting } from '../config/settings.ts';
import { CommandError, UsageError, pickSubcommand, subcommandUsage, type Command, type CommandIO, type SubcommandSpec } from './command.ts';
import { printTable } from './table.ts';

// `options`: besides --scope, which all but `scopes` and `paths`' application view take.
interface Subcommand extends SubcommandSpec {
  /** The first argument is a KEY (checked before the data directory is opened). */
  key?: boolean;
  run(ctx: Ctx): number;
}

interface Ctx {
  io: CommandIO;
  dir: DataDir;
  scope: string;
  args: string[];
  showSecrets: boolean;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  show: {
    usage: 'monolite config show [--scope S] [--version N] [--effective] [--show-secrets]\n' +
      '  the stored document (latest version, or N); --effective: every setting in force and where it came from',
    options: ['version', 'effective', 'show-secrets'], args: [0, 0],
    run(ctx) {
      if (ctx.io.values.effective) return showEffective(ctx);
      const stored = pickVersion(ctx, ctx.io.values.version as string | undefined);
      ctx.io.stdout.write(`# version ${stored.version} of "${stored.scope}", saved ${stored.createdAt}${stored.description ? `: ${stored.description}` : ''}\n`);
      ctx.io.stdout.write(presentVersion(stored, { showSecrets: ctx.showSecrets }));
      return 0;
    },
  },
  get: {
    key: true,
    usage: 'monolite config get KEY [--scope S] [--show-secrets]\n  one value (application scope: the value in force, after the environment)',
    options: ['show-secrets'], args: [1, 1],
    run(ctx) {
      const keys = keyPath(ctx.args[0]);
      if (ctx.scope === APPLICATION_SCOPE) {
        const path = keys.join('.');
        const { config } = loadEffectiveConfig(ctx.dir.store, { env: ctx.io.env });
        const matches = [...SETTINGS].filter(([p]) => p === path || p.startsWith(path + '.'));
        if (matches.length === 0) throw unknownSetting(path);
        for (const [p, setting] of matches) {
          const text = shown(ctx, setting, valueAt(config, p));
          ctx.io.stdout.write(matches.length === 1 && p === path ? `${text}\n` : `${p} = ${text}\n`);
        }
        return 0;
      }
      const value = getIn(documentOf(ctx, latest(ctx)), keys);
      if (value === undefined) throw new CommandError(`No key ${ctx.args[0]} in the "${ctx.scope}" configuration`);
      ctx.io.stdout.write(`${formatValue(value)}\n`);
      return 0;
    },
  },
  set: {
    key: true,
    usage: 'monolite config set KEY VALUE [--scope S] [-m WHY] [--no-reload]\n' +
      '  VALUE in TOML syntax (9000, true, "text", ["a", "b"]); text settings also take bare text (30s, example.com)',
    options: ['message', 'no-reload'], args: [2, 2],
    run(ctx) {
      const keys = keyPath(ctx.args[0]);
      const path = keys.join('.');
      const setting = ctx.scope === APPLICATION_SCOPE ? SETTINGS.get(path) : undefined;
      if (ctx.scope === APPLICATION_SCOPE && setting === undefined) throw unknownSetting(path);
      const value = valueFromText(ctx.args[1]);
      if (setting) {
        try {
          setting.parse(value, false);
        } catch (err) {
          throw new CommandError(`${path}: ${(err as Error).message}`);
        }
      }
      const current = ctx.dir.store.latest(ctx.scope); // an app scope may start with its first `set`
      const doc = documentOf(ctx, current);
      const before = getIn(doc, keys);
      if (before !== undefined && formatValue(before) === formatValue(value)) {
        ctx.io.stdout.write(`${path} is already ${setting?.secret ? MASK : formatValue(value)}; nothing saved\n`);
        return 0;
      }
      try {
        setIn(doc, keys, value);
      } catch (err) {
        throw new CommandError(`Cannot set ${path}: ${(err as Error).message}`);
      }
      const shownValue = setting?.secret ? MASK : formatValue(value);
      save(ctx, doc, `set ${path} = ${shownValue}`);
      if (setting && !setting.live) ctx.io.stdout.write(`${path} takes effect when the server restarts\n`);
      return 0;
    },
  },
  unset: {
    key: true,
    usage: 'monolite config unset KEY [--scope S] [-m WHY] [--no-reload]\n  removes KEY from the stored document (back to the default)',
    options: ['message', 'no-reload'], args: [1, 1],
    run(ctx) {
      const keys = keyPath(ctx.args[0]);
      const path = keys.join('.');
      if (ctx.scope === APPLICATION_SCOPE && !SETTINGS.has(path)) throw unknownSetting(path);
      const current = latest(ctx);
      const doc = documentOf(ctx, current);
      if (!deleteIn(doc, keys)) {
        ctx.io.stdout.write(`${path} is not set in version ${current.version}; nothing saved\n`);
        return 0;
      }
      save(ctx, doc, `unset ${path}`);
      return 0;
    },
  },
  import: {
    usage: 'monolite config import FILE [--scope S] [--format F] [-m WHY] [--no-reload]\n' +
      '  FILE ("-": stdin) becomes the scope\'s whole new version, kept as written; TOML is checked first',
    options: ['message', 'format', 'no-reload'], args: [1, 1],
    run(ctx) {
      const file = ctx.args[0];
      const format = (ctx.io.values.format as string | undefined) ?? (extname(file).slice(1).toLowerCase() || 'toml');
      let bytes: Buffer;
      try {
        bytes = readFileSync(file === '-' ? 0 : file);
      } catch (err) {
        throw new CommandError(`Cannot read ${file}: ${(err as Error).message}`);
      }
      let content: string;
      try {
        content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new CommandError(`Cannot import ${file}: it is not valid UTF-8`);
      }
      if (ctx.scope === APPLICATION_SCOPE && format !== 'toml') {
        throw new CommandError(`The application configuration is TOML; ${file} has format "${format}" (use --format toml)`);
      }
      if (format === 'toml') {
        let doc: TomlTable;
        try {
          doc = parse(content);
        } catch (err) {
          throw new CommandError(`Cannot import ${file}: ${(err as Error).message}`);
        }
        if (ctx.scope === APPLICATION_SCOPE) check(ctx, doc);
      }
      const previous = ctx.dir.store.latest(ctx.scope);
      if (previous && previous.content === content && previous.format === format) {
        ctx.io.stdout.write(`${basename(file)} is identical to version ${previous.version}; nothing saved\n`);
        return 0;
      }
      saveText(ctx, content, format, `import ${file === '-' ? 'stdin' : basename(file)}`);
      return 0;
    },
  },
  export: {
    usage: 'monolite config export [--scope S] [--version N]\n  the stored text exactly, secrets included (for backups and import)',
    options: ['version'], args: [0, 0],
    run(ctx) {
      ctx.io.stdout.write(pickVersion(ctx, ctx.io.values.version as string | undefined).content);
      return 0;
    },
  },
  versions: {
    usage: 'monolite config versions [--scope S]\n  every saved version, newest first',
    options: [], args: [0, 0],
    run(ctx) {
      const rows = ctx.dir.store.versions(ctx.scope).map((v) => [String(v.version), v.createdAt, v.format, v.description]);
      if (rows.length === 0) throw new CommandError(`No configuration saved in scope "${ctx.scope}"`);
      printTable(ctx.io.stdout, [['VERSION', 'SAVED', 'FORMAT', 'DESCRIPTION'], ...rows]);
      return 0;
    },
  },
  diff: {
    usage: 'monolite config diff [A] [B] [--scope S] [--show-secrets]\n' +
      '  unified diff from version A to B (default: the previous version to the latest; one number: A to the latest)',
    options: ['show-secrets'], args: [0, 2],
    run(ctx) {
      const newest = latest(ctx).version;
      const b = ctx.args.length === 2 ? versionNumber(ctx.args[1]) : newest;
      const a = ctx.args.length >= 1 ? versionNumber(ctx.args[0]) : b - 1;
      if (a < 1) throw new CommandError(`The "${ctx.scope}" configuration has only version ${newest}; nothing to compare`);
      const [va, vb] = [a, b].map((n) => pickVersion(ctx, String(n)));
      const diff = diffVersions(va, vb, { showSecrets: ctx.showSecrets });
      if (diff === '') ctx.io.stdout.write(`No differences between version ${a} and version ${b}\n`);
      else ctx.io.stdout.write(colors(ctx.io.stdout) ? colorizeDiff(diff) : diff);
      return 0;
    },
  },
  rollback: {
    usage: 'monolite config rollback N [--scope S] [-m WHY] [--no-reload]\n  saves version N\'s content as a new version',
    options: ['message', 'no-reload'], args: [1, 1],
    run(ctx) {
      const target = pickVersion(ctx, ctx.args[0]);
      if (ctx.scope === APPLICATION_SCOPE) check(ctx, parseVersion(target));
      saveText(ctx, target.content, target.format, `rollback to version ${target.version}`);
      return 0;
    },
  },
  paths: {
    usage: 'monolite config paths [--scope S]\n  every settable key with its type, default and whether it reloads live',
    options: [], args: [0, 0],
    run(ctx) {
      if (ctx.scope === APPLICATION_SCOPE) {
        const rows = [...SETTINGS].map(([path, s]) => [
          path, s.type, s.generate ? '(generated)' : defaultText(s), s.live ? 'live' : 'restart',
        ]);
        printTable(ctx.io.stdout, [['KEY', 'TYPE', 'DEFAULT', 'RELOAD'], ...rows]);
        return 0;
      }
      const rows: string[][] = [];
      const walk = (node: TomlTable, prefix: string) => {
        for (const [key, value] of Object.entries(node)) {
          if (isTable(value)) walk(value as TomlTable, `${prefix}${key}.`);
          else rows.push([prefix + key, Array.isArray(value) ? 'array' : value instanceof Object ? 'datetime' : typeof value]);
        }
      };
      walk(documentOf(ctx, latest(ctx)), '');
      printTable(ctx.io.stdout, [['KEY', 'TYPE'], ...rows]);
      return 0;
    },
  },
  scopes: {
    usage: 'monolite config scopes\n  every scope with its number of versions',
    options: [], args: [0, 0],
    run(ctx) {
      printTable(ctx.io.stdout, [['SCOPE', 'VERSIONS'], ...ctx.dir.store.scopes().map((s) => [s.scope, String(s.versions)])]);
      return 0;
    },
  },
};

export const configCommand: Command = {
  name: 'config',
  usage: [
    'monolite config <subcommand> [options]',
    '',
    ...Object.values(SUBCOMMANDS).map((s) => s.usage.split('\n')[0].replace('monolite config ', '  ')),
    '',
    'Options: -s/--scope S (default "application"), --show-secrets, -m/--message WHY (recorded with the version),',
    '--no-reload (do not signal the running server after a change). "monolite config <subcommand> --help" for more.',
  ].join('\n'),
  options: {
    scope: { type: 'string', short: 's' },
    version: { type: 'string' },
    effective: { type: 'boolean' },
    'show-secrets': { type: 'boolean' },
    message: { type: 'string', short: 'm' },
    format: { type: 'string' },
    'no-reload': { type: 'boolean' },
  },
  subcommandUsage: (positionals) => subcommandUsage(SUBCOMMANDS, positionals),
  async run(io) {
    const { name, sub, args } = pickSubcommand(configCommand, SUBCOMMANDS, io, { shared: ['scope'] });
    if (name === 'scopes' && io.values.scope !== undefined) throw new UsageError('Option --scope does not apply to "config scopes"');
    if (sub.key) keyPath(args[0]);
    const dir = openDataDir(io.dataDir, { env: io.env });
    try {
      return sub.run({ io, dir, args, scope: (io.values.scope as string | undefined) ?? APPLICATION_SCOPE, showSecrets: io.values['show-secrets'] === true });
    } finally {
      dir.close();
    }
  },
};

function showEffective(ctx: Ctx): number {
  if (ctx.scope !== APPLICATION_SCOPE) throw new UsageError('--effective applies to the application scope only');
  const { config, origin, version } = loadEffectiveConfig(ctx.dir.store, { env: ctx.io.env });
  const rows = [...SETTINGS].map(([path, setting]) => {
    const from = origin.get(path)!;
    const where = from === 'stored' ? `stored (version ${version})` : from === 'env' ? `env (${envName(path)})` : from;
    return [`${path} = ${shown(ctx, setting, valueAt(config, path))}`, `# ${where}`];
  });
  printTable(ctx.io.stdout, rows);
  return 0;
}

/** A setting's value as TOML, masked when it is a set secret and --show-secrets is absent. */
function shown(ctx: Ctx, setting: Setting<unknown>, value: unknown): string {
  if (setting.secret && value !== '' && !ctx.showSecrets) return formatValue(MASK);
  return formatValue(setting.toToml(value) as TomlValue);
}

/** Validates a whole application document as the server would load it (environment excluded). */
function check(ctx: Ctx, doc: TomlTable): void {
  const { warnings } = loadConfig({ stored: doc, env: {} });
  for (const w of warnings) ctx.io.stderr.write(`monolite: warning: ${w}\n`);
}

/** Saves an edited TOML document: the application scope in monolite's commented layout, others plainly. */
function save(ctx: Ctx, doc: TomlTable, summary: string): void {
  if (ctx.scope === APPLICATION_SCOPE) check(ctx, doc);
  saveText(ctx, ctx.scope === APPLICATION_SCOPE ? writeDocument(doc) : stringify(doc), 'toml', summary);
}

function saveText(ctx: Ctx, content: string, format: string, summary: string): void {
  const message = ctx.io.values.message as string | undefined;
  const version = ctx.dir.store.save(ctx.scope, content, { format, description: message ? `${summary}: ${message}` : summary });
  ctx.io.stdout.write(`Saved version ${version} of "${ctx.scope}" (${summary})\n`);
  if (ctx.io.values['no-reload']) return;
  const pid = readLivePid(ctx.dir.pidFile);
  if (pid === undefined) {
    ctx.io.stdout.write('No server is running on this data directory; the next start uses this version\n');
    return;
  }
  try {
    process.kill(pid, 'SIGHUP');
    ctx.io.stdout.write(`Asked the running server (pid ${pid}) to reload; its log says what changed\n`);
  } catch (err) {
    ctx.io.stderr.write(`monolite: warning: could not signal the server (pid ${pid}): ${(err as Error).message}\n`);
  }
}

function latest(ctx: Ctx): ConfigVersion {
  const stored = ctx.dir.store.latest(ctx.scope);
  if (stored === undefined) throw new CommandError(`No configuration saved in scope "${ctx.scope}"`);
  return stored;
}

function pickVersion(ctx: Ctx, text: string | undefined): ConfigVersion {
  if (text === undefined) return latest(ctx);
  const stored = ctx.dir.store.get(ctx.scope, versionNumber(text));
  if (stored === undefined) throw new CommandError(`No version ${text} in scope "${ctx.scope}" (see: monolite config versions)`);
  return stored;
}

function versionNumber(text: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new UsageError(`Invalid version "${text}": expected a version number (1, 2, …)`);
  return Number(text);
}

/** The stored version as a TOML table to edit (an empty one for a scope that has none yet). */
function documentOf(ctx: Ctx, stored: ConfigVersion | undefined): TomlTable {
  if (stored === undefined) return Object.create(null);
  if (stored.format !== 'toml') throw new CommandError(`The "${ctx.scope}" configuration is ${stored.format}, not TOML; use export and import`);
  return parseVersion(stored);
}

function keyPath(text: string): string[] {
  try {
    return parseKeyPath(text);
  } catch {
    throw new UsageError(`Invalid key "${text}": expected a dotted key such as server.port`);
  }
}

/**
 * VALUE as TOML; text that is not a TOML value and does not try to be one (no quote or bracket first) is taken as a
 * string, so `30s` and `smtp.example.com` need no shell quoting. The setting's check then says what it expected.
 */
function valueFromText(text: string): TomlValue {
  try {
    return parseValue(text);
  } catch (err) {
    if (!/^\s*["'[{]/.test(text)) return text;
    throw new CommandError(`Invalid value ${JSON.stringify(text)}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function unknownSetting(path: string): CommandError {
  const near = [...SETTINGS.keys()].filter((p) => distance(p, path) <= 2 || p.endsWith(`.${path}`));
  return new CommandError(`Unknown setting ${path}${near.length > 0 ? `; did you mean ${near.join(' or ')}?` : ''} (monolite config paths lists them)`);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

function colors(out: Writable): boolean {
  const tty = out as Writable & { isTTY?: boolean; hasColors?: () => boolean };
  return tty.isTTY === true && tty.hasColors?.() === true;
}
