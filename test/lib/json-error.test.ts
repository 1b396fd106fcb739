// locateJsonError (where JSON.parse failed, as line and column) and locateDeepNesting (where valid JSON nests too deep).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateDeepNesting, locateJsonError } from '../../src/lib/json-error.ts';

test('locateJsonError: the line and column of the first mistake; null for valid JSON', () => {
  const where = locateJsonError('{"a":1,\n "b": }');
  assert.deepEqual([where?.offset, where?.line, where?.column], [14, 2, 7]);
  assert.equal(locateJsonError('{"a":[1,2,{"b":null}]}'), null);
});

test('locateDeepNesting: exactly the limit passes, one level more is located', () => {
  const nest = (n: number, open = '[', close = ']') => open.repeat(n) + close.repeat(n);
  assert.equal(locateDeepNesting(nest(512), 512), null);
  assert.deepEqual(locateDeepNesting(nest(513), 512), { offset: 512, line: 1, column: 513, message: 'more than 512 levels of nesting' });
  // Objects count, and brackets inside strings (escaped quotes included) do not.
  const objects = '{"a":'.repeat(3) + '1' + '}'.repeat(3);
  assert.equal(locateDeepNesting(objects, 3), null);
  assert.equal(locateDeepNesting(objects, 2)?.offset, 10);
  assert.equal(locateDeepNesting(`["${'[\\"['.repeat(40)}"]`, 1), null);
  assert.equal(locateDeepNesting(`\n\n${nest(6)}`, 5)?.line, 3);
});
