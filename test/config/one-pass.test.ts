/**
 * One run of `toolgate validate` reports every problem of a file, including those inside keys the
 * schema already flagged; conditions that could never run are refused; the documented order of a
 * rule's parts is the order the policy applies.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { REPO_ROOT } from '../helpers/harness.js';
import { assertProblem, problemsOf, yaml, type Expected } from './helpers.js';

test('schema problems, CEL problems and JSON Schema problems come in one run, also inside misspelt keys', () => {
  const text = yaml(
    'servers:', //                                            1
    '  a: { command: uvx }', //                                2
    'policies:', //                                           3
    '  a:', //                                                4
    '    defualt: deny', //                                   5 unknown key
    '    tools:', //                                          6
    '      deploy:', //                                       7
    "        rate_limit: { max: 10, window: 1 fortnight }", // 8 bad duration
    '        condition:', //                                  9 misspelt `conditions`
    "          - if: 'args.env =='", //                       10 CEL syntax error inside it
    '            action: deny', //                            11
    '        validat:', //                                    12 misspelt `validate`
    '          arguments: { propertes: {} }', //              13 JSON Schema typo inside it
    '  b:', //                                                14 (server b is not configured)
    '    tool:', //                                           15 misspelt `tools`
    '      x:', //                                            16
    '        conditions:', //                                 17
    "          - if: 'args.count + 1'", //                    18 not a boolean
    '            action: allow', //                           19
    'defaults:', //                                           20
    '  categories:', //                                       21
    '    Wrte:', //                                           22 misspelt category
    '      conditions:', //                                   23
    "        - if: 'user == \"bob\"'", //                     24 unknown variable
    '          action: deny', //                              25
  );
  const problems = problemsOf(text);
  const expected: Expected[] = [
    { line: 5, column: 5, path: '/policies/a/defualt', message: 'unknown key `defualt`', hint: 'did you mean `default`?' },
    { line: 8, column: 40, path: '/policies/a/tools/deploy/rate_limit/window', message: '`1 fortnight` is not a duration' },
    { line: 9, column: 9, path: '/policies/a/tools/deploy/condition', message: 'unknown key `condition`', hint: 'did you mean `conditions`?' },
    { line: 10, column: 29, path: '/policies/a/tools/deploy/condition/0/if', message: 'CEL syntax error' },
    { line: 12, column: 9, path: '/policies/a/tools/deploy/validat', message: 'unknown key `validat`', hint: 'did you mean `validate`?' },
    { line: 13, column: 24, path: '/policies/a/tools/deploy/validat/arguments/propertes', message: 'unknown JSON Schema keyword `propertes`' },
    { line: 14, column: 3, path: '/policies/b', message: 'policy for unknown server `b`' },
    { line: 15, column: 5, path: '/policies/b/tool', message: 'unknown key `tool`', hint: 'did you mean `tools`?' },
    { line: 18, column: 17, path: '/policies/b/tool/x/conditions/0/if', message: 'must be true or false' },
    { line: 22, column: 5, path: '/defaults/categories/Wrte', message: 'unknown key `Wrte`', hint: 'did you mean `Write`?' },
    { line: 24, column: 15, path: '/defaults/categories/Wrte/conditions/0/if', message: 'Unknown variable: user' },
  ];
  assert.equal(problems.length, expected.length, ConfigError.format(problems));
  expected.forEach((want, i) => assertProblem(problems[i], want));
});

test('conditions beside `action: hide` or `action: deny` would never run: refused where they are written', () => {
  const rule = (action: string) =>
    yaml('servers:', '  a: { command: uvx }', 'policies:', '  a:', '    tools:', '      t:', `        action: ${action}`, '        conditions:', "          - if: 'args.x == 1'", '            action: deny');
  for (const action of ['hide', 'deny']) {
    const problems = problemsOf(rule(action));
    assert.equal(problems.length, 1, ConfigError.format(problems));
    assertProblem(problems[0], { line: 8, column: 9, path: '/policies/a/tools/t/conditions', message: `\`conditions\` never run: a rule with \`action: ${action}\``, hint: 'give those conditions `action: deny`' });
  }
  for (const action of ['allow', 'require_approval']) assert.doesNotThrow(() => parseConfig(rule(action), 'toolgate.yaml', {}), action);

  const category = yaml('servers:', '  a: { command: uvx }', 'defaults:', '  categories:', '    Write:', '      action: hide', '      conditions:', "        - if: 'true'", '          action: allow');
  assertProblem(problemsOf(category)[0], { line: 7, column: 7, path: '/defaults/categories/Write/conditions', message: '`conditions` never run' });
  // An empty list says nothing that could be ignored.
  assert.doesNotThrow(() => parseConfig(yaml('servers:', '  a: { command: uvx }', 'policies:', '  a:', '    tools:', '      t: { action: hide, conditions: [] }'), 'toolgate.yaml', {}));
});

test('the order of a rule\'s parts: the README, the JSON Schema and the policy agree (action, conditions, validate, rate_limit, budget, hold)', () => {
  // What the documents say.
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const order = /Then, in order: ([\s\S]*?)A call that passes all of them is forwarded\./.exec(readme)?.[1].replace(/\s+/g, ' ');
  assert.ok(order, 'README states the order under "Which rule applies"');
  const steps = ['`action`', '`conditions`', '`validate`', '`rate_limit`', '`budget`', 'the hold'].map((step) => order.indexOf(step));
  assert.ok(steps.every((at, i) => at >= 0 && (i === 0 || at > steps[i - 1])), `README order: ${order}`);
  const rule = configJsonSchema.properties.policies.additionalProperties.properties.tools.additionalProperties.properties;
  assert.match(rule.action.description, /^Read first\. `deny` .* `hide` .* act at once/);
  assert.match(rule.conditions.description, /^Read after `action` \(only when it is `allow` or `require_approval`\)/);
  assert.match(rule.conditions.description, /Then `validate`, `rate_limit` and `budget`, then the hold\./);

  // What the policy does.
  const policy = compilePolicy(
    parseConfig(
      yaml(
        'servers:',
        '  a: { command: uvx }',
        'policies:',
        '  a:',
        '    tools:',
        '      deploy:',
        '        action: require_approval',
        '        rate_limit: { max: 5, window: 60 }',
        '        validate: { arguments: { properties: { n: { maximum: 10 } } } }',
        '        conditions:',
        "          - if: 'has(args.env) && args.env == \"dev\"'",
        '            action: allow',
        "          - if: 'has(args.env) && args.env == \"prod\"'",
        '            action: deny',
        '            reason: no prod',
      ),
      'toolgate.yaml',
      {},
    ),
  );
  const verdict = (args: Record<string, unknown>) => policy.evaluate({ server: 'a', tool: 'deploy', args });
  assert.equal(verdict({ env: 'prod', n: 99 }).kind, 'deny', 'a matching deny condition acts before validate');
  assert.equal(verdict({ env: 'dev', n: 99 }).kind, 'invalid', 'validate runs after an allowing condition');
  const allowed = verdict({ env: 'dev', n: 1 });
  assert.equal(allowed.kind, 'allow', 'an allowing condition lifts the rule\'s require_approval');
  const held = verdict({ n: 1 });
  assert.equal(held.kind, 'hold', 'no condition matched: the rule\'s require_approval holds');
  assert.ok('rateLimit' in held && held.rateLimit, 'the hold carries the rate limit, taken before holding');
  assert.equal(verdict({ n: 99 }).kind, 'invalid', 'validate runs before the hold');
});
