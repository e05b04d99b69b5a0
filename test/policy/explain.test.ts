/** explain: the effective rule, where each part comes from, and the classification. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config, DefaultsConfig, ServerPolicyConfig } from '../../src/config/types.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { RECOMMENDED } from '../../src/policy/recommended.js';
import type { Explanation } from '../../src/policy/types.js';
import { config, limit, rule, server } from './builders.js';
import { tooldef } from './tooldefs.js';

const recommended = (): DefaultsConfig => ({ profile: 'recommended', categories: structuredClone(RECOMMENDED) as DefaultsConfig['categories'] });
const withDefaults = (policies: Record<string, ServerPolicyConfig>, defaults: DefaultsConfig = recommended()): Config => ({ ...config(policies), defaults });

const BUILD = tooldef('aws-ecs', 'build_and_push_image_to_ecr');
/** The profile's row for Execute tools of High risk, which the seed tool is. */
const EXECUTE_RULE = { action: 'allow', validate: { inputSchema: true }, rateLimit: { max: 5, windowMs: 60_000, scope: 'agent' }, conditions: [] } as const;

/** Explanations without the rationale, which is the classifier's wording; checked separately. */
function shape(e: Explanation): Omit<Explanation, 'rationale'> {
  const { rationale: _, ...rest } = e;
  return rest;
}

test('a category default from the profile, classified from the definition', () => {
  const policy = compilePolicy(withDefaults({ 'aws-ecs': server({}) }));
  const e = policy.explain('aws-ecs', 'build_and_push_image_to_ecr', BUILD);
  const from = 'defaults: recommended (Execute, High risk)';
  assert.deepEqual(shape(e), {
    server: 'aws-ecs',
    tool: 'build_and_push_image_to_ecr',
    category: { value: 'Execute', source: 'classifier' },
    risk: { value: 'High', source: 'classifier' },
    rule: EXECUTE_RULE,
    source: { kind: 'category_default', key: 'Execute', where: from },
    parts: [
      { part: 'action', value: 'allow', from },
      { part: 'rate_limit', value: EXECUTE_RULE.rateLimit, from },
      { part: 'validate', value: EXECUTE_RULE.validate, from },
      { part: 'category', value: 'Execute', from: 'classifier' },
      { part: 'risk', value: 'High', from: 'classifier' },
    ],
  });
  assert.ok(e.rationale.some((s) => s.includes('"build"')), e.rationale.join(' | '));
});

test('an entry of the file\'s own is located at defaults.categories, and an override at its rule', () => {
  const defaults: DefaultsConfig = { profile: 'recommended', categories: { ...recommended().categories, Execute: rule('allow', { rateLimit: limit(2, 60, 'tool') }) } };
  const policy = compilePolicy(
    withDefaults({ 'aws-ecs': server({ build_and_push_image_to_ecr: rule('allow', { category: 'Execute', risk: 'Medium' }) }) }, defaults),
  );
  const e = policy.explain('aws-ecs', 'build_and_push_image_to_ecr', BUILD);
  const override = 'override at policies.aws-ecs.tools.build_and_push_image_to_ecr';
  assert.deepEqual(shape(e), {
    server: 'aws-ecs',
    tool: 'build_and_push_image_to_ecr',
    category: { value: 'Execute', source: 'override' },
    risk: { value: 'Medium', source: 'override' },
    rule: { action: 'allow', rateLimit: { max: 2, windowMs: 60_000, scope: 'tool' }, conditions: [] },
    source: { kind: 'category_default', key: 'Execute', where: 'defaults.categories.Execute' },
    parts: [
      { part: 'action', value: 'allow', from: 'defaults.categories.Execute' },
      { part: 'rate_limit', value: { max: 2, windowMs: 60_000, scope: 'tool' }, from: 'defaults.categories.Execute' },
      { part: 'category', value: 'Execute', from: override },
      { part: 'risk', value: 'Medium', from: override },
    ],
  });
  // Both overridden: the classifier did not run, so there is no rationale.
  assert.deepEqual(e.rationale, []);
});

test('an explicit glob rule: every part from its key; the category is still shown', () => {
  const conditions = [{ if: 'args.TopicArn.endsWith(":prod")', action: 'deny' as const, reason: 'Not prod.' }];
  const policy = compilePolicy(withDefaults({ sns: server({ 'delete_*': rule('deny', { reason: 'Ask the platform team.', conditions }) }) }));
  const e = policy.explain('sns', 'delete_topic', tooldef('sns', 'delete_topic'));
  const from = 'policies.sns.tools."delete_*"';
  assert.deepEqual(e.source, { kind: 'tool_rule', key: 'delete_*', where: from });
  assert.deepEqual(e.rule, { action: 'deny', reason: 'Ask the platform team.', conditions });
  assert.deepEqual(e.parts, [
    { part: 'action', value: 'deny', from },
    { part: 'reason', value: 'Ask the platform team.', from },
    { part: 'conditions', value: conditions, from },
    { part: 'category', value: 'Destructive', from: 'classifier' },
    { part: 'risk', value: 'High', from: 'classifier' },
  ]);
});

test('server defaults: set, unset, and on a deny server where category defaults do not apply', () => {
  const policy = compilePolicy(withDefaults({ sns: server({}), locked: server({}, 'deny') }));
  const read = policy.explain('sns', 'list_topics', tooldef('sns', 'list_topics'));
  assert.deepEqual(read.source, { kind: 'server_default', key: 'default', where: 'policies.sns.default' });
  assert.deepEqual(read.rule, { action: 'allow', conditions: [] });
  assert.deepEqual(read.category, { value: 'Read', source: 'classifier' });

  const locked = policy.explain('locked', 'build_and_push_image_to_ecr', BUILD);
  assert.deepEqual([locked.source, locked.rule.action], [{ kind: 'server_default', key: 'default', where: 'policies.locked.default' }, 'deny']);
  assert.deepEqual(locked.category, { value: 'Execute', source: 'classifier' });

  const unset = compilePolicy(config({})).explain('my.server', 'anything');
  assert.deepEqual(unset, {
    server: 'my.server',
    tool: 'anything',
    rationale: [],
    rule: { action: 'allow', conditions: [] },
    source: { kind: 'server_default', key: 'default', where: 'policies."my.server" (not set: every tool allowed)' },
    parts: [{ part: 'action', value: 'allow', from: 'policies."my.server" (not set: every tool allowed)' }],
  });
});

test('without a definition the category is unknown, and explain says the call is refused', () => {
  const policy = compilePolicy(withDefaults({ sns: server({}) }));
  const e = policy.explain('sns', 'publish');
  assert.equal(e.category, undefined);
  assert.deepEqual(e.source, { kind: 'category_default', key: 'unknown', where: "defaults (the tool's category is unknown)" });
  assert.equal(e.rule.action, 'deny');
  assert.match(e.rule.reason ?? '', /category of tool "publish" cannot be determined/);
});

test('explain agrees with evaluate on every real tool', () => {
  const policy = compilePolicy(withDefaults({ sns: server({ 'delete_*': rule('deny') }), github: server({}, 'deny') }));
  const tools: Array<[string, string]> = [
    ['aws-ecs', 'build_and_push_image_to_ecr'], ['sns', 'list_topics'], ['sns', 'create_topic'], ['sns', 'publish'],
    ['sns', 'delete_topic'], ['sns', 'add_sns_permission'], ['stripe', 'create_refund'], ['github', 'get_file_contents'],
  ];
  for (const [srv, tool] of tools) {
    const definition = tooldef(srv, tool);
    const e = policy.explain(srv, tool, definition);
    const verdict = policy.evaluate({ server: srv, tool, args: {} }, definition);
    const expectedKey = verdict.rule.category ?? (verdict.rule.pattern === 'default' ? 'default' : verdict.rule.pattern);
    assert.equal(e.source.key, expectedKey, `${srv}/${tool}`);
    // An allowing rule may still refuse these empty arguments by validation; it never denies.
    const expectedKinds = { allow: ['allow', 'invalid'], deny: ['deny'], hide: ['hide'], require_approval: ['hold', 'invalid'] }[e.rule.action];
    assert.ok(expectedKinds.includes(verdict.kind), `${srv}/${tool}: ${e.rule.action} vs ${verdict.kind}`);
  }
});
