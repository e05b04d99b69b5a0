import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/gateway/decide.js';
import { decisionMeta, policyViolationText } from '../../src/policy/decide.js';
import type { Decision } from '../../src/policy/types.js';
import { MemoryRateLimitStore } from '../../src/store/memory-rate-limit-store.js';
import { call, config, limit, rule, server } from './builders.js';

const T0 = 1_700_000_000_000;

function policy(mode: 'enforce' | 'monitor' = 'enforce') {
  return compilePolicy(
    config(
      {
        srv: server(
          {
            'delete_*': rule('deny', { reason: 'Deletes need a ticket.' }),
            'secret': rule('hide'),
            'deploy': rule('allow', { rateLimit: limit(2, 60, 'session') }),
            'region': rule('allow', { validate: { inputSchema: false, arguments: { type: 'object', properties: { region: { enum: ['eu'] } } } } }),
          },
          'deny',
        ),
      },
      { mode },
    ),
  );
}

test('decide maps each verdict to a decision carrying the mode', async () => {
  const store = new MemoryRateLimitStore();
  const p = policy();
  const table: Array<[tool: string, args: Record<string, unknown>, kind: Decision['kind'], pattern: string, part: string]> = [
    ['delete_db', {}, 'deny', 'delete_*', 'action'],
    ['secret', {}, 'hide', 'secret', 'action'],
    ['region', { region: 'us' }, 'invalid', 'region', 'validate'],
    ['region', { region: 'eu' }, 'allow', 'region', 'action'],
    ['unknown', {}, 'deny', 'default', 'default'],
  ];
  for (const [tool, args, kind, pattern, part] of table) {
    const { decision, reservation } = await decide(p, call(tool, args), store, T0);
    assert.equal(decision.kind, kind, tool);
    assert.deepEqual(decision.rule, { pattern, part }, tool);
    assert.equal(decision.mode, 'enforce');
    assert.equal(reservation, undefined, `${tool}: no rate limit taken, nothing to give back`);
  }
  await store.close();
});

test('decide takes the rate limit: allow with remaining, then rate_limited with a readable reason', async () => {
  const store = new MemoryRateLimitStore();
  const p = policy();
  const c = call('deploy', {}, { session: 's1' });
  const first = await decide(p, c, store, T0);
  assert.deepEqual(first.decision, {
    kind: 'allow',
    rule: { pattern: 'deploy', part: 'action' },
    mode: 'enforce',
    rateLimit: { max: 2, windowMs: 60_000, scope: 'session', remaining: 1, retryAfterMs: 0 },
  });
  assert.ok(first.reservation);
  await decide(p, c, store, T0 + 48_000 - 11_500);
  const refused = await decide(p, c, store, T0 + 48_000);
  assert.deepEqual(refused.decision, {
    kind: 'rate_limited',
    rule: { pattern: 'deploy', part: 'rate_limit' },
    mode: 'enforce',
    reason: 'Rate limit exceeded: 2 calls per 60s (scope session); retry in 12s',
    rateLimit: { max: 2, windowMs: 60_000, scope: 'session', remaining: 0, retryAfterMs: 12_000 },
  });
  assert.equal(refused.reservation, undefined);
  // Another session has its own budget.
  assert.equal((await decide(p, call('deploy', {}, { session: 's2' }), store, T0 + 48_000)).decision.kind, 'allow');
  await store.close();
});

test('undo from decide gives the slot back (upstream failed before the call ran)', async () => {
  const store = new MemoryRateLimitStore();
  const p = policy();
  const c = call('deploy', {}, { session: 's1' });
  await decide(p, c, store, T0);
  const second = await decide(p, c, store, T0 + 1);
  assert.equal((await decide(p, c, store, T0 + 2)).decision.kind, 'rate_limited');
  await second.reservation!.end('error');
  assert.equal((await decide(p, c, store, T0 + 3)).decision.kind, 'allow');
  await store.close();
});

test('monitor mode: decisions say what would happen, and rate limits are still counted', async () => {
  const store = new MemoryRateLimitStore();
  const p = policy('monitor');
  assert.deepEqual((await decide(p, call('delete_db'), store, T0)).decision, {
    kind: 'deny',
    rule: { pattern: 'delete_*', part: 'action' },
    mode: 'monitor',
    reason: 'Deletes need a ticket.',
  });
  const c = call('deploy', {}, { session: 's1' });
  const kinds = [];
  for (let i = 0; i < 3; i++) kinds.push((await decide(p, c, store, T0 + i)).decision.kind);
  assert.deepEqual(kinds, ['allow', 'allow', 'rate_limited']);
  await store.close();
});

test('a failing rate-limit store refuses the call (fail closed) and keeps the error in the reason', async () => {
  const store = new MemoryRateLimitStore();
  await store.close();
  const { decision, reservation } = await decide(policy(), call('deploy', {}, { session: 's1' }), store, T0);
  assert.equal(decision.kind, 'deny');
  assert.deepEqual(decision.rule, { pattern: 'deploy', part: 'rate_limit' });
  assert.match((decision as { reason: string }).reason, /rate-limit store failed \(.*closed.*\)/);
  assert.equal(reservation, undefined);
});

test('policyViolationText names the tool, the rule and the reason', async () => {
  const store = new MemoryRateLimitStore();
  const p = policy();
  const text = async (tool: string, args: Record<string, unknown> = {}, at = T0) => {
    const c = call(tool, args, { session: 's1' });
    return policyViolationText(c, (await decide(p, c, store, at)).decision);
  };
  assert.equal(
    await text('delete_db'),
    'Policy violation: tool "delete_db" on server "srv" was denied by rule "delete_*" (action): Deletes need a ticket.',
  );
  assert.match(await text('region', { region: 'us' }), /^Policy violation: tool "region" on server "srv" was refused by rule "region" \(validate\): Invalid arguments .*\/region must be equal to one of the allowed values: eu$/);
  assert.match(await text('secret'), /^Policy violation: tool "secret" on server "srv" is not available; it is hidden by rule "secret" \(action\)\.$/);
  assert.match(await text('unknown'), /^Policy violation: tool "unknown" on server "srv" was denied by the server's default policy \(default\): .*default is deny/);
  await text('deploy', {}, T0);
  await text('deploy', {}, T0);
  assert.equal(
    await text('deploy', {}, T0 + 48_500),
    'Policy violation: tool "deploy" on server "srv" was refused by rule "deploy" (rate_limit): Rate limit exceeded: 2 calls per 60s (scope session); retry in 12 seconds.',
  );
  await store.close();
});

test('decisionMeta gives the machine-readable facts', async () => {
  const store = new MemoryRateLimitStore();
  const p = policy();
  const c = call('deploy', {}, { session: 's1' });
  const allowed = (await decide(p, c, store, T0)).decision;
  assert.deepEqual(decisionMeta(c, allowed, p.revision), {
    decision: 'allow',
    server: 'srv',
    tool: 'deploy',
    rule: 'deploy',
    part: 'action',
    mode: 'enforce',
    policyRevision: p.revision,
    limit: { max: 2, windowSeconds: 60, scope: 'session', remaining: 1 },
  });
  await decide(p, c, store, T0);
  const limited = (await decide(p, c, store, T0 + 1_000)).decision;
  assert.deepEqual(decisionMeta(c, limited, p.revision), {
    decision: 'rate_limited',
    server: 'srv',
    tool: 'deploy',
    rule: 'deploy',
    part: 'rate_limit',
    mode: 'enforce',
    policyRevision: p.revision,
    reason: 'Rate limit exceeded: 2 calls per 60s (scope session); retry in 59s',
    limit: { max: 2, windowSeconds: 60, scope: 'session', remaining: 0 },
    retryAfterSeconds: 59,
  });
  const bad = call('region', { region: 'us' });
  const invalid = (await decide(p, bad, store, T0)).decision;
  const meta = decisionMeta(bad, invalid, p.revision);
  assert.equal(meta.decision, 'invalid');
  assert.equal(meta.part, 'validate');
  assert.deepEqual(meta.issues, [{ path: '/region', message: 'must be equal to one of the allowed values: eu' }]);
  assert.equal(JSON.stringify(JSON.parse(JSON.stringify(meta))), JSON.stringify(meta), 'meta must be plain JSON');
  await store.close();
});
