// The settings reference as a Markdown table, generated from the schema (the README embeds it; a test keeps it current).
import { SETTINGS } from './schema.ts';

/** One row per setting: key, type, default, live reload, description. */
export function settingsTable(): string {
  const rows = ['| key | type | default | live | description |', '|---|---|---|---|---|'];
  for (const [path, s] of SETTINGS) {
    const def = s.generate ? '*generated*' : s.defaultText !== undefined ? `\`${s.defaultText}\`` : JSON.stringify(s.default);
    rows.push(`| \`${path}\` | ${s.type} | ${def} | ${s.live ? 'yes' : 'restart'} | ${s.description.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

// `node src/config/docs.ts --write` refreshes the table between the markers in README.md.
if (import.meta.main) {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const file = new URL('../../README.md', import.meta.url);
  const readme = readFileSync(file, 'utf8');
  const updated = readme.replace(/(<!-- settings:begin[^>]*-->\n)[\s\S]*?(<!-- settings:end -->)/, `$1${settingsTable()}\n$2`);
  if (process.argv.includes('--write')) writeFileSync(file, updated);
  else process.stdout.write(settingsTable() + '\n');
}
