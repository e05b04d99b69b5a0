/**
 * `toolgate explain`: the effective rule of one tool with where each part comes from, for a live
 * server and for a tools file; an unknown tool names the near ones.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CatalogEntry } from '../../src/catalog/entry.js';
import { AWS_EXAMPLE, EVERYTHING_YAML, dataset, toolgate, toolgateAsync, writeConfig } from './cli-helpers.js';

const SERVERLESS = 'awslabs.aws-serverless-mcp-server.json';

describe('toolgate explain', () => {
  test('a live server: the tool rule, its parts and their sources, category and risk with reasons', async () => {
    const { file } = writeConfig(
      [
        'servers:',
        `  everything: ${EVERYTHING_YAML}`,
        'defaults: recommended',
        'policies:',
        '  everything:',
        '    tools:',
        '      get-*: { rate_limit: { max: 20, window: 1m } }',
        '      get-env: { action: deny, reason: "Environment variables may hold secrets." }',
        '',
      ].join('\n'),
    );
    const result = await toolgateAsync(['explain', 'everything', 'get-env', '-c', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^get-env on server everything/);
    assert.match(result.stdout, /^ {2}category {2}Read \(classifier\)$/m);
    assert.match(result.stdout, /^ {2}risk {6}High \(classifier\)$/m);
    assert.match(result.stdout, /^Effective rule: deny: "Environment variables may hold secrets\."$/m);
    assert.match(result.stdout, /^ {2}governed by policies\.everything\.tools\.get-env \[rule "get-env"\]$/m, 'the exact rule beats the glob');
    assert.match(result.stdout, /^ {2}action +deny {2}— from policies\.everything\.tools\.get-env$/m);
    assert.match(result.stdout, /^ {2}reason +Environment variables may hold secrets\. {2}— from policies\.everything\.tools\.get-env$/m);
    assert.match(result.stdout, /^Why \(from the definition\):\n {2}- .+/m);
    assert.match(result.stdout, /environment variables/i);

    const glob = await toolgateAsync(['explain', 'everything', 'get-sum', '-c', file, '--json']);
    assert.equal(glob.code, 0, glob.stderr);
    const entry = JSON.parse(glob.stdout) as CatalogEntry;
    assert.equal(entry.effectiveRule.source.key, 'get-*');
    assert.deepEqual(entry.effectiveRule.rateLimit, { max: 20, windowMs: 60_000, scope: 'session' });
  });

  test('a tools file: a category override and the category default it leads to', () => {
    const result = toolgate(['explain', 'aws-serverless', 'esm_guidance', '-c', AWS_EXAMPLE, '--tools-json', dataset(SERVERLESS)]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}category {2}Execute \(override at policies\.aws-serverless\.tools\.esm_guidance; the classifier says Read\)$/m);
    assert.match(result.stdout, /^ {2}risk {6}High \(override at policies\.aws-serverless\.tools\.esm_guidance; the classifier says Low\)$/m);
    // The override's risk picks the profile's High row: validated and limited per agent.
    assert.match(result.stdout, /^ {2}governed by defaults: recommended \(Execute, High risk\) \[defaults: Execute\]$/m);
    assert.match(result.stdout, /^ {2}rate_limit +\{ max: 5, window: 1m, scope: agent \} {2}— from defaults: recommended \(Execute, High risk\)$/m);
  });

  test('--args: what decides that exact call — a condition, validation, or the rule itself', () => {
    const { dir, file } = writeConfig(
      [
        'servers:',
        `  aws-serverless: ${EVERYTHING_YAML}`,
        'defaults: recommended',
        'policies:',
        '  aws-serverless:',
        '    tools:',
        '      sam_deploy:',
        '        validate: true',
        '        conditions:',
        '          - if: \'args.?application_name.orValue("").startsWith("prod-")\'',
        '            action: deny',
        '            reason: "Production stacks deploy from the pipeline."',
        '',
      ].join('\n'),
    );
    const run = (callArgs: string, ...more: string[]) => toolgate(['explain', 'aws-serverless', 'sam_deploy', '-c', file, '--tools-json', dataset(SERVERLESS), '--args', callArgs, ...more], { cwd: dir });
    const denied = run('{"application_name": "prod-shop", "project_directory": "/w"}');
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /^This call \(--args \{"application_name":"prod-shop","project_directory":"\/w"\}\): deny — decided by sam_deploy \(conditions\[0\]\)\n {2}Production stacks deploy from the pipeline\.$/m);
    const invalid = run('{"application_name": "shop"}');
    assert.match(invalid.stdout, /^This call .*: invalid — decided by sam_deploy \(validate\)\n {2}.*project_directory/m);
    const allowed = run('{"application_name": "shop", "project_directory": "/w"}');
    assert.match(allowed.stdout, /^This call .*: allow — decided by sam_deploy \(action\)$/m);
    const json = JSON.parse(run('{"application_name": "prod-x", "project_directory": "/w"}', '--json').stdout) as { call: { decision: string; part: string } };
    assert.deepEqual([json.call.decision, json.call.part], ['deny', 'conditions[0]']);
    const bad = run('[1]');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--args must be a JSON object of the call's arguments/);
    const notJson = run('{name: shop}');
    assert.match(notJson.stderr, /--args is not JSON/);
  });

  test('an unknown tool is a clear error naming the near names', () => {
    const typo = toolgate(['explain', 'aws-serverless', 'sam_deplyo', '-c', AWS_EXAMPLE, '--tools-json', dataset(SERVERLESS)]);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /tool "sam_deplyo" is not listed by .*awslabs\.aws-serverless-mcp-server\.json; near names: sam_deploy/);
    const part = toolgate(['explain', 'aws-serverless', 'webapp', '-c', AWS_EXAMPLE, '--tools-json', dataset(SERVERLESS)]);
    assert.match(part.stderr, /near names: .*deploy_webapp/);
    assert.match(part.stderr, /update_webapp_frontend/);
    const nothing = toolgate(['explain', 'aws-serverless', 'zzzzzzzz', '-c', AWS_EXAMPLE, '--tools-json', dataset(SERVERLESS)]);
    assert.match(nothing.stderr, /tool "zzzzzzzz" is not listed by .*; it lists 25 tool\(s\): webapp_deployment_help, /);
    const server = toolgate(['explain', 'aws-serverles', 'sam_deploy', '-c', AWS_EXAMPLE, '--tools-json', dataset(SERVERLESS)]);
    assert.equal(server.code, 1);
    assert.match(server.stderr, /server "aws-serverles" is not in .*aws\.yaml \(did you mean `aws-serverless`\?\)/);
    const usage = toolgate(['explain', 'aws-serverless']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /toolgate explain takes a server id and a tool name/);
  });
});
