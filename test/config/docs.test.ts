// The README's settings table is the one generated from the schema: documentation cannot drift from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { settingsTable } from '../../src/config/docs.ts';

test('README settings table matches the schema', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const m = /<!-- settings:begin[^>]*-->\n([\s\S]*?)<!-- settings:end -->/.exec(readme);
  assert.ok(m, 'README has the settings markers');
  assert.equal(m[1].trim(), settingsTable(), 'regenerate with: node scripts/node.mjs src/config/docs.ts --write');
});
