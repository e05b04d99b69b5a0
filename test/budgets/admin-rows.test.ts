/** Budget spend for the dashboard and the admin API: `bg:` keys read back into their names, beside rate-limit rows. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBudgetKey, parseKey, rateLimitRows } from '../../src/admin/rate-limits.js';
import { budgetKey, rateLimitKey } from '../../src/policy/rate-limit-key.js';
import { MemoryRateLimitStore } from '../../src/store/memory-rate-limit-store.js';

test('budget keys are read back into their names, for every scope, and never taken for rate limits', () => {
  const table: Array<[string, unknown]> = [
    [budgetKey('agent', 'pay', 'create_refund', 'create_refund', 's1', 'alice'), { kind: 'budget', scope: 'agent', server: 'pay', rule: 'create_refund', agent: 'alice' }],
    [budgetKey('session', 'pay', '*_payout', 'bank_payout', 's1', 'alice'), { kind: 'budget', scope: 'session', server: 'pay', rule: '*_payout', session: 's1' }],
    [budgetKey('tool', 'pay', '*_payout', 'bank_payout', undefined, undefined), { kind: 'budget', scope: 'tool', server: 'pay', rule: '*_payout', tool: 'bank_payout' }],
    [budgetKey('server', 'pay', 'x', 'x', undefined, undefined), { kind: 'budget', scope: 'server', server: 'pay', rule: 'x' }],
    [budgetKey('global', 'pay', 'x', 'x', undefined, undefined), { kind: 'budget', scope: 'global', rule: 'x' }],
    ['bg:agent:["too","short"]', undefined],
    ['bg:agent_server:["a","b","c"]', undefined],
    ['bg:tool:not json', undefined],
  ];
  for (const [key, expected] of table) {
    assert.deepEqual(parseBudgetKey(key), expected, key);
    assert.equal(parseKey(key), undefined, `${key} is not a rate-limit key`);
  }
  assert.equal(parseBudgetKey(rateLimitKey('tool', 'pay', 'x', 'x', undefined)), undefined);
});

test('the admin rows show spend beside calls: amount spent, what is left to free and when', async () => {
  const store = new MemoryRateLimitStore();
  const T0 = 1_700_000_000_000;
  const budget = budgetKey('agent', 'pay', 'create_refund', 'create_refund', 's1', 'alice');
  await store.take(budget, 50_000, 86_400_000, T0, 12_000);
  await store.take(budget, 50_000, 86_400_000, T0 + 3_600_000, 30_000);
  await store.take(rateLimitKey('tool', 'pay', 'x', 'x', undefined), 10, 86_400_000, T0 + 3_600_000);
  const rows = rateLimitRows(await store.snapshot(T0 + 2 * 3_600_000));
  assert.deepEqual(rows[0], {
    kind: 'budget', scope: 'agent', server: 'pay', rule: 'create_refund', agent: 'alice',
    used: 42_000, max: 50_000, windowMs: 86_400_000, nextFreeInS: 22 * 3600, nextFreeAmount: 12_000, resetsInS: 23 * 3600,
  });
  assert.deepEqual(rows.map((r) => r.kind), ['budget', 'rate_limit'], 'the fuller first: 84% spent before 1 call of 10');
  await store.close();
});
