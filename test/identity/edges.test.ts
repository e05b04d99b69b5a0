/**
 * Identity on every edge: the client's credentials never reach an upstream (toolgate's own
 * `servers.<id>.headers` do), and 2026-07-28 sessionless requests are authenticated per request,
 * with sealed request states bound to the agent so another agent cannot replay them.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DecisionEvent } from '../../src/gateway/context.js';
import { childEnv, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { RECORDING_SERVER, receivedMessages, resultText, startGateway as startHarnessGateway, tempDir } from '../helpers/harness.js';
import { calledTools, post2026, received, startFixture, startGateway, type Fixture, type InProcessGateway } from '../protocol/helpers.js';
import { Clients } from './helpers.js';

const KEY_A = 'agent-a-key-0123456789';
const KEY_B = 'agent-b-key-0123456789';
const AGENTS = `
auth:
  agents:
    agent-a: { key: "${KEY_A}" }
    agent-b: { key: "${KEY_B}" }
`;

test("no token passthrough: the agent's credentials never reach an HTTP upstream; toolgate's own headers do", async () => {
  const recordFile = join(tempDir(), 'http-received.jsonl');
  const fixture: RunningProcess = await spawnReady({
    name: 'recording-server (http)',
    command: process.execPath,
    args: [RECORDING_SERVER, '--http', '--port', '0'],
    env: childEnv({ RECORD_FILE: recordFile }),
    ready: /listening (http:\S+)/,
  });
  const gw = await startHarnessGateway(`${AGENTS}
servers:
  upstream:
    url: ${fixture.readyMatch}
    headers: { Authorization: "Bearer upstream-own-token" }
`);
  const clients = new Clients();
  try {
    const { client } = await clients.as(gw.url('upstream'), KEY_A);
    assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'through' } })), 'through');
    const seen = receivedMessages(recordFile) as Array<{ transport?: string; authorization?: string }>;
    const requests = seen.filter((entry) => entry.transport === 'http-request');
    assert.ok(requests.length >= 3, 'initialize, initialized and the call arrived');
    assert.deepEqual([...new Set(requests.map((entry) => entry.authorization))], ['Bearer upstream-own-token'], 'every HTTP request carried toolgate\'s header');
    assert.ok(!JSON.stringify(seen).includes(KEY_A), "the agent's key appears nowhere upstream");
  } finally {
    await clients.closeAll();
    await gw.close();
    await fixture.stop();
  }
});

describe('2026-07-28 sessionless requests', { timeout: 120_000 }, () => {
  let dir: string;
  let fixtures: Record<'modern' | 'legacy', Fixture>;
  let gw: InProcessGateway;
  const decisions: DecisionEvent[] = [];
  const as = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

  before(async () => {
    dir = tempDir('toolgate-identity-2026-');
    fixtures = { modern: await startFixture(dir, '--modern-only', 'modern'), legacy: await startFixture(dir, '--legacy-only', 'legacy') };
    const hiddenFromB = `
    groups:
      restricted: { tools: { test_image_content: { action: hide } } }`;
    gw = await startGateway(`
auth:
  agents:
    agent-a: { key: "${KEY_A}" }
    agent-b: { key: "${KEY_B}", groups: [restricted] }
servers:
  modern: { url: ${JSON.stringify(fixtures.modern.url)} }
  legacy: { url: ${JSON.stringify(fixtures.legacy.url)} }
policies:
  modern:${hiddenFromB}
  legacy:${hiddenFromB}
`);
    gw.gateway.subscribe((event) => decisions.push(event));
  });
  after(async () => {
    await gw?.close();
    await Promise.all(Object.values(fixtures ?? {}).map((fixture) => fixture.process.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('each request is authenticated: none gets 401 with the challenge, a key is served as its agent', async () => {
    for (const server of ['modern', 'legacy'] as const) {
      const before = calledTools(fixtures[server]).length;
      const refused = await post2026(gw.url(server), 'tools/call', { name: 'test_simple_text', arguments: {} });
      assert.equal(refused.status, 401, server);
      const wrong = await post2026(gw.url(server), 'tools/call', { name: 'test_simple_text', arguments: {} }, as('not-a-key-of-anyone'));
      assert.equal(wrong.status, 401, server);
      assert.deepEqual(calledTools(fixtures[server]).slice(before), [], `${server}: nothing arrived`);
      const served = await post2026(gw.url(server), 'tools/call', { name: 'test_simple_text', arguments: {} }, as(KEY_A));
      assert.equal(served.body.result?.resultType, 'complete', server);
      assert.equal(decisions.at(-1)!.call.agent?.id, 'agent-a');
    }
  });

  test('a group override that hides a tool: that group does not see it, others do, and the list is cacheScope private', async () => {
    for (const server of ['modern', 'legacy'] as const) {
      const names = async (key: string) => {
        const result = (await post2026(gw.url(server), 'tools/list', {}, as(key))).body.result!;
        assert.equal(result.cacheScope, 'private', server);
        return (result.tools as Array<{ name: string }>).map((tool) => tool.name);
      };
      assert.ok((await names(KEY_A)).includes('test_image_content'), `${server}: agent-a sees it`);
      assert.ok(!(await names(KEY_B)).includes('test_image_content'), `${server}: agent-b does not`);
      assert.ok((await names(KEY_A)).includes('test_image_content'), `${server}: and agent-a still does (no shared cache)`);
    }
  });

  test("a request state given to one agent is refused to another (foreign), and nothing reaches the upstream; its own agent resumes", async () => {
    const cases = {
      legacy: { tool: 'test_input_required_result_elicitation', content: { name: 'Ada' }, answer: /Hello, Ada!/ },
      modern: { tool: 'test_input_required_result_request_state', content: { ok: true }, answer: /state-ok/ },
    };
    for (const server of ['legacy', 'modern'] as const) {
      const url = gw.url(server);
      const call = { name: cases[server].tool, arguments: {} };
      const asked = await post2026(url, 'tools/call', call, as(KEY_A));
      const result = asked.body.result!;
      assert.equal(result.resultType, 'input_required', server);
      assert.equal(typeof result.requestState, 'string', `${server}: a state to replay`);
      const [key] = Object.keys(result.inputRequests as object);
      const retry = { ...call, inputResponses: { [key]: { action: 'accept', content: cases[server].content } }, requestState: result.requestState };
      const seen = received(fixtures[server]).length;
      const replayed = await post2026(url, 'tools/call', retry, as(KEY_B));
      assert.equal((replayed.body.error?.data as { detail?: string } | undefined)?.detail, 'foreign', `${server}: ${JSON.stringify(replayed.body)}`);
      assert.deepEqual(received(fixtures[server]).slice(seen), [], `${server}: the replay reached nothing`);
      const resumed = await post2026(url, 'tools/call', retry, as(KEY_A));
      assert.match(JSON.stringify(resumed.body.result?.content), cases[server].answer, `${server}: ${JSON.stringify(resumed.body)}`);
    }
  });
});
