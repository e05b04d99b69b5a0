import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicy } from '../../src/policy/compile.js';
import { call, config, rule, server, srv } from './builders.js';

test('rule precedence: exact > longer glob > shorter glob > default; ties by declaration order', () => {
  const policy = compilePolicy(
    srv({
      '*': rule('allow'),
      'delete_*': rule('deny'),
      'delete_bucket': rule('allow'),
      'delete_bucket_*': rule('hide'),
      // Same literal count (7) as each other: the first declared wins.
      'get_?_ab': rule('deny'),
      'get_a_?b': rule('hide'),
      // Declared after a shorter glob that also matches: longer still wins.
      'list_all*': rule('hide'),
    }),
  );
  const table: Array<[tool: string, pattern: string, action: string]> = [
    ['delete_bucket', 'delete_bucket', 'allow'],
    ['delete_bucket_now', 'delete_bucket_*', 'hide'],
    ['delete_table', 'delete_*', 'deny'],
    ['get_a_ab', 'get_?_ab', 'deny'],
    ['get_a_xb', 'get_a_?b', 'hide'],
    ['list_all_things', 'list_all*', 'hide'],
    ['read', '*', 'allow'],
  ];
  for (const [tool, pattern, action] of table) {
    const resolved = policy.ruleFor('srv', tool);
    assert.deepEqual([resolved.pattern, resolved.action, resolved.isDefault], [pattern, action, false], tool);
  }
});

test('declaration order breaks ties whichever order the rules come in', () => {
  const first = compilePolicy(srv({ 'a*c': rule('deny'), 'ab*': rule('hide') }));
  const second = compilePolicy(srv({ 'ab*': rule('hide'), 'a*c': rule('deny') }));
  assert.equal(first.ruleFor('srv', 'abc').pattern, 'a*c');
  assert.equal(second.ruleFor('srv', 'abc').pattern, 'ab*');
});

test('tools no rule names fall to the server default; servers without a policy allow', () => {
  const policy = compilePolicy(config({ locked: server({ read: rule() }, 'deny'), open: server({}) }));
  const table: Array<[server: string, tool: string, action: string]> = [
    ['locked', 'read', 'allow'],
    ['locked', 'write', 'deny'],
    ['open', 'write', 'allow'],
    ['unconfigured', 'write', 'allow'],
  ];
  for (const [srvId, tool, action] of table) {
    const r = policy.ruleFor(srvId, tool);
    assert.equal(r.action, action, `${srvId}/${tool}`);
    assert.equal(r.isDefault, tool !== 'read', `${srvId}/${tool}`);
  }
  assert.equal(policy.ruleFor('locked', 'write').pattern, 'default');
});

test('rules are per server: a rule on one server does not govern another', () => {
  const policy = compilePolicy(config({ a: server({ drop: rule('deny') }), b: server({}) }));
  assert.equal(policy.evaluate(call('drop', {}, { server: 'a' })).kind, 'deny');
  assert.equal(policy.evaluate(call('drop', {}, { server: 'b' })).kind, 'allow');
});

test('isHidden and needsDefinition follow the governing rule', () => {
  const policy = compilePolicy(
    srv({
      'secret_*': rule('hide', { validate: { inputSchema: true } }),
      'deploy': rule('allow', { validate: { inputSchema: true } }),
      'deploy_*': rule('allow', { validate: { inputSchema: false, arguments: { type: 'object' } } }),
      'drop': rule('deny', { validate: { inputSchema: true } }),
    }),
  );
  const table: Array<[tool: string, hidden: boolean, needsSchema: boolean]> = [
    ['secret_keys', true, false],
    ['deploy', false, true],
    ['deploy_web', false, false],
    // A denied tool is never validated, so there is no schema to fetch.
    ['drop', false, false],
    ['other', false, false],
  ];
  for (const [tool, hidden, needs] of table) {
    assert.equal(policy.isHidden('srv', tool), hidden, tool);
    assert.equal(policy.needsDefinition('srv', tool), needs, tool);
  }
});

test('modeFor: the server mode wins, else the top-level mode', () => {
  const policy = compilePolicy(
    config({ a: server({}), b: server({}) }, { mode: 'enforce', serverModes: { a: 'monitor', b: undefined } }),
  );
  assert.equal(policy.modeFor('a'), 'monitor');
  assert.equal(policy.modeFor('b'), 'enforce');
  assert.equal(policy.modeFor('unknown'), 'enforce');
  const monitoring = compilePolicy(config({ a: server({}) }, { mode: 'monitor', serverModes: { b: 'enforce' } }));
  assert.equal(monitoring.modeFor('a'), 'monitor');
  assert.equal(monitoring.modeFor('b'), 'enforce');
});

test('resolution stays right when the cache overflows', () => {
  const policy = compilePolicy(srv({ 'x_*': rule('deny') }, 'deny'));
  for (let i = 0; i < 25_000; i++) {
    const tool = i % 2 === 0 ? `x_${i}` : `y_${i}`;
    assert.equal(policy.ruleFor('srv', tool).pattern, i % 2 === 0 ? 'x_*' : 'default');
  }
  assert.equal(policy.ruleFor('srv', 'x_0').pattern, 'x_*');
});

test('the compiled policy is frozen and does not see later changes to the Config', () => {
  const cfg = srv({ drop: rule('deny') });
  const policy = compilePolicy(cfg);
  assert.ok(Object.isFrozen(policy));
  cfg.policies.srv.tools.drop.action = 'allow';
  cfg.policies.srv.tools.other = rule('deny');
  assert.equal(policy.evaluate(call('drop')).kind, 'deny');
  assert.equal(policy.evaluate(call('other')).kind, 'allow');
});
