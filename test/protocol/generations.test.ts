/**
 * SDK v2 clients pinned to MCP 2026-07-28 and to the 2025 handshake, against a 2026-only and a
 * 2025-only server behind the gateway: the four pairs, each calling allowed, denied, hidden,
 * rate-limited and held tools; an elicitation-using tool bridged both ways; approvals asked of a
 * 2026 client's own user by `input_required`. What the policy refused is proven absent from the
 * upstream's own log of received messages, after a later call that did arrive.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { USER_APPROVER } from '../../src/gateway/holds.js';
import { decisionOf, eventually, resultText, tempDir } from '../helpers/harness.js';
import { calledTools, connectClient, post2026, startFixture, startGateway, type ClientOptions, type Fixture, type Generation, type InProcessGateway } from './helpers.js';

const RULES = `
    tools:
      test_image_content: { action: deny, reason: "No pictures." }
      test_audio_content: { action: hide }
      test_embedded_resource: { rate_limit: { max: 1, window: 1h } }
      test_multiple_content_types: { action: require_approval, approval: { timeout: 10m } }
      test_logging_tool: { action: require_approval, approval: { via: elicitation, timeout: 10m } }
`;

describe('2025 and 2026 clients against 2025 and 2026 servers', { timeout: 180_000 }, () => {
  let dir: string;
  let fixtures: Record<'modern' | 'legacy', Fixture>;
  let gw: InProcessGateway;
  const clients: Client[] = [];

  before(async () => {
    dir = tempDir('toolgate-generations-');
    fixtures = { modern: await startFixture(dir, '--modern-only', 'modern'), legacy: await startFixture(dir, '--legacy-only', 'legacy') };
    gw = await startGateway(`
servers:
  modern: { url: ${JSON.stringify(fixtures.modern.url)} }
  legacy: { url: ${JSON.stringify(fixtures.legacy.url)} }
policies:
  modern:${RULES}
  legacy:${RULES}
`);
  });
  after(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await gw?.close();
    await Promise.all(Object.values(fixtures ?? {}).map((fixture) => fixture.process.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (server: 'modern' | 'legacy', generation: Generation, answer?: ClientOptions['answer']) => {
    const client = await connectClient(gw.url(server), generation, { answer });
    clients.push(client);
    return client;
  };

  for (const generation of ['2026', '2025'] as const) {
    for (const server of ['modern', 'legacy'] as const) {
      test(`a ${generation} client and a ${server === 'modern' ? '2026' : '2025'}-only server: allowed, denied, hidden, rate-limited and held tools`, async () => {
        const fixture = fixtures[server];
        const before = calledTools(fixture).length;
        const client = await connect(server, generation);
        assert.equal(client.getProtocolEra(), generation === '2026' ? 'modern' : 'legacy');

        const allowed = await client.callTool({ name: 'test_simple_text', arguments: {} });
        assert.equal(resultText(allowed), 'This is a simple text response for testing.');

        const denied = await client.callTool({ name: 'test_image_content', arguments: {} });
        assert.equal(denied.isError, true);
        assert.equal(decisionOf(denied)?.decision, 'deny');
        assert.match(resultText(denied), /No pictures\./);

        const listed = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(listed.includes('test_simple_text') && !listed.includes('test_audio_content'), 'the hidden tool is not listed');
        await assert.rejects(client.callTool({ name: 'test_audio_content', arguments: {} }), /Unknown tool: test_audio_content/);

        const first = await client.callTool({ name: 'test_embedded_resource', arguments: {} });
        assert.equal(first.isError, undefined);
        const limited = await client.callTool({ name: 'test_embedded_resource', arguments: {} });
        assert.equal(decisionOf(limited)?.decision, 'rate_limited');

        const held = client.callTool({ name: 'test_multiple_content_types', arguments: {} });
        const approval = await eventually(async () => (await gw.gateway.approvals.list({ status: 'pending' })).find((a) => a.server === server && a.tool === 'test_multiple_content_types'), 30_000, 'the held call');
        assert.deepEqual(calledTools(fixture).slice(before), ['test_simple_text', 'test_embedded_resource'], 'nothing held reached the upstream');
        await gw.gateway.approvals.approve(approval.id, { approver: 'test' });
        assert.equal(resultText(await held), 'Multiple content types test:');

        // The approved call arrived after everything refused was decided: the log is complete.
        assert.deepEqual(calledTools(fixture).slice(before), ['test_simple_text', 'test_embedded_resource', 'test_multiple_content_types']);
      });
    }
  }

  test('a tool list the policy filters is cacheScope private for 2026 clients, whichever generation the server speaks', async () => {
    for (const server of ['modern', 'legacy'] as const) {
      const answer = await post2026(gw.url(server), 'tools/list', {});
      const result = answer.body.result!;
      assert.equal(result.cacheScope, 'private', server);
      assert.equal(typeof result.ttlMs, 'number', server);
      assert.equal(result.resultType, 'complete', server);
      assert.ok(!(result.tools as Array<{ name: string }>).some((tool) => tool.name === 'test_audio_content'), `${server}: hidden`);
    }
  });

  test('a tool that asks its user for input works across every pair (2025 elicitation on one side, 2026 input_required on the other)', async () => {
    for (const [generation, server] of [['2026', 'legacy'], ['2025', 'modern'], ['2026', 'modern'], ['2025', 'legacy']] as const) {
      const asked: string[] = [];
      const client = await connect(server, generation, (request) => {
        asked.push(request.message ?? '');
        return { action: 'accept', content: { name: 'Ada' } };
      });
      const result = await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
      assert.equal(resultText(result), 'Hello, Ada!', `${generation} client, ${server} server`);
      assert.deepEqual(asked, ['What is your name?'], `${generation} client, ${server} server: asked once`);
    }
  });

  test("a 2026 client's own user approves a held call by answering input_required; declined, the call never runs", async () => {
    for (const server of ['modern', 'legacy'] as const) {
      const fixture = fixtures[server];
      const before = calledTools(fixture).length;
      const questions: string[] = [];
      const approving = await connect(server, '2026', (request) => {
        questions.push(request.message ?? '');
        return { action: 'accept', content: { approve: true } };
      });
      const approved = await approving.callTool({ name: 'test_logging_tool', arguments: {} });
      assert.equal(resultText(approved), 'logged through the request-scoped, logLevel-gated channel', server);
      assert.equal(questions.length, 1);
      assert.match(questions[0], /The agent wants to run "test_logging_tool" on "\w+".*Allow it\?/s);
      const decided = (await gw.gateway.approvals.list({ status: 'approved' })).find((a) => a.server === server && a.tool === 'test_logging_tool');
      assert.equal(decided?.decidedBy, USER_APPROVER);

      const declining = await connect(server, '2026', () => ({ action: 'decline' }));
      const refused = await declining.callTool({ name: 'test_logging_tool', arguments: {} });
      assert.equal(refused.isError, true);
      assert.equal(decisionOf(refused)?.decision, 'refused');
      assert.match(resultText(refused), /the user chose decline when asked/);
      await declining.callTool({ name: 'test_simple_text', arguments: {} });
      assert.deepEqual(calledTools(fixture).slice(before), ['test_logging_tool', 'test_simple_text'], `${server}: the declined call never reached the upstream`);
    }
  });

  test('a 2026 client without the elicitation capability waits for the dashboard, as a 2025 client does', async () => {
    const client = await connect('legacy', '2026');
    const held = client.callTool({ name: 'test_logging_tool', arguments: {} });
    const approval = await eventually(async () => (await gw.gateway.approvals.list({ status: 'pending' })).find((a) => a.server === 'legacy' && a.tool === 'test_logging_tool'), 30_000, 'the held call');
    await gw.gateway.approvals.approve(approval.id, { approver: 'dashboard' });
    assert.equal(resultText(await held), 'logged through the request-scoped, logLevel-gated channel');
  });
});
