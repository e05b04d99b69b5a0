import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicy } from '../../src/policy/compile.js';
import type { Verdict } from '../../src/policy/types.js';
import { call, def, rule, srv } from './builders.js';

const deploySchema = {
  type: 'object',
  properties: {
    region: { type: 'string', enum: ['us-east-1', 'eu-west-1'] },
    replicas: { type: 'integer', minimum: 1 },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['region'],
  additionalProperties: false,
};

function invalid(v: Verdict): Extract<Verdict, { kind: 'invalid' }> {
  assert.equal(v.kind, 'invalid', JSON.stringify(v));
  return v as Extract<Verdict, { kind: 'invalid' }>;
}

test('inputSchema validation: each issue has its JSON pointer and the reason names the failing paths', () => {
  const policy = compilePolicy(srv({ deploy: rule('allow', { validate: { inputSchema: true } }) }));
  assert.deepEqual(policy.evaluate(call('deploy', { region: 'us-east-1', replicas: 2 }), def(deploySchema)), {
    kind: 'allow',
    rule: { pattern: 'deploy', part: 'action' },
  });

  const table: Array<[args: Record<string, unknown>, issues: Array<[path: string, message: string]>]> = [
    [{ region: 'mars-1' }, [['/region', 'must be equal to one of the allowed values: us-east-1, eu-west-1']]],
    [{}, [['/region', 'is required']]],
    [{ region: 'eu-west-1', replicas: 0, extra: 1 }, [['/extra', 'is not an allowed property'], ['/replicas', 'must be >= 1']]],
    [{ region: 'eu-west-1', tags: ['a', 3] }, [['/tags/1', 'must be string']]],
  ];
  for (const [args, expected] of table) {
    const v = invalid(policy.evaluate(call('deploy', args), def(deploySchema)));
    assert.deepEqual(v.rule, { pattern: 'deploy', part: 'validate' });
    const got = v.issues.map((i) => [i.path, i.message]);
    assert.deepEqual(got.sort(), [...expected].sort(), JSON.stringify(args));
    for (const [path, message] of expected) assert.ok(v.reason.includes(`${path} ${message}`), v.reason);
    assert.ok(v.reason.includes('"deploy"'), v.reason);
  }
});

test('a root-level issue is shown as "arguments" in the reason', () => {
  const policy = compilePolicy(srv({ t: rule('allow', { validate: { inputSchema: true } }) }));
  const v = invalid(policy.evaluate(call('t', { a: 1 }), def({ type: 'object', maxProperties: 0 })));
  assert.equal(v.issues[0].path, '');
  assert.match(v.reason, /arguments must NOT have more than 0 properties/);
});

test('validate.arguments adds the operator schema on top of the tool schema', () => {
  const onlyEu = { type: 'object', properties: { region: { const: 'eu-west-1' } } };
  const policy = compilePolicy(
    srv({
      both: rule('allow', { validate: { inputSchema: true, arguments: onlyEu } }),
      extraOnly: rule('allow', { validate: { inputSchema: false, arguments: onlyEu } }),
    }),
  );
  assert.equal(policy.evaluate(call('both', { region: 'eu-west-1' }), def(deploySchema)).kind, 'allow');
  const v = invalid(policy.evaluate(call('both', { region: 'us-east-1' }), def(deploySchema)));
  assert.deepEqual(v.issues, [{ path: '/region', message: 'must be equal to eu-west-1' }]);
  // Issues from both schemas are reported together.
  const both = invalid(policy.evaluate(call('both', { region: 'mars' }), def(deploySchema)));
  assert.deepEqual(both.issues.map((i) => i.path), ['/region', '/region']);
  // Without inputSchema, no upstream schema is needed.
  assert.equal(policy.evaluate(call('extraOnly', { region: 'eu-west-1' })).kind, 'allow');
  assert.equal(invalid(policy.evaluate(call('extraOnly', { region: 'x' }))).issues[0].path, '/region');
});

test('validate.inputSchema without a published schema is refused (fail closed)', () => {
  const policy = compilePolicy(srv({ deploy: rule('allow', { validate: { inputSchema: true } }) }));
  const v = invalid(policy.evaluate(call('deploy', { region: 'us-east-1' })));
  assert.deepEqual(v.rule, { pattern: 'deploy', part: 'validate' });
  assert.match(v.reason, /server "srv" did not publish one/);
  assert.match(v.reason, /"deploy"/);
});

test('a listed tool without an inputSchema is refused too', () => {
  const policy = compilePolicy(srv({ deploy: rule('allow', { validate: { inputSchema: true } }) }));
  const v = invalid(policy.evaluate(call('deploy', { region: 'us-east-1' }), { name: 'deploy', description: 'Deploys.' }));
  assert.match(v.reason, /^The rule for tool "deploy" validates arguments against the tool's input schema, but server "srv" did not publish one/);
});

test('an upstream schema that cannot be compiled refuses the call and says why', () => {
  const policy = compilePolicy(srv({ t: rule('allow', { validate: { inputSchema: true } }) }));
  const v = invalid(policy.evaluate(call('t', {}), def({ type: 'objekt' })));
  assert.match(v.reason, /cannot be compiled/);
});

test('odd but real upstream schemas are accepted: unknown keywords, draft-07 $schema, duplicate $id, formats', () => {
  const policy = compilePolicy(srv({ '*': rule('allow', { validate: { inputSchema: true } }) }));
  const schemas: Array<[schema: object, good: Record<string, unknown>, bad: Record<string, unknown>]> = [
    [{ type: 'object', 'x-vendor': true, properties: { a: { type: 'string', example: 'x' } } }, { a: 'x' }, { a: 1 }],
    [{ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['a'] }, { a: 1 }, {}],
    [{ $id: 'urn:example:tool', type: 'object', required: ['a'] }, { a: 1 }, {}],
    [{ $id: 'urn:example:tool', type: 'object', required: ['b'] }, { b: 1 }, {}],
    [{ type: 'object', properties: { when: { type: 'string', format: 'date' } } }, { when: '2024-01-31' }, { when: 'soon' }],
    [{ type: 'object', properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] } } }, { pair: ['a', 1] }, { pair: [1, 'a'] }],
  ];
  for (const [schema, good, bad] of schemas) {
    assert.equal(policy.evaluate(call('tool', good), def(schema)).kind, 'allow', JSON.stringify(schema));
    assert.equal(policy.evaluate(call('tool', bad), def(schema)).kind, 'invalid', JSON.stringify(schema));
  }
});

test('an equal schema given as a new object validates the same (cache by JSON text)', () => {
  const policy = compilePolicy(srv({ t: rule('allow', { validate: { inputSchema: true } }) }));
  for (let i = 0; i < 3; i++) {
    const schema = structuredClone(deploySchema);
    assert.equal(policy.evaluate(call('t', { region: 'eu-west-1' }), def(schema)).kind, 'allow');
    assert.equal(policy.evaluate(call('t', { region: 'x' }), def(schema)).kind, 'invalid');
  }
});

test('validation does not change the arguments', () => {
  const policy = compilePolicy(srv({ t: rule('allow', { validate: { inputSchema: true } }) }));
  const args = { region: 'eu-west-1' };
  policy.evaluate(call('t', args), def({ type: 'object', properties: { replicas: { type: 'integer', default: 3 } } }));
  assert.deepEqual(args, { region: 'eu-west-1' });
});
