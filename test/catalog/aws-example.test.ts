/**
 * examples/aws.yaml: it loads, and the seed page's tool (build_and_push_image_to_ecr, with its
 * real definition from the ECS server) comes out as Execute / High with its two required
 * parameters and the rule the example configures for it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogEntry } from '../../src/catalog/entry.js';
import { loadConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { AWS_EXAMPLE, dataset, toolgate } from './cli-helpers.js';

test('toolgate validate accepts examples/aws.yaml', () => {
  const result = toolgate(['validate', '-c', AWS_EXAMPLE]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /OK — 2 server\(s\) \(aws-serverless, aws-ecs\)/);
});

test('the seed tool: Execute / High, two required parameters, rate-limited and validated by its own rule', () => {
  const result = toolgate(['catalog', '--tools-json', dataset('awslabs.ecs-mcp-server.seed-tool.json'), '-c', AWS_EXAMPLE, '--format', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const [entry] = JSON.parse(result.stdout) as CatalogEntry[];
  assert.equal(entry.server, 'aws-ecs', 'the file\'s server (awslabs.ecs-mcp-server) is the configured server that runs it');
  assert.equal(entry.name, 'build_and_push_image_to_ecr');
  assert.equal(entry.category, 'Execute');
  assert.equal(entry.risk, 'High');
  assert.deepEqual(entry.requiredParams, ['app_name', 'app_path']);
  assert.equal(entry.overridden, false);
  const rule = entry.effectiveRule;
  assert.equal(rule.action, 'allow');
  assert.deepEqual(rule.source, { kind: 'tool_rule', key: 'build_and_push_image_to_ecr', where: 'policies.aws-ecs.tools.build_and_push_image_to_ecr' });
  assert.deepEqual(rule.rateLimit, { max: 3, windowMs: 600_000, scope: 'tool' });
  assert.equal(rule.validate?.inputSchema, true);
  assert.ok(rule.validate?.arguments, 'an arguments schema of its own');
});

test('the workspace pattern: app_path inside the workspace passes, outside or through .. is refused', async () => {
  const policy = compilePolicy(await loadConfig(AWS_EXAMPLE));
  const call = (app_path: string) =>
    policy.evaluate({ server: 'aws-ecs', tool: 'build_and_push_image_to_ecr', args: { app_name: 'my-app', app_path } }, { name: 'build_and_push_image_to_ecr', inputSchema: { type: 'object' } });
  assert.equal(call('/srv/workspace/my-app').kind, 'allow');
  assert.equal(call('/srv/workspace/apps/my..app').kind, 'allow', 'two dots inside a name are fine');
  for (const outside of ['/etc', '/srv/workspace', '/srv/workspace/../../etc', '/srv/workspace/a/..', 'srv/workspace/x']) {
    const verdict = call(outside);
    assert.equal(verdict.kind, 'invalid', outside);
    if (verdict.kind === 'invalid') assert.match(verdict.issues.map((i) => `${i.path} ${i.message}`).join('; '), /\/app_path must match pattern/);
  }
  const badName = policy.evaluate({ server: 'aws-ecs', tool: 'build_and_push_image_to_ecr', args: { app_name: 'My App!', app_path: '/srv/workspace/x' } }, { name: 'build_and_push_image_to_ecr', inputSchema: { type: 'object' } });
  assert.equal(badName.kind, 'invalid');
});
