/**
 * Finding 6 of issue 8: nothing bounded sessions. 1,000 initialize POSTs started 1,000 upstream
 * processes, kept for 30 minutes, and an SDK client that went away without DELETE kept its
 * process. Now sessions (overall, per server) and processes (per server) are bounded, with a 503
 * naming the limit and its config key, and unused sessions are closed with their process.
 *
 * The gateway runs in this test process, so the children of this process are its upstreams.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, receivedToolCalls, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';
import { childPids, isAlive } from './children.js';
import { INITIALIZE, MCP_HEADERS, rawRequest, type RawResponse } from './raw-http.js';

const initialize = (gw: StartedGateway, server: string) => rawRequest(gw.baseUrl, { method: 'POST', path: `/mcp/${server}`, headers: MCP_HEADERS, body: INITIALIZE });
const sessionOf = (response: RawResponse) => String(response.headers['mcp-session-id']);

function assertLimitError(response: RawResponse, key: string): void {
  assert.equal(response.status, 503, response.text);
  assert.equal(response.json.error.code, -32011);
  assert.equal(response.json.id, 1, 'the error answers the initialize request');
  assert.equal(response.json.error.data.limit, key);
  assert.ok(response.json.error.message.includes(key), `the message names ${key}: ${response.json.error.message}`);
}

async function withGateway(yaml: string, run: (gw: StartedGateway) => Promise<void>): Promise<void> {
  const gw = await startGateway(yaml);
  try {
    await run(gw);
  } finally {
    await gw.close();
  }
}

describe('bounds on sessions and upstream processes', () => {
  test('a burst of initializes past limits.max_processes_per_server gets 503 naming it, and no more processes start', async () => {
    await withGateway(
      `
limits: { max_processes_per_server: 3 }
servers:
  app: $RECORDING
`,
      async (gw) => {
        assert.deepEqual(childPids(), [], 'no upstream runs before the burst');
        let most = 0;
        const sampler = setInterval(() => (most = Math.max(most, childPids().length)), 5);
        const answers = await Promise.all(Array.from({ length: 12 }, () => initialize(gw, 'app')));
        clearInterval(sampler);
        most = Math.max(most, childPids().length);

        const opened = answers.filter((answer) => answer.status === 200);
        assert.equal(opened.length, 3, answers.map((answer) => answer.status).join(','));
        for (const refused of answers.filter((answer) => answer.status !== 200)) assertLimitError(refused, 'limits.max_processes_per_server');
        assert.equal(most, 3, 'at most three upstream processes ever ran');
        assert.equal(childPids().length, 3);

        // Ending the sessions ends their processes, and the freed slots are usable again.
        for (const answer of opened) {
          await rawRequest(gw.baseUrl, { method: 'DELETE', path: '/mcp/app', headers: { 'mcp-session-id': sessionOf(answer) } });
        }
        assert.ok(await eventually(() => childPids().length === 0, 10_000), 'the processes of ended sessions exit');
        assert.equal((await initialize(gw, 'app')).status, 200);
      },
    );
  });

  test('sessions are bounded per server (limits.max_sessions_per_server) and overall (limits.max_sessions)', async () => {
    await withGateway(
      `
limits: { max_sessions: 5, max_sessions_per_server: 3 }
servers:
  a: { $RECORDING_FIELDS, sessions: shared }
  b: { $RECORDING_FIELDS, sessions: shared }
`,
      async (gw) => {
        const onA = [];
        for (let i = 0; i < 4; i++) onA.push(await initialize(gw, 'a'));
        assert.deepEqual(onA.map((answer) => answer.status), [200, 200, 200, 503]);
        assertLimitError(onA[3], 'limits.max_sessions_per_server');
        assert.match(onA[3].json.error.message, /server "a"/);

        const onB = [];
        for (let i = 0; i < 3; i++) onB.push(await initialize(gw, 'b'));
        assert.deepEqual(onB.map((answer) => answer.status), [200, 200, 503]);
        assertLimitError(onB[2], 'limits.max_sessions');
        assert.equal(gw.gateway.sessionCount, 5);

        await rawRequest(gw.baseUrl, { method: 'DELETE', path: '/mcp/a', headers: { 'mcp-session-id': sessionOf(onA[0]) } });
        assert.equal((await initialize(gw, 'b')).status, 200, 'a slot freed by DELETE is usable at once');
      },
    );
  });

  test('a session nobody uses is closed after limits.session_idle_timeout, and its upstream process ends', async () => {
    await withGateway(
      `
limits: { session_idle_timeout: 300ms }
servers:
  app: $RECORDING
`,
      async (gw) => {
        const opened = await initialize(gw, 'app');
        assert.equal(opened.status, 200);
        const [pid] = childPids();
        assert.ok(pid, 'the session started an upstream process');
        assert.ok(await eventually(() => !isAlive(pid), 10_000), 'the idle session\'s process exits');
        const later = await rawRequest(gw.baseUrl, {
          method: 'POST',
          path: '/mcp/app',
          headers: { ...MCP_HEADERS, 'mcp-session-id': sessionOf(opened) },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
        });
        assert.equal(later.status, 404);
        assert.match(later.json.error.message, /idle for more than 300ms \(limits\.session_idle_timeout\)/);
      },
    );
  });

  test('an SDK client that goes away without DELETE loses its session; a connected one keeps it', async () => {
    await withGateway(
      `
limits: { session_idle_timeout: 300ms }
servers:
  app: $RECORDING
`,
      async (gw) => {
        const stays = await gw.connect('app');
        const [staysPid] = childPids();
        const leaves = await gw.connect('app');
        const leavesPid = childPids().find((pid) => pid !== staysPid)!;
        assert.equal(resultText(await leaves.callTool({ name: 'echo', arguments: { text: 'bye' } })), 'bye');
        await leaves.close(); // the SDK's close() drops its streams and sends no DELETE

        assert.ok(await eventually(() => !isAlive(leavesPid), 10_000), 'the gone client\'s process exits');
        // The client that stays was last active before the one that left: had it counted as idle,
        // the same sweep would have closed it. Its open GET stream keeps it.
        assert.ok(isAlive(staysPid));
        assert.equal(resultText(await stays.callTool({ name: 'echo', arguments: { text: 'still here' } })), 'still here');
      },
    );
  });

  test('a client that drops its connection in the middle of a call does not keep the session forever', async () => {
    await withGateway(
      `
limits: { session_idle_timeout: 300ms }
servers:
  app: $RECORDING
`,
      async (gw) => {
        const opened = await initialize(gw, 'app');
        const session = sessionOf(opened);
        const [pid] = childPids();
        await rawRequest(gw.baseUrl, { method: 'POST', path: '/mcp/app', headers: { ...MCP_HEADERS, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
        const controller = new AbortController();
        const call = fetch(`${gw.baseUrl}/mcp/app`, {
          method: 'POST',
          headers: { ...MCP_HEADERS, 'mcp-session-id': session },
          body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'slow', arguments: { steps: 600, ms: 1000 } } }),
          signal: controller.signal,
        }).catch(() => undefined);
        assert.ok(await eventually(() => receivedToolCalls(gw.recordFile).includes('slow'), 10_000), 'the call reached the upstream');
        controller.abort();
        await call;
        assert.ok(await eventually(() => !isAlive(pid), 10_000), 'the abandoned session\'s process exits');
        assert.equal(gw.gateway.sessionCount, 0);
      },
    );
  });
});
