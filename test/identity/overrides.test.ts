/**
 * Rules per agent and per group: the precedence (the agent's own override, then the first group
 * written that has a rule for the tool or a default, then the server's rules), seen in decisions
 * from the policy alone, from the upstream's side through a real gateway, and in `toolgate explain`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { namedAgent, type Agent } from '../../src/identity/agent.js';
import { compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { CLI, receivedToolCalls, startGateway, tempDir, type StartedGateway } from '../helpers/harness.js';
import { Clients } from './helpers.js';

const run = promisify(execFile);
const KEYS = { ci: 'ci-bot-key-0123456789', alice: 'alice-key-0123456789ab', bob: 'bob-key-0123456789abcd' };

const POLICY = `
auth:
  agents:
    ci-bot: { key: "${KEYS.ci}", groups: [ci] }
    alice: { key: "${KEYS.alice}", groups: [humans, oncall] }
    bob: { key: "${KEYS.bob}", groups: [humans] }
policies:
  app:
    tools:
      deploy_webapp: { action: require_approval }
      delete_*: { action: deny, reason: "nobody deletes" }
      echo: { rate_limit: { max: 100, window: 1h } }
    agents:
      ci-bot:
        tools:
          deploy_webapp: { action: allow }
      alice:
        tools:
          delete_app: { action: allow }
    groups:
      oncall:
        tools:
          delete_*: { action: allow, rate_limit: { max: 1, window: 1h, scope: agent } }
      humans:
        default: deny
        tools:
          echo: { action: allow }
          admin_reset: { action: hide }
`;

describe('the precedence of overrides (the policy alone)', () => {
  let policy: CompiledPolicy;
  before(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'toolgate.yaml'), `servers:\n  app: { command: "true" }\n${POLICY}`);
    policy = compilePolicy(await loadConfig(join(dir, 'toolgate.yaml')));
  });

  const agents: Record<string, Agent | undefined> = {
    'ci-bot': namedAgent('ci-bot', ['ci'], 'api_key'),
    alice: namedAgent('alice', ['humans', 'oncall'], 'api_key'),
    bob: namedAgent('bob', ['humans'], 'api_key'),
    nobody: undefined,
  };
  const cases: Array<[agent: string, tool: string, kind: string, where: RegExp]> = [
    ['ci-bot', 'deploy_webapp', 'allow', /agents\.ci-bot\.tools\."?deploy_webapp/],
    ['ci-bot', 'delete_app', 'deny', /^policies\.app\.tools\."delete_\*"/],
    ['ci-bot', 'admin_reset', 'allow', /^policies\.app \(not set|^policies\.app\.default/],
    ['alice', 'delete_app', 'allow', /agents\.alice\.tools\."?delete_app/],
    ['alice', 'delete_everything', 'allow', /groups\.oncall\.tools\."delete_\*"/],
    ['alice', 'admin_reset', 'hide', /groups\.humans\.tools\."?admin_reset/],
    ['bob', 'delete_everything', 'deny', /groups\.humans\.default/],
    ['bob', 'echo', 'allow', /groups\.humans\.tools\."?echo/],
    ['bob', 'deploy_webapp', 'deny', /groups\.humans\.default/],
    ['bob', 'admin_reset', 'hide', /groups\.humans\.tools\."?admin_reset/],
    ['nobody', 'deploy_webapp', 'hold', /^policies\.app\.tools\."?deploy_webapp/],
    ['nobody', 'admin_reset', 'allow', /^policies\.app/],
  ];
  for (const [agent, tool, kind, where] of cases) {
    test(`${agent} calling ${tool}: ${kind}, by ${where.source}`, () => {
      const verdict = policy.evaluate({ server: 'app', tool, args: {}, agent: agents[agent] });
      assert.equal(verdict.kind, kind);
      const explained = policy.explain('app', tool, undefined, agents[agent]);
      assert.match(explained.source.where, where);
      assert.equal(policy.isHidden('app', tool, undefined, agents[agent]), kind === 'hide');
    });
  }

  test('override rules count apart from the server\'s rule of the same pattern', () => {
    const server = policy.evaluate({ server: 'app', tool: 'delete_x', args: {}, agent: undefined });
    const oncall = policy.evaluate({ server: 'app', tool: 'delete_x', args: {}, agent: agents.alice });
    assert.equal(server.kind, 'deny');
    assert.equal(oncall.kind, 'allow');
    assert.match((oncall as { rateLimit: { key: string } }).rateLimit.key, /^rl:agent:\["app@groups\.oncall","delete_\*","delete_x","alice"\]$/);
    assert.equal(policy.hidesPerAgent('app'), true);
  });
});

describe('overrides through a real gateway', () => {
  let gw: StartedGateway;
  const clients = new Clients();
  before(async () => {
    gw = await startGateway(`servers:\n  app: $RECORDING\n${POLICY}`);
  });
  after(async () => {
    await clients.closeAll();
    await gw?.close();
  });

  test("each agent gets its rule, seen from the upstream; a hide in a group override hides the tool from that group's list only", async () => {
    const ci = (await clients.as(gw.url('app'), KEYS.ci)).client;
    const alice = (await clients.as(gw.url('app'), KEYS.alice)).client;
    const bob = (await clients.as(gw.url('app'), KEYS.bob)).client;
    const deploy = { name: 'deploy_webapp', arguments: { project_root: '/srv/app', region: 'eu' } };
    assert.equal((await ci.callTool(deploy)).isError, undefined, 'ci-bot deploys');
    assert.equal((await bob.callTool(deploy)).isError, true, 'bob may not (humans default deny)');
    assert.equal((await alice.callTool({ name: 'delete_app', arguments: { name: 'a' } })).isError, undefined, 'alice deletes an app');
    assert.equal((await alice.callTool({ name: 'delete_everything', arguments: {} })).isError, undefined, 'on call: once');
    assert.equal((await alice.callTool({ name: 'delete_everything', arguments: {} })).isError, true, 'and only once an hour');
    assert.equal((await bob.callTool({ name: 'delete_everything', arguments: {} })).isError, true);
    for (const client of [ci, alice, bob]) await client.ping();
    assert.deepEqual(receivedToolCalls(gw.recordFile).filter((name) => name !== 'echo'), ['deploy_webapp', 'delete_app', 'delete_everything']);
    const names = async (client: typeof ci) => (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok((await names(ci)).includes('admin_reset'));
    assert.ok(!(await names(bob)).includes('admin_reset'));
    assert.ok(!(await names(alice)).includes('admin_reset'));
    await assert.rejects(bob.callTool({ name: 'admin_reset', arguments: {} }), /Unknown tool/);
  });

  test('toolgate explain --agent shows the rule that agent gets, and where it is written', async () => {
    const toolsFile = join(gw.dir, 'tools.json');
    writeFileSync(toolsFile, JSON.stringify({ server: 'app', tools: [{ name: 'deploy_webapp', description: 'Deploys a web application', inputSchema: { type: 'object' } }] }));
    const explain = async (...extra: string[]) => (await run(process.execPath, [CLI, 'explain', 'app', 'deploy_webapp', '-c', gw.configFile, '--tools-json', toolsFile, ...extra])).stdout;
    assert.match(await explain(), /governed by policies\.app\.tools\."?deploy_webapp/);
    const forCi = await explain('--agent', 'ci-bot');
    assert.match(forCi, /^For agent ci-bot \(groups: ci\):/);
    assert.match(forCi, /governed by policies\.app\.agents\.ci-bot\.tools\."?deploy_webapp/);
    assert.match(await explain('--agent', 'someone', '--group', 'humans'), /governed by policies\.app\.groups\.humans\.default/);
  });
});

describe('auth and override mistakes are refused at load, each named', () => {
  const load = async (yaml: string) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'toolgate.yaml'), `servers:\n  app: { command: "true" }\n${yaml}`);
    return loadConfig(join(dir, 'toolgate.yaml'));
  };
  const cases: Array<[string, string, RegExp]> = [
    ['a classification in an override', 'policies:\n  app:\n    agents:\n      bot: { tools: { x: { category: Read } } }', /`category` and `risk` describe the tool, not an agent/],
    ['an agent without a key', 'auth:\n  agents:\n    bot: { groups: [a] }', /agent `bot` needs exactly one of `key` and `key_sha256`/],
    ['an agent with both', `auth:\n  agents:\n    bot: { key: "${KEYS.ci}", key_sha256: "${'a'.repeat(64)}" }`, /agent `bot` needs exactly one of `key` and `key_sha256`/],
    ['two agents with one key', `auth:\n  agents:\n    one: { key: "${KEYS.ci}" }\n    two: { key: "${KEYS.ci}" }`, /agents `one` and `two` have the same key/],
    ['a short key', 'auth:\n  agents:\n    bot: { key: "short" }', /key/],
    ['a key hash that is not one', 'auth:\n  agents:\n    bot: { key_sha256: "abc" }', /key_sha256/],
    ['an unknown agent claim', 'auth:\n  oauth: { issuer: "https://idp.example.com", agent_claim: email }', /agent_claim/],
    ['a misspelt oauth key', 'auth:\n  oauth: { issuer: "https://idp.example.com", audiense: x }', /audiense/],
    ['a CEL error in an override rule', 'policies:\n  app:\n    groups:\n      g: { tools: { x: { conditions: [{ if: "agent.id ==", action: deny }] } } }', /groups\/g\/tools\/x\/conditions\/0\/if|CEL/],
  ];
  for (const [name, yaml, message] of cases) {
    test(name, async () => {
      await assert.rejects(load(yaml), (error: Error) => {
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
