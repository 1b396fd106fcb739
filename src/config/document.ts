// The `application` scope's TOML document as monolite writes it: every setting in schema order under its section,
// with its description as a comment; a setting the document sets is an active line, any other is a commented-out line
// showing its default (so a later release's new defaults still apply). Keys the schema does not know are kept.
import { formatKey, formatValue, parse, stringify, type TomlTable, type TomlValue } from '../lib/toml.ts';
import { isTable } from './load.ts';
import { SETTINGS, isSetting, schema, type SchemaNode } from './schema.ts';
import type { Setting } from './settings.ts';

const HEADER = [
  '# monolite configuration (scope "application"), stored encrypted in app.db.',
  '# Change it with `monolite config set KEY VALUE`, or `config export > f.toml`, edit, `config import f.toml`.',
  '# A commented-out line shows the built-in default; [restart]: a running server applies it at its next start.',
];

/** The first version of a new data directory: defaults commented out, generated secrets set. */
export function initialDocument(): TomlTable {
  const doc: TomlTable = Object.create(null);
  for (const [path, setting] of SETTINGS) {
    if (setting.generate) setIn(doc, path.split('.'), setting.generate());
  }
  return doc;
}

/** Writes `doc` as a commented document; `parse` of the result gives `doc` back. */
export function writeDocument(doc: TomlTable): string {
  const out = [...HEADER];
  writeGroup(out, schema as Record<string, SchemaNode>, doc, []);
  const extra: TomlTable = Object.create(null);
  for (const [key, value] of Object.entries(doc)) if (!Object.hasOwn(schema, key)) extra[key] = value;
  if (Object.keys(extra).length > 0) out.push('', '# Keys monolite does not know (ignored)', stringify(extra).trimEnd());
  return out.join('\n') + '\n';
}

function writeGroup(out: string[], node: Record<string, SchemaNode>, doc: TomlTable | undefined, path: string[]): void {
  const groups: string[] = [];
  for (const [key, child] of Object.entries(node)) {
    if (!isSetting(child)) {
      groups.push(key);
      continue;
    }
    out.push(`# ${child.description}${child.live ? '' : ' [restart]'}`);
    const line = `${formatKey(key)} = `;
    if (doc !== undefined && Object.hasOwn(doc, key)) out.push(line + formatValue(doc[key]));
    else out.push(`# ${line}${defaultText(child)}`);
  }
  if (doc !== undefined && path.length > 0) {
    // Unknown keys inside a known group stay where they were, written inline (top-level ones go at the end).
    for (const [key, value] of Object.entries(doc)) {
      if (!Object.hasOwn(node, key)) out.push(`${formatKey(key)} = ${formatValue(value)}`);
    }
  }
  for (const key of groups) {
    const sub = doc?.[key];
    const full = [...path, key];
    out.push('', `[${full.map(formatKey).join('.')}]`);
    writeGroup(out, node[key] as Record<string, SchemaNode>, isTable(sub) ? (sub as TomlTable) : undefined, full);
  }
}

/** A setting's default in TOML, as the schema writes it (`"60s"`, not `"1m"`). */
export function defaultText(setting: Setting<unknown>): string {
  return formatValue(setting.defaultText ?? (setting.toToml(setting.default) as TomlValue));
}

/**
 * Splits a key as written on the command line (`server.port`, `a."b.c"`) into its parts, with TOML's dotted-key
 * rules; throws the parser's SyntaxError for a malformed key.
 */
export function parseKeyPath(text: string): string[] {
  const keys: string[] = [];
  let node: TomlValue = parse(`${text} = 0`);
  while (isTable(node)) {
    const key: string = Object.keys(node)[0];
    keys.push(key);
    node = (node as TomlTable)[key];
  }
  return keys;
}

/** The value at `keys` in a document, or undefined. */
export function getIn(doc: TomlTable, keys: string[]): TomlValue | undefined {
  let node: TomlValue | undefined = doc;
  for (const key of keys) {
    if (!isTable(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as TomlTable)[key];
  }
  return node;
}

/** Sets the value at `keys`, creating tables on the way; throws a TypeError when a non-table is in the way. */
export function setIn(doc: TomlTable, keys: string[], value: TomlValue): void {
  let node = doc;
  for (let i = 0; i < keys.length - 1; i++) {
    const next: TomlValue | undefined = node[keys[i]];
    if (next === undefined) node = node[keys[i]] = Object.create(null) as TomlTable;
    else if (isTable(next)) node = next as TomlTable;
    else throw new TypeError(`${keys.slice(0, i + 1).join('.')} is a value, not a table`);
  }
  node[keys[keys.length - 1]] = value;
}

/** Removes the value at `keys` and any table left empty by it; false when there was nothing there. */
export function deleteIn(doc: TomlTable, keys: string[]): boolean {
  const parents: TomlTable[] = [doc];
  for (const key of keys.slice(0, -1)) {
    const next = parents[parents.length - 1][key];
    if (!isTable(next)) return false;
    parents.push(next as TomlTable);
  }
  const last = keys[keys.length - 1];
  if (!Object.hasOwn(parents[parents.length - 1], last)) return false;
  delete parents[parents.length - 1][last];
  for (let i = parents.length - 1; i > 0 && Object.keys(parents[i]).length === 0; i--) delete parents[i - 1][keys[i - 1]];
  return true;
}
