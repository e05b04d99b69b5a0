import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, decisionOf, receivedMessages, receivedToolCalls, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';
import { Clients, initializeBody, post } from './helpers.js';

const run = promisify(execFile);
const KEYS = { ci: 'ci-bot-key-0123456789', alice: 'alice-key-0123456789ab', ops: 'ops-key-0123456789abcd' };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const isRateLimited = (result: unknown) => (result as { isError?: unknown }).isError === true && decisionOf(result)?.decision === 'rate_limited';

describe('API keys: auth.agents', () => {
  let gw: StartedGateway;
  const clients = new Clients();

  before(async () => {
    gw = await startGateway(`
auth:
  agents:
    ci-bot: { key: "${KEYS.ci}", groups: [ci] }
    alice: { key_sha256: "${sha(KEYS.alice).toUpperCase()}", groups: [humans] }
    ops: { key: "${KEYS.ops}", groups: [humans, oncall] }
servers:
  app: $RECORDING
policies:
  app:
    tools:
      echo:
        rate_limit: { max: 3, window: 1h, scope: agent }
      get_status:
        conditions:
          - { if: 'agent.id == "ci-bot"', action: allow }
          - { if: '"oncall" in agent.groups', action: allow }
          - { if: 'true', action: deny, reason: "only ci-bot and on-call people read the status" }
`);
  });
  after(async () => {
    await clients.closeAll();
    await gw?.close();
  });

  test('without credentials nothing reaches the upstream: 401 with the challenge naming the metadata', async () => {
    const response = await post(gw.url('app'), initializeBody());
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const metadataUrl = `${gw.baseUrl}/.well-known/oauth-protected-resource/mcp/app`;
    assert.equal(challenge, `Bearer resource_metadata="${metadataUrl}"`);
    const metadata = await (await fetch(metadataUrl)).json();
    assert.equal(metadata.resource, `${gw.baseUrl}/mcp/app`);
    assert.deepEqual(metadata.bearer_methods_supported, ['header']);
    const root = await (await fetch(`${gw.baseUrl}/.well-known/oauth-protected-resource`)).json();
    assert.equal(root.resource, gw.baseUrl);
    await assert.rejects(clients.as(gw.url('app'), undefined), 'the SDK client without a key cannot connect');
    assert.deepEqual(receivedMessages(gw.recordFile), [], 'no upstream was even started');
  });

  test('bad credentials get 401 invalid_token / invalid_request with a reason, and never reach the upstream', async () => {
    const cases: Array<[string, string, string]> = [
      ['Bearer not-a-key-of-anyone-here', 'invalid_token', 'not a known API key'],
      [`Basic ${Buffer.from(`ci-bot:${KEYS.ci}`).toString('base64')}`, 'invalid_request', 'must be: Bearer <token>'],
      [`Bearer ${KEYS.ci} extra`, 'invalid_request', 'must be: Bearer <token>'],
      [`Bearer ${'k'.repeat(9000)}`, 'invalid_request', 'at most 8192'],
      [`Bearer ${KEYS.ci.slice(0, -1)}`, 'invalid_token', 'not a known API key'],
    ];
    for (const [authorization, error, says] of cases) {
      const response = await post(gw.url('app'), initializeBody(), { authorization });
      assert.equal(response.status, 401, authorization.slice(0, 40));
      assert.match(response.headers.get('www-authenticate') ?? '', new RegExp(`^Bearer resource_metadata=".+", error="${error}", error_description=".*${says.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}`));
      assert.equal(JSON.parse(response.text).error, error);
    }
    // 100 KB: Node's own header limit answers before toolgate reads anything.
    const huge = await fetch(gw.url('app'), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${'x'.repeat(100 * 1024)}` }, body: JSON.stringify(initializeBody()) }).catch((error: Error) => error);
    assert.ok(huge instanceof Error || huge.status === 431, `a 100 KB header is refused (${huge instanceof Error ? huge.message : huge.status})`);
    assert.deepEqual(receivedMessages(gw.recordFile), []);
    const health = await fetch(`${gw.baseUrl}/healthz`);
    assert.equal(health.status, 200, 'the gateway keeps serving');
  });

  test('scope agent: five calls of one agent over five sessions admit exactly 3; another agent keeps its own 3', async () => {
    const results: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const { client } = await clients.as(gw.url('app'), KEYS.ci);
      results.push(await client.callTool({ name: 'echo', arguments: { text: `ci ${i}` } }));
    }
    assert.equal(results.filter((r) => !(r as { isError?: boolean }).isError).length, 3);
    assert.equal(results.filter(isRateLimited).length, 2);
    assert.match(resultText(results[4]), /3 calls per 1h \(scope agent\)/);
    const alice = (await clients.as(gw.url('app'), KEYS.alice)).client;
    for (let i = 0; i < 3; i++) assert.equal(resultText(await alice.callTool({ name: 'echo', arguments: { text: `alice ${i}` } })), `alice ${i}`);
    assert.ok(isRateLimited(await alice.callTool({ name: 'echo', arguments: { text: 'alice over' } })));
    await alice.ping();
    const texts = receivedMessages(gw.recordFile)
      .filter((entry) => entry.message.method === 'tools/call' && entry.message.params?.name === 'echo')
      .map((entry) => String((entry.message.params?.arguments as { text: string }).text));
    assert.deepEqual(texts.filter((t) => t.startsWith('ci ')), ['ci 0', 'ci 1', 'ci 2'], 'the upstream saw exactly the 3 admitted calls of ci-bot');
    assert.deepEqual(texts.filter((t) => t.startsWith('alice ')), ['alice 0', 'alice 1', 'alice 2']);
  });

  test("a session opened by one agent is refused (404) with another agent's key, and with none", async () => {
    const { client, transport } = await clients.as(gw.url('app'), KEYS.alice);
    await client.ping();
    const sessionId = transport.sessionId!;
    const call = { jsonrpc: '2.0', id: 77, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hijacked' } } };
    const stolen = await post(gw.url('app'), call, { authorization: `Bearer ${KEYS.ops}`, 'mcp-session-id': sessionId });
    assert.equal(stolen.status, 404);
    assert.match(stolen.text, /Session not found/);
    const bare = await post(gw.url('app'), call, { 'mcp-session-id': sessionId });
    assert.equal(bare.status, 401);
    const deleted = await fetch(gw.url('app'), { method: 'DELETE', headers: { authorization: `Bearer ${KEYS.ops}`, 'mcp-session-id': sessionId } });
    assert.equal(deleted.status, 404, 'nor can it end the session');
    await client.ping();
    assert.ok(!receivedToolCalls(gw.recordFile).includes('hijacked') && !receivedMessages(gw.recordFile).some((e) => (e.message.params?.arguments as { text?: string } | undefined)?.text === 'hijacked'));
    const own = await post(gw.url('app'), call, { authorization: `Bearer ${KEYS.alice}`, 'mcp-session-id': sessionId });
    assert.equal(own.status, 200, 'its own agent still can');
  });

  test('a CEL condition on agent.id and agent.groups allows some agents and refuses others, seen from the upstream', async () => {
    const before = receivedToolCalls(gw.recordFile).filter((name) => name === 'get_status').length;
    const outcome = async (key: string) => {
      const { client } = await clients.as(gw.url('app'), key);
      const result = await client.callTool({ name: 'get_status', arguments: {} });
      await client.ping();
      return result;
    };
    assert.equal((await outcome(KEYS.ci)).isError, undefined, 'ci-bot by id');
    assert.equal((await outcome(KEYS.ops)).isError, undefined, 'ops by group oncall');
    const refused = await outcome(KEYS.alice);
    assert.equal(refused.isError, true);
    assert.match(resultText(refused), /only ci-bot and on-call people/);
    assert.equal(receivedToolCalls(gw.recordFile).filter((name) => name === 'get_status').length - before, 2, 'alice\'s call never arrived');
  });

  test('an agent cannot choose its identity with headers or _meta: decisions and audit name the key\'s agent', async () => {
    const { client, transport } = await clients.as(gw.url('app'), KEYS.alice);
    await client.ping();
    const call = {
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { name: 'get_status', arguments: {}, _meta: { agent: 'ci-bot', 'toolgate/agent': 'ci-bot', enduser: { id: 'ci-bot' } } },
    };
    const forged = await post(gw.url('app'), call, {
      authorization: `Bearer ${KEYS.alice}`,
      'mcp-session-id': transport.sessionId!,
      'x-agent': 'ci-bot',
      'x-forwarded-user': 'ci-bot',
      'x-toolgate-agent': 'ci-bot',
    });
    assert.equal(forged.status, 200);
    assert.match(forged.text, /only ci-bot and on-call people/, 'still refused as alice');
    const decision = [...gw.decisions].reverse().find((event) => event.requestId === 5)!;
    assert.equal(decision.call.agent?.id, 'alice');
    assert.deepEqual(decision.call.agent?.groups, ['humans']);
    await gw.gateway.audit!.flush();
    const audit = async (agent: string) => {
      const { stdout } = await run(process.execPath, [CLI, 'audit', '-c', gw.configFile, '--agent', agent, '--json']);
      return stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    const alices = await audit('alice');
    assert.ok(alices.some((record) => record['jsonrpc.request.id'] === '5' && record.decision === 'denied'));
    assert.ok(alices.every((record) => record['enduser.id'] === 'alice'));
    assert.ok((await audit('ci-bot')).every((record) => record['jsonrpc.request.id'] !== '5'));
  });
});

describe('auth.anonymous: allow', () => {
  test('no credentials: served as the agent anonymous; bad credentials: still 401', async () => {
    const gw = await startGateway(`
auth:
  anonymous: allow
  agents:
    ci-bot: { key: "${KEYS.ci}" }
servers:
  app: $RECORDING
policies:
  app:
    tools:
      echo: { conditions: [{ if: 'agent.id == "anonymous"', action: deny, reason: "who are you?" }] }
`);
    const clients = new Clients();
    try {
      const anonymous = (await clients.as(gw.url('app'), undefined)).client;
      assert.match(resultText(await anonymous.callTool({ name: 'echo', arguments: { text: 'hi' } })), /who are you\?/);
      assert.equal(gw.decisions.at(-1)!.call.agent?.id, 'anonymous');
      const known = (await clients.as(gw.url('app'), KEYS.ci)).client;
      assert.equal(resultText(await known.callTool({ name: 'echo', arguments: { text: 'hi' } })), 'hi');
      const bad = await post(gw.url('app'), initializeBody(), { authorization: 'Bearer wrong-key-wrong-key' });
      assert.equal(bad.status, 401);
    } finally {
      await clients.closeAll();
      await gw.close();
    }
  });
});
