import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicy } from '../../src/policy/compile.js';
import type { Verdict } from '../../src/policy/types.js';
import { call, rule, srv } from './builders.js';

function reasonOf(v: Verdict): string {
  assert.ok('reason' in v, `expected a verdict with a reason, got ${v.kind}`);
  return v.reason;
}

test('actions: deny carries the configured reason or one naming the rule; hide hides', () => {
  const policy = compilePolicy(
    srv({
      'delete_*': rule('deny', { reason: 'Deletes go through the change board.' }),
      'drop_*': rule('deny'),
      'secret': rule('hide'),
      'read': rule('allow'),
    }),
  );
  const table: Array<[tool: string, expected: Verdict]> = [
    ['delete_db', { kind: 'deny', rule: { pattern: 'delete_*', part: 'action' }, reason: 'Deletes go through the change board.' }],
    ['drop_table', { kind: 'deny', rule: { pattern: 'drop_*', part: 'action' }, reason: 'Rule "drop_*" denies this tool.' }],
    ['secret', { kind: 'hide', rule: { pattern: 'secret', part: 'action' } }],
    ['read', { kind: 'allow', rule: { pattern: 'read', part: 'action' } }],
    ['unnamed', { kind: 'allow', rule: { pattern: 'default', part: 'default' } }],
  ];
  for (const [tool, expected] of table) assert.deepEqual(policy.evaluate(call(tool)), expected, tool);
});

test('default deny says the server default is deny and how to allow the tool', () => {
  const policy = compilePolicy(srv({ read: rule() }, 'deny'));
  const verdict = policy.evaluate(call('write_file'));
  assert.equal(verdict.kind, 'deny');
  assert.deepEqual(verdict.rule, { pattern: 'default', part: 'default' });
  const reason = reasonOf(verdict);
  assert.match(reason, /default is deny/);
  assert.match(reason, /"write_file"/);
  assert.match(reason, /policies\.srv\.tools/);
  assert.match(reason, /action: allow/);
});

test('conditions: the first matching condition acts, with its action and reason', () => {
  const policy = compilePolicy(
    srv({
      deploy: rule('allow', {
        conditions: [
          { if: 'args.env == "prod" && args.force == true', action: 'deny', reason: 'No forced prod deploys.' },
          { if: 'args.env == "prod"', action: 'allow' },
          { if: 'args.env == "staging"', action: 'hide' },
          { if: 'args.replicas > 10', action: 'deny' },
          { if: 'true', action: 'deny', reason: 'Only prod, staging or small deploys.' },
        ],
      }),
    }),
  );
  const table: Array<[args: Record<string, unknown>, kind: string, part: string, reason?: string]> = [
    [{ env: 'prod', force: true }, 'deny', 'conditions[0]', 'No forced prod deploys.'],
    // An allow condition stops the scan: the catch-all deny below it is never reached.
    [{ env: 'prod', force: false }, 'allow', 'conditions[1]'],
    [{ env: 'staging', force: false }, 'hide', 'conditions[2]'],
    [{ env: 'dev', force: false, replicas: 11 }, 'deny', 'conditions[3]', 'Rule "deploy" condition 3 matched: args.replicas > 10'],
    [{ env: 'dev', force: false, replicas: 2 }, 'deny', 'conditions[4]', 'Only prod, staging or small deploys.'],
  ];
  for (const [args, kind, part, reason] of table) {
    const verdict = policy.evaluate(call('deploy', args));
    assert.equal(verdict.kind, kind, JSON.stringify(args));
    assert.deepEqual(verdict.rule, { pattern: 'deploy', part }, JSON.stringify(args));
    if (reason !== undefined) assert.equal(reasonOf(verdict), reason);
  }
});

test('conditions read args, tool, server and session (session is "" without one)', () => {
  const deny = (expr: string) => rule('allow', { conditions: [{ if: expr, action: 'deny' }] });
  const policy = compilePolicy(
    srv({
      'by_args': deny('"admin" in args.roles && size(args.path) > 3'),
      'by_tool_*': deny('tool.endsWith("_x")'),
      'by_server': deny('server == "srv"'),
      'by_session': deny('session == ""'),
      'by_nested': deny('args.target.region.startsWith("eu-")'),
    }),
  );
  const table: Array<[call: ReturnType<typeof call>, kind: string]> = [
    [call('by_args', { roles: ['admin'], path: '/etc' }), 'deny'],
    [call('by_args', { roles: ['user'], path: '/etc' }), 'allow'],
    [call('by_args', { roles: ['admin'], path: '/e' }), 'allow'],
    [call('by_tool_x'), 'deny'],
    [call('by_tool_y'), 'allow'],
    [call('by_server'), 'deny'],
    [call('by_server', {}, { server: 'other' }), 'allow'],
    [call('by_session'), 'deny'],
    [call('by_session', {}, { session: 's-1' }), 'allow'],
    [call('by_nested', { target: { region: 'eu-west-1' } }), 'deny'],
    [call('by_nested', { target: { region: 'us-east-1' } }), 'allow'],
  ];
  for (const [c, kind] of table) assert.equal(policy.evaluate(c).kind, kind, `${c.server}/${c.tool} ${JSON.stringify(c)}`);
});

test('JSON numbers compare with int and double literals', () => {
  const policy = compilePolicy(
    srv({ scale: rule('allow', { conditions: [{ if: 'args.count > 5 || args.ratio >= 0.5', action: 'deny' }] }) }),
  );
  assert.equal(policy.evaluate(call('scale', { count: 6, ratio: 0.1 })).kind, 'deny');
  assert.equal(policy.evaluate(call('scale', { count: 5, ratio: 0.5 })).kind, 'deny');
  assert.equal(policy.evaluate(call('scale', { count: 5, ratio: 0.4 })).kind, 'allow');
});

test('fail closed: a condition that errors at run time denies, naming the expression and the error', () => {
  const policy = compilePolicy(
    srv({
      // The error refuses even when the failing condition's own action is allow.
      'guarded': rule('allow', { conditions: [{ if: 'args.force == true', action: 'allow' }] }),
      'typed': rule('allow', { conditions: [{ if: 'args.count > 1', action: 'deny' }] }),
      'nonbool': rule('allow', { conditions: [{ if: 'args.flag', action: 'deny' }] }),
      'safe': rule('allow', { conditions: [{ if: 'has(args.force) && args.force == true', action: 'deny' }] }),
      'optional': rule('allow', { conditions: [{ if: 'args.?force.orValue(false) == true', action: 'deny' }] }),
    }),
  );
  const missing = policy.evaluate(call('guarded', {}));
  assert.equal(missing.kind, 'deny');
  assert.deepEqual(missing.rule, { pattern: 'guarded', part: 'conditions[0]' });
  assert.match(reasonOf(missing), /condition 0 \(args\.force == true\) could not be evaluated: No such key: force/);
  assert.match(reasonOf(missing), /has\(args\.field\)/);

  assert.match(reasonOf(policy.evaluate(call('typed', { count: 'many' }))), /could not be evaluated: .*overload/);
  assert.match(reasonOf(policy.evaluate(call('nonbool', { flag: 'yes' }))), /yielded the string "yes", not true or false/);
  assert.equal(policy.evaluate(call('nonbool', { flag: false })).kind, 'allow');
  // Expressions written to tolerate a missing field do not fail.
  assert.equal(policy.evaluate(call('safe', {})).kind, 'allow');
  assert.equal(policy.evaluate(call('optional', {})).kind, 'allow');
  assert.equal(policy.evaluate(call('optional', { force: true })).kind, 'deny');
});

test('conditions are skipped when the rule action already denies or hides', () => {
  const policy = compilePolicy(
    srv({
      drop: rule('deny', { conditions: [{ if: 'args.missing == 1', action: 'allow' }] }),
      secret: rule('hide', { conditions: [{ if: 'true', action: 'allow' }] }),
    }),
  );
  assert.deepEqual(policy.evaluate(call('drop')).rule, { pattern: 'drop', part: 'action' });
  assert.equal(policy.evaluate(call('secret')).kind, 'hide');
});

test('require_approval holds the call with its approval settings, unless an allow condition matches', () => {
  const approval = { timeoutMs: 60_000, notify: ['webhook'], via: 'elicitation' as const };
  const policy = compilePolicy(
    srv({
      deploy: rule('require_approval', { conditions: [{ if: 'args.env == "dev"', action: 'allow' }], approval }),
      scale: rule('allow', { conditions: [{ if: 'args.replicas > 10.0', action: 'require_approval' }] }),
      plain: rule('require_approval'),
    }),
  );
  assert.deepEqual(policy.evaluate(call('deploy', { env: 'prod' })), { kind: 'hold', rule: { pattern: 'deploy', part: 'action' }, approval });
  assert.deepEqual(policy.evaluate(call('deploy', { env: 'dev' })), { kind: 'allow', rule: { pattern: 'deploy', part: 'conditions[0]' } });
  const held = policy.evaluate(call('scale', { replicas: 20 }));
  assert.equal(held.kind, 'hold');
  assert.deepEqual(held.rule, { pattern: 'scale', part: 'conditions[0]' });
  assert.equal(policy.evaluate(call('scale', { replicas: 2 })).kind, 'allow');
  const defaults = policy.evaluate(call('plain'));
  assert.ok(defaults.kind === 'hold');
  assert.deepEqual(defaults.approval, { timeoutMs: 600_000, notify: [], via: 'dashboard' });
});
