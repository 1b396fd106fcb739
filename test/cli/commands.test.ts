// The command table main.ts dispatches on agrees with the commands it loads: same names, the same value-taking flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, DEFAULT_COMMAND } from '../../src/cli/commands.ts';

for (const entry of COMMANDS) {
  test(`command table: "${entry.name}" loads its command, and lists exactly its flags that take a value`, async () => {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    const valueFlags = Object.entries(command.options)
      .filter(([, option]) => option.type === 'string')
      .flatMap(([name, option]) => [`--${name}`, ...(option.short === undefined ? [] : [`-${option.short}`])]);
    assert.deepEqual([...entry.valueFlags].sort(), valueFlags.sort());
    assert.ok(entry.summary.length > 0 && !entry.summary.includes('\n'), 'a one-line summary');
  });
}

test('command table: names are unique and the default command is one of them', () => {
  const names = COMMANDS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes(DEFAULT_COMMAND));
});
