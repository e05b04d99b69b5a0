import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicy } from '../../src/policy/compile.js';
import type { RateLimitCheck } from '../../src/policy/types.js';
import { call, config, limit, rule, server } from './builders.js';

function policyWith(scope: RateLimitCheck['scope']) {
  const tools = { 'deploy_*': rule('allow', { rateLimit: limit(10, 60, scope) }) };
  return compilePolicy(config({ a: server(tools), b: server(tools) }));
}

function checkFor(policy: ReturnType<typeof policyWith>, serverId: string, tool: string, session?: string): RateLimitCheck {
  const verdict = policy.evaluate(call(tool, {}, { server: serverId, session }));
  assert.equal(verdict.kind, 'allow');
  assert.ok(verdict.kind === 'allow' && verdict.rateLimit, 'expected a rate limit');
  return verdict.rateLimit;
}

test('rate-limit keys share a budget exactly where the scope says', () => {
  // [scope, two calls as [server, tool, session], same budget?]
  type Who = [server: string, tool: string, session?: string];
  const table: Array<[RateLimitCheck['scope'], Who, Who, boolean]> = [
    ['session', ['a', 'deploy_web', 's1'], ['a', 'deploy_web', 's1'], true],
    ['session', ['a', 'deploy_web', 's1'], ['a', 'deploy_web', 's2'], false],
    ['session', ['a', 'deploy_web', 's1'], ['a', 'deploy_db', 's1'], false],
    ['session', ['a', 'deploy_web', 's1'], ['b', 'deploy_web', 's1'], false],
    ['session', ['a', 'deploy_web'], ['a', 'deploy_web', ''], true],
    ['session', ['a', 'deploy_web'], ['a', 'deploy_web', 's1'], false],
    ['tool', ['a', 'deploy_web', 's1'], ['a', 'deploy_web', 's2'], true],
    ['tool', ['a', 'deploy_web', 's1'], ['a', 'deploy_db', 's1'], false],
    ['tool', ['a', 'deploy_web'], ['b', 'deploy_web'], false],
    ['server', ['a', 'deploy_web', 's1'], ['a', 'deploy_db', 's2'], true],
    ['server', ['a', 'deploy_web'], ['b', 'deploy_web'], false],
    ['global', ['a', 'deploy_web', 's1'], ['b', 'deploy_db', 's2'], true],
  ];
  for (const [scope, x, y, same] of table) {
    const policy = policyWith(scope);
    const kx = checkFor(policy, ...x).key;
    const ky = checkFor(policy, ...y).key;
    assert.equal(kx === ky, same, `${scope}: ${JSON.stringify(x)} vs ${JSON.stringify(y)} (${kx} / ${ky})`);
  }
});

test('rate-limit keys read well and survive a reload; the check carries the limit and its rule', () => {
  const first = checkFor(policyWith('session'), 'a', 'deploy_web', 's1');
  const reloaded = checkFor(policyWith('session'), 'a', 'deploy_web', 's1');
  assert.deepEqual(reloaded, first);
  assert.deepEqual(first, {
    key: 'rl:session:["a","deploy_*","deploy_web","s1"]',
    max: 10,
    windowMs: 60_000,
    scope: 'session',
    rule: { pattern: 'deploy_*', part: 'rate_limit' },
  });
  assert.equal(checkFor(policyWith('session'), 'a', 'deploy_web').key, 'rl:session:["a","deploy_*","deploy_web","anonymous"]');
  assert.equal(checkFor(policyWith('tool'), 'a', 'deploy_web').key, 'rl:tool:["a","deploy_*","deploy_web"]');
  assert.equal(checkFor(policyWith('server'), 'a', 'deploy_web').key, 'rl:server:["a","deploy_*"]');
  assert.equal(checkFor(policyWith('global'), 'a', 'deploy_web').key, 'rl:global:["deploy_*"]');
});

test('names containing key punctuation cannot collide', () => {
  const policy = compilePolicy(config({ 'a","b': server({ '*': rule('allow', { rateLimit: limit(1, 1, 'tool') }) }), a: server({ '*': rule('allow', { rateLimit: limit(1, 1, 'tool') }) }) }));
  const k1 = checkFor(policy, 'a","b', 'c');
  const k2 = checkFor(policy, 'a', 'b","c');
  assert.notEqual(k1.key, k2.key);
});

test('a rule without rate_limit carries none', () => {
  const policy = compilePolicy(config({ a: server({ t: rule() }) }));
  assert.deepEqual(policy.evaluate(call('t', {}, { server: 'a' })), { kind: 'allow', rule: { pattern: 't', part: 'action' } });
});
