/**
 * What a hostile 2026-07-28 client tries: headers that disagree with the body (a proxy that reads
 * headers would be fooled), and `requestState` that is forged, replayed, expired, someone else's,
 * or carried over to other arguments. Each is refused before anything acts on it, and the
 * upstream's own log proves the refused call (or the answer it would have smuggled in) never
 * arrived. Raw HTTP: an SDK client would never send these.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { DecisionEvent } from '../../src/gateway/context.js';
import { tempDir } from '../helpers/harness.js';
import { calledTools, post2026, received, startFixture, startGateway, type Fixture, type InProcessGateway } from './helpers.js';

const RULES = `
    tools:
      test_image_content: { action: deny }
      test_logging_tool: { action: require_approval, approval: { via: elicitation, timeout: 10m } }
`;

describe('hostile 2026-07-28 requests', { timeout: 120_000 }, () => {
  let dir: string;
  let fixtures: Record<'modern' | 'legacy', Fixture>;
  let gw: InProcessGateway;
  const decisions: DecisionEvent[] = [];

  before(async () => {
    dir = tempDir('toolgate-abuse-');
    fixtures = { modern: await startFixture(dir, '--modern-only', 'modern'), legacy: await startFixture(dir, '--legacy-only', 'legacy') };
    gw = await startGateway(`
servers:
  modern: { url: ${JSON.stringify(fixtures.modern.url)} }
  legacy: { url: ${JSON.stringify(fixtures.legacy.url)} }
policies:
  modern:${RULES}
  legacy:${RULES}
`);
    gw.gateway.subscribe((event) => decisions.push(event));
  });
  after(async () => {
    await gw?.close();
    await Promise.all(Object.values(fixtures ?? {}).map((fixture) => fixture.process.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A call that does reach the upstream: once it is logged, everything sent before it has been seen. */
  const marker = async (server: 'modern' | 'legacy') => {
    const answer = await post2026(gw.url(server), 'tools/call', { name: 'test_simple_text', arguments: {} });
    assert.equal(answer.body.result?.resultType, 'complete');
  };

  test('headers that disagree with the body are refused with 400 / -32020 before any decision, and never reach the upstream', async () => {
    const cases: Array<[name: string, method: string, params: Record<string, unknown>, headers: Record<string, string>]> = [
      ['Mcp-Name names an allowed tool, the body a denied one', 'tools/call', { name: 'test_image_content', arguments: {} }, { 'mcp-name': 'test_simple_text' }],
      ['Mcp-Name names a denied tool, the body an allowed one', 'tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-name': 'test_image_content' }],
      ['Mcp-Name missing', 'tools/call', { name: 'test_image_content', arguments: {} }, { 'mcp-name': '' }],
      ['Mcp-Name in Base64 of another tool', 'tools/call', { name: 'test_image_content', arguments: {} }, { 'mcp-name': `=?base64?${Buffer.from('test_simple_text').toString('base64')}?=` }],
      ['Mcp-Method says list, the body calls', 'tools/call', { name: 'test_image_content', arguments: {} }, { 'mcp-method': 'tools/list' }],
      ['Mcp-Method missing', 'tools/call', { name: 'test_image_content', arguments: {} }, { 'mcp-method': '' }],
      ['MCP-Protocol-Version disagrees with _meta', 'tools/call', { name: 'test_image_content', arguments: {} }, { 'mcp-protocol-version': '2025-11-25' }],
      ['Mcp-Name names another resource', 'resources/read', { uri: 'test://static-binary' }, { 'mcp-name': 'test://static-text' }],
    ];
    for (const server of ['modern', 'legacy'] as const) {
      const decided = decisions.length;
      const seen = received(fixtures[server]).length;
      for (const [name, method, params, headers] of cases) {
        const answer = await post2026(gw.url(server), method, params, headers);
        assert.equal(answer.status, 400, `${server}: ${name}`);
        assert.equal(answer.body.error?.code, -32020, `${server}: ${name}: ${JSON.stringify(answer.body)}`);
      }
      assert.equal(decisions.length, decided, `${server}: no decision was taken on a mismatched request`);
      await marker(server);
      const acted = received(fixtures[server])
        .slice(seen)
        .filter((message) => message.method === 'tools/call' || message.method === 'resources/read')
        .map((message) => (message.params as { name?: string; uri?: string }).name ?? (message.params as { uri?: string }).uri);
      assert.deepEqual(acted, ['test_simple_text'], `${server}: only the marker reached the upstream`);
    }
  });

  test('Mcp-Param headers that disagree with the arguments are refused (by toolgate in front of a 2025 server, by the 2026 server itself)', async () => {
    for (const server of ['legacy', 'modern'] as const) {
      const mismatched = await post2026(gw.url(server), 'tools/call', { name: 'test_x_mcp_header', arguments: { region: 'eu-west-1' } }, { 'mcp-param-region': 'us-east-1' });
      assert.equal(mismatched.status, 400, server);
      assert.equal(mismatched.body.error?.code, -32020, server);
      const missing = await post2026(gw.url(server), 'tools/call', { name: 'test_x_mcp_header', arguments: { region: 'eu-west-1' } });
      assert.equal(missing.body.error?.code, -32020, `${server}: the header is required when the argument is there`);
      const agreeing = await post2026(gw.url(server), 'tools/call', { name: 'test_x_mcp_header', arguments: { region: 'eu-west-1' } }, { 'mcp-param-region': 'eu-west-1', 'mcp-param-unknown': 'passed on' });
      assert.equal(agreeing.body.result?.resultType, 'complete', `${server}: ${JSON.stringify(agreeing.body)}`);
    }
    const legacyCalls = received(fixtures.legacy).filter((message) => message.method === 'tools/call' && (message.params as { name: unknown }).name === 'test_x_mcp_header');
    assert.equal(legacyCalls.length, 1, 'in front of the 2025 server only the agreeing call arrived');
  });

  test('a parked call resumes only with the exact state it was given: forged, foreign, other-argument, expired and replayed states are refused', async () => {
    const url = gw.url('legacy');
    const call = { name: 'test_input_required_result_elicitation', arguments: {} };
    const asked = await post2026(url, 'tools/call', call);
    const result = asked.body.result!;
    assert.equal(result.resultType, 'input_required');
    const [key] = Object.keys(result.inputRequests as object);
    const state = result.requestState as string;
    const answers = { [key]: { action: 'accept', content: { name: 'Ada' } } };
    const seen = received(fixtures.legacy).length;

    const refusedWith = async (detail: string, params: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const answer = await post2026(url, 'tools/call', params, headers);
      assert.equal(answer.body.error?.code, -32602, `${detail}: ${JSON.stringify(answer.body)}`);
      assert.equal((answer.body.error?.data as { detail?: string }).detail, detail);
    };
    const flipped = state.slice(0, -5) + (state.at(-5) === 'A' ? 'B' : 'A') + state.slice(-4);
    await refusedWith('forged', { ...call, inputResponses: answers, requestState: flipped });
    await refusedWith('malformed', { ...call, inputResponses: answers, requestState: 'eyJ0b29sIjoieCJ9' });
    await refusedWith('foreign', { ...call, inputResponses: answers, requestState: state }, { authorization: 'Bearer someone-else' });
    await refusedWith('foreign', { ...call, arguments: { other: 1 }, inputResponses: answers, requestState: state });
    // None of those reached the upstream: its elicitation is still unanswered.
    assert.deepEqual(received(fixtures.legacy).slice(seen), [], 'no refused retry reached the upstream');

    const resumed = await post2026(url, 'tools/call', { ...call, inputResponses: answers, requestState: state });
    assert.equal((resumed.body.result?.content as Array<{ text: string }>)[0].text, 'Hello, Ada!');
    await refusedWith('replayed', { ...call, inputResponses: answers, requestState: state });

    const again = await post2026(url, 'tools/call', call);
    const later = again.body.result!;
    gw.clock.now += 11 * 60_000; // past every state's lifetime (the clock is the gateway's)
    await refusedWith('expired', { ...call, inputResponses: { [Object.keys(later.inputRequests as object)[0]]: answers[key] }, requestState: later.requestState });
  });

  test('an approval state binds the retry to exactly the held arguments', async () => {
    for (const server of ['legacy', 'modern'] as const) {
      const url = gw.url(server);
      const before = calledTools(fixtures[server]).length;
      const held = await post2026(url, 'tools/call', { name: 'test_logging_tool', arguments: {} });
      assert.equal(held.body.result?.resultType, 'input_required', server);
      assert.deepEqual(Object.keys(held.body.result!.inputRequests as object), ['toolgate_approval']);
      const state = held.body.result!.requestState;
      const accept = { toolgate_approval: { action: 'accept', content: { approve: true } } };

      const swapped = await post2026(url, 'tools/call', { name: 'test_logging_tool', arguments: { sneaky: true }, inputResponses: accept, requestState: state });
      assert.equal((swapped.body.error?.data as { detail?: string } | undefined)?.detail, 'foreign', `${server}: other arguments`);
      const otherTool = await post2026(url, 'tools/call', { name: 'test_image_content', arguments: {}, inputResponses: accept, requestState: state });
      assert.equal((otherTool.body.error?.data as { detail?: string } | undefined)?.detail, 'foreign', `${server}: another tool`);
      assert.deepEqual(calledTools(fixtures[server]).slice(before), [], `${server}: nothing ran yet`);

      const approved = await post2026(url, 'tools/call', { name: 'test_logging_tool', arguments: {}, inputResponses: accept, requestState: state });
      assert.equal(approved.body.result?.resultType, 'complete', `${server}: ${JSON.stringify(approved.body)}`);
      assert.deepEqual(calledTools(fixtures[server]).slice(before), ['test_logging_tool']);
      const replayed = await post2026(url, 'tools/call', { name: 'test_logging_tool', arguments: {}, inputResponses: accept, requestState: state });
      assert.equal((replayed.body.error?.data as { detail?: string } | undefined)?.detail, 'replayed', server);
      await marker(server);
      assert.deepEqual(calledTools(fixtures[server]).slice(before), ['test_logging_tool', 'test_simple_text'], `${server}: the replay never ran the tool again`);
    }
  });

  test('a caller declaring ever new capabilities holds at most 8 pooled sessions (each a real upstream session for a 2025 server)', async () => {
    const before = gw.gateway.modernClients.pooledSessions;
    const initializes = received(fixtures.legacy).filter((message) => message.method === 'initialize').length;
    for (let variant = 0; variant < 12; variant++) {
      const answer = await post2026(
        gw.url('legacy'),
        'tools/list',
        { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { experimental: { variant: { n: variant } } } } },
        { authorization: 'Bearer capability-sprayer' },
      );
      assert.ok(Array.isArray(answer.body.result?.tools), `variant ${variant}`);
    }
    assert.equal(received(fixtures.legacy).filter((message) => message.method === 'initialize').length - initializes, 12, 'each capability set got its own upstream session');
    assert.equal(gw.gateway.modernClients.pooledSessions - before, 8, 'but the caller never held more than 8');
  });

  test('a browser preflight may send the Mcp-Param-* headers it asks for, and nothing else it makes up', async () => {
    const response = await fetch(gw.url('legacy'), {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'mcp-param-region, x-evil, Mcp-Param-Level, mcp-param-bad\u00e9' },
    });
    assert.equal(response.status, 204);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(', ');
    assert.ok(allowed.includes('mcp-method') && allowed.includes('mcp-name'));
    assert.ok(allowed.includes('mcp-param-region') && allowed.includes('mcp-param-level'));
    assert.ok(!allowed.includes('x-evil') && !allowed.some((name) => name.includes('bad')));
  });

  test('methods 2026-07-28 removed are 404 / -32601; GET and DELETE naming 2026 are 405; a missing _meta is 400 / -32602', async () => {
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']) {
      const answer = await post2026(gw.url('legacy'), method, {});
      assert.equal(answer.status, 404, method);
      assert.equal(answer.body.error?.code, -32601, method);
    }
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(gw.url('legacy'), { method, headers: { 'mcp-protocol-version': '2026-07-28', accept: 'text/event-stream' } });
      assert.equal(response.status, 405, method);
      await response.body?.cancel();
    }
    const response = await fetch(gw.url('legacy'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: {} }),
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32602);
  });
});
