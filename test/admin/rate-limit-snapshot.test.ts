import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseKey, rateLimitRows } from '../../src/admin/rate-limits.js';
import { rateLimitKey } from '../../src/policy/rate-limit-key.js';
import { MemoryRateLimitStore } from '../../src/store/memory-rate-limit-store.js';

describe('rate-limit snapshot', () => {
  test('lists live keys with used, max, window, next free slot and full reset; never changes what take() sees', async () => {
    const store = new MemoryRateLimitStore();
    const key = rateLimitKey('session', 'app', 'echo', 'echo', 's1');
    await store.take(key, 3, 60_000, 1_000);
    await store.take(key, 3, 60_000, 11_000);
    await store.take(rateLimitKey('tool', 'app', 'get_*', 'get_status', undefined), 10, 1_000, 11_000);
    const snapshot = await store.snapshot(20_000);
    assert.deepEqual(snapshot.find((u) => u.key === key), { key, used: 2, max: 3, remaining: 1, windowMs: 60_000, nextFreeInMs: 41_000, nextFreeAmount: 1, resetsInMs: 51_000 });
    assert.equal(snapshot.length, 1, 'the one-second window has emptied');
    assert.deepEqual((await store.snapshot(61_001)).map((u) => u.used), [1]);
    assert.equal((await store.take(key, 3, 60_000, 20_000)).allowed, true, 'a snapshot took no slot');
    assert.equal((await store.take(key, 3, 60_000, 20_000)).allowed, false);
    await store.close();
  });

  test('keys are read back into their names, for every scope', () => {
    const table: Array<[string, unknown]> = [
      [rateLimitKey('session', 'srv', 'deploy_*', 'deploy_app', 'abc'), { kind: 'rate_limit', scope: 'session', server: 'srv', rule: 'deploy_*', tool: 'deploy_app', session: 'abc' }],
      [rateLimitKey('session', 'srv', 'x', 'x', undefined), { kind: 'rate_limit', scope: 'session', server: 'srv', rule: 'x', tool: 'x', session: 'anonymous' }],
      [rateLimitKey('tool', 'srv', 'x', 'x"y', undefined), { kind: 'rate_limit', scope: 'tool', server: 'srv', rule: 'x', tool: 'x"y' }],
      [rateLimitKey('server', 'srv', '*', 'any', 's'), { kind: 'rate_limit', scope: 'server', server: 'srv', rule: '*' }],
      [rateLimitKey('global', 'srv', 'get_*', 'get_a', 's'), { kind: 'rate_limit', scope: 'global', rule: 'get_*' }],
      ['rl:session:["too","short"]', undefined],
      ['rl:other:["x"]', undefined],
      ['rl:tool:not json', undefined],
      ['something else', undefined],
    ];
    for (const [key, expected] of table) assert.deepEqual(parseKey(key), expected, key);
  });

  test('rows come fullest first, in whole seconds', () => {
    const rows = rateLimitRows([
      { key: rateLimitKey('tool', 'a', 'x', 'x', undefined), used: 1, max: 10, remaining: 9, windowMs: 60_000, nextFreeInMs: 1500, nextFreeAmount: 1, resetsInMs: 59_001 },
      { key: rateLimitKey('tool', 'a', 'y', 'y', undefined), used: 5, max: 5, remaining: 0, windowMs: 60_000, nextFreeInMs: 200, nextFreeAmount: 1, resetsInMs: 30_000 },
    ]);
    assert.deepEqual(rows.map((r) => [r.tool, r.nextFreeInS, r.resetsInS]), [['y', 1, 30], ['x', 2, 60]]);
  });
});
