import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { REPO_ROOT } from '../helpers/harness.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

test("the README's configuration reference is a config toolgate accepts", () => {
  const section = readme.slice(readme.indexOf('## Configuration reference'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  const config = parseConfig(yaml, 'README.md', { EVERYTHING_TOKEN: 'token', TOOLGATE_ADMIN_TOKEN: 'an-admin-token-of-32-characters!' });
  assert.deepEqual(Object.keys(config.servers), ['aws-ecs', 'aws-serverless', 'everything']);
  const policy = compilePolicy(config);
  assert.equal(policy.ruleFor('aws-ecs', 'delete_service').pattern, 'delete_*');
  assert.equal(policy.ruleFor('aws-ecs', 'build_and_push_image_to_ecr').pattern, 'build_and_push_image_to_ecr');
});

test('the README names both set-up commands and every CLI command', () => {
  assert.match(readme, /npm install && npm run demo/);
  assert.match(readme, /^npm test\b/m);
  for (const command of COMMANDS) assert.match(readme, new RegExp(`toolgate ${command.name}\\b`), `README documents toolgate ${command.name}`);
});
