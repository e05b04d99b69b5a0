import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, within } from './harness.js';

test('eventually returns the first truthy value', async () => {
  let calls = 0;
  const value = await eventually(() => (++calls >= 3 ? { calls } : undefined), 5000, 'the third call');
  assert.deepEqual(value, { calls: 3 });
});

test('eventually throws on timeout, naming what was awaited and the last value', async () => {
  await assert.rejects(eventually(() => 0, 120, 'the answer'), /gave up after 120 ms waiting for the answer; the last check returned 0/);
  await assert.rejects(eventually(() => [].length > 1, 60), /waiting for \(\) => \[\]\.length > 1/, 'without a description, the check itself is named');
});

test('within rejects after the time is up, naming what was awaited', async () => {
  assert.equal(await within(Promise.resolve(7), 1000, 'seven'), 7);
  await assert.rejects(within(new Promise(() => {}), 50, 'a promise that never settles'), /gave up after 50 ms waiting for a promise that never settles/);
});
