/**
 * What the bridges do besides the calls themselves: a 2026 client closing its stream cancels the
 * call at either generation of server; a request's log level reaches a 2025 server as
 * `logging/setLevel`, and only a request that asked gets log messages; a 2025 client in front of a
 * 2026-only server still hears of list changes (toolgate keeps a `subscriptions/listen` stream).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { eventually, tempDir } from '../helpers/harness.js';
import { connectClient, events, post2026, received, startFixture, startGateway, type Fixture, type InProcessGateway } from './helpers.js';

describe('the bridges between generations', { timeout: 120_000 }, () => {
  let dir: string;
  let fixtures: Record<'modern' | 'legacy', Fixture>;
  let gw: InProcessGateway;
  const clients: Client[] = [];

  before(async () => {
    dir = tempDir('toolgate-bridge-');
    fixtures = { modern: await startFixture(dir, '--modern-only', 'modern'), legacy: await startFixture(dir, '--legacy-only', 'legacy') };
    gw = await startGateway(`
limits: { session_idle_timeout: 2s }
servers:
  modern: { url: ${JSON.stringify(fixtures.modern.url)} }
  legacy: { url: ${JSON.stringify(fixtures.legacy.url)} }
`);
  });
  after(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await gw?.close();
    await Promise.all(Object.values(fixtures ?? {}).map((fixture) => fixture.process.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a 2026 client closing its response stream cancels the call at the server, whichever generation it speaks', async () => {
    for (const server of ['legacy', 'modern'] as const) {
      const fixture = fixtures[server];
      const startedBefore = events(fixture).filter((event) => event.started).length;
      const aborter = new AbortController();
      const response = fetch(gw.url(server), {
        method: 'POST',
        signal: aborter.signal,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_wait_for_cancel' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'test_wait_for_cancel', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
        }),
      }).catch((error: unknown) => error);
      await eventually(() => events(fixture).filter((event) => event.started).length > startedBefore, 30_000, `${server}: the tool to start`);
      aborter.abort();
      await response;
      await eventually(() => events(fixture).some((event) => event.cancelled), 30_000, `${server}: the tool to see its cancellation`);
      if (server === 'legacy') {
        assert.ok(received(fixture).some((message) => message.method === 'notifications/cancelled'), 'the 2025 server was told with notifications/cancelled');
      }
    }
  });

  test("a request's log level becomes logging/setLevel on the 2025 session; only a request that asked gets log messages", async () => {
    const logging = (logLevel?: string) =>
      post2026(gw.url('legacy'), 'tools/call', {
        name: 'test_tool_with_logging',
        arguments: {},
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
          ...(logLevel ? { 'io.modelcontextprotocol/logLevel': logLevel } : {}),
        },
      });
    const stream = async (logLevel?: string) => {
      const events: string[] = [];
      const response = await fetch(gw.url('legacy'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_tool_with_logging' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: {
            name: 'test_tool_with_logging',
            arguments: {},
            _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, ...(logLevel ? { 'io.modelcontextprotocol/logLevel': logLevel } : {}) },
          },
        }),
      });
      for (const line of (await response.text()).split('\n')) {
        if (line.startsWith('data: ') && line.length > 6) events.push(String((JSON.parse(line.slice(6)) as { method?: string }).method ?? 'response'));
      }
      if (events.length === 0) events.push('response');
      return events;
    };
    assert.equal((await logging()).body.result?.resultType, 'complete');
    assert.deepEqual(await stream(), ['response'], 'no log messages for a request without a log level');
    assert.deepEqual(await stream('info'), ['notifications/message', 'notifications/message', 'notifications/message', 'response']);
    assert.deepEqual(await stream('error'), ['response'], 'info messages are below a request that asked for errors only');
    const levels = received(fixtures.legacy).filter((message) => message.method === 'logging/setLevel').map((message) => (message.params as { level: string }).level);
    assert.deepEqual(levels, ['info'], 'the session was set once, to the lowest level asked for');
  });

  test("a 2026 client's pooled session at a 2025 server is ended (DELETE) once idle", async () => {
    const deletes = () => events(fixtures.legacy).filter((event) => 'deleted' in event).length;
    const before = deletes();
    const answer = await post2026(gw.url('legacy'), 'tools/list', {}, { authorization: 'Bearer idle-caller' });
    assert.ok(Array.isArray(answer.body.result?.tools));
    assert.ok(gw.gateway.modernClients.pooledSessions > 0);
    await eventually(() => gw.gateway.modernClients.pooledSessions === 0, 30_000, 'the idle pooled session to be closed');
    await eventually(() => deletes() > before, 30_000, 'its upstream session to be deleted');
  });

  test('a 2025 client in front of a 2026-only server hears of list changes', async () => {
    const client = await connectClient(gw.url('modern'), '2025');
    clients.push(client);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed++;
    });
    // toolgate opened the listen stream when the session was initialized; wait until the server has it.
    await eventually(() => received(fixtures.modern).some((message) => message.method === 'subscriptions/listen'), 30_000, 'the listen stream');
    await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
    await eventually(() => changed > 0, 30_000, 'notifications/tools/list_changed');
    assert.equal(await client.ping().then(() => 'pong'), 'pong', 'ping is answered by toolgate (a 2026 server has none)');
  });
});
