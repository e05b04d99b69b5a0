import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clientSnippets } from '../../src/cli/client-snippets.js';
import { eventually, startGateway, type StartedGateway } from '../helpers/harness.js';
import { adminFetch, openEvents } from './helpers.js';

describe('admin API against a real gateway (recording fixture over stdio)', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
  down: { command: /nonexistent/toolgate-test-server }
policies:
  app:
    tools:
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team."
      echo:
        rate_limit: { max: 5, window: 60 }
`);
  });
  after(() => gw.close());

  test('overview: version, mode, revision, and each server with kind, upstream, proxy URL, sessions, snippets', async () => {
    const client = await gw.connect('app');
    await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    const { status, body } = await adminFetch(gw, 'overview');
    assert.equal(status, 200);
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.equal(body.mode, 'enforce');
    assert.equal(body.policyRevision, gw.gateway.policy().revision);
    assert.equal(body.configFile, gw.configFile);
    assert.equal(body.audit.enabled, true);
    assert.deepEqual(body.servers.map((s: { id: string }) => s.id), ['app', 'down']);
    const app = body.servers[0];
    assert.equal(app.kind, 'stdio');
    assert.match(app.upstream, /recording-server\.js$/);
    assert.equal(app.proxyUrl, `${gw.baseUrl}/mcp/app`);
    assert.ok(app.sessions >= 1);
    assert.equal(body.servers[1].sessions, 0);
    assert.ok(body.sessions >= 1);
    assert.ok(['unknown', 'checking', 'ok', 'error'].includes(app.health.status));
  });

  test('overview snippets are the ones toolgate serve prints', async () => {
    const { body } = await adminFetch(gw, 'overview');
    const printed = clientSnippets({ baseUrl: gw.baseUrl, serverIds: ['app', 'down'], configFile: gw.configFile });
    for (const server of body.servers) {
      for (const key of ['cursor', 'vscode', 'claudeDesktop']) {
        const snippet = JSON.parse(server.snippets[key]);
        const root = snippet.mcpServers ?? snippet.servers;
        const entry = JSON.stringify(root[server.id], null, 2).split('\n').join('\n    ');
        assert.ok(printed.includes(entry), `${server.id} ${key}: ${entry}`);
      }
    }
  });

  test('catalog: the upstream tools, classified, with health; an unreachable server reports its error', async () => {
    const { status, body } = await adminFetch(gw, 'catalog');
    assert.equal(status, 200);
    assert.equal(body.policyRevision, gw.gateway.policy().revision);
    const app = body.servers.find((s: { id: string }) => s.id === 'app');
    assert.equal(app.health.status, 'ok');
    assert.equal(app.health.tools, app.tools.length);
    assert.equal(app.health.info.name, 'recording-fixture');
    const deleteApp = app.tools.find((t: { name: string }) => t.name === 'delete_app');
    assert.ok(deleteApp, 'delete_app is listed');
    assert.equal(deleteApp.category, 'Destructive');
    assert.ok(['Low', 'Medium', 'High', 'Critical'].includes(deleteApp.risk));
    assert.ok(deleteApp.rationale.length > 0);
    assert.equal(deleteApp.description, 'Deletes an application');
    const down = body.servers.find((s: { id: string }) => s.id === 'down');
    assert.equal(down.health.status, 'error');
    assert.match(down.health.error, /nonexistent\/toolgate-test-server/);
    assert.deepEqual(down.tools, []);

    const overview = await adminFetch(gw, 'overview');
    assert.equal(overview.body.servers[0].health.status, 'ok', 'the overview shows the health the catalog learnt');

    const refreshed = await adminFetch(gw, 'catalog/refresh', { method: 'POST' });
    assert.equal(refreshed.status, 200);
    assert.ok(refreshed.body.servers[0].health.checkedAt >= app.health.checkedAt);
    assert.equal((await adminFetch(gw, 'catalog/refresh')).status, 405);
  });

  test('audit: records of real calls, newest first, filtered by server, tool, decision and time', async () => {
    const client = await gw.connect('app');
    await client.callTool({ name: 'echo', arguments: { text: 'audited' } });
    await client.callTool({ name: 'delete_app', arguments: { name: 'web' } });
    const denied = await eventually(async () => (await adminFetch(gw, 'audit?decision=denied')).body.find((r: { tool: string }) => r.tool === 'delete_app'));
    assert.ok(denied, 'the denied call is in the trail');
    assert.equal(denied.reason, 'Apps are deleted by the platform team.');
    assert.equal(denied.rulePattern, 'delete_*');
    assert.equal(typeof denied.key, 'string');

    const all = (await adminFetch(gw, 'audit?server=app&limit=50')).body;
    assert.ok(all.length >= 2);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].id > all[i].id, 'newest first');
    const echo = (await adminFetch(gw, 'audit?tool=ech*')).body;
    assert.ok(echo.length > 0 && echo.every((r: { tool: string }) => r.tool === 'echo'));
    assert.deepEqual((await adminFetch(gw, 'audit?server=nothing')).body, []);
    assert.equal((await adminFetch(gw, 'audit?limit=1')).body.length, 1);
    assert.deepEqual((await adminFetch(gw, `audit?since=${Date.now() + 60_000}`)).body, []);
    assert.ok((await adminFetch(gw, 'audit?since=1h')).body.length >= 2);
    assert.ok((await adminFetch(gw, `audit?since=${new Date(Date.now() - 3_600_000).toISOString()}`)).body.length >= 2);
  });

  test('audit: a bad filter is a 400 that names what is accepted', async () => {
    const cases: Array<[string, RegExp]> = [
      ['audit?decision=alowed', /Unknown decision "alowed".*allowed, denied/s],
      ['audit?limit=0', /limit must be a whole number from 1 to 1000/],
      ['audit?limit=abc', /limit must be/],
      ['audit?since=yesterday', /since must be a time/],
      ['audit?after_id=x', /after_id must be/],
    ];
    for (const [path, expected] of cases) {
      const res = await adminFetch(gw, path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error, 'invalid_request');
      assert.match(`${res.body.message} ${res.body.hint ?? ''}`, expected, path);
    }
  });

  test('events: a call shows up live as decision and audit events, completed when the upstream answers', async () => {
    const events = await openEvents(gw);
    try {
      assert.equal(events.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const client = await gw.connect('app');
      await client.callTool({ name: 'echo', arguments: { text: 'live' } });
      const decision = await events.next((e) => e.event === 'decision' && e.data.tool === 'echo');
      assert.equal(decision.data.decision, 'allow');
      assert.equal(decision.data.server, 'app');
      const done = await events.next((e) => e.event === 'audit' && e.data.tool === 'echo' && e.data.outcome === 'result');
      assert.equal(done.data.decision, 'allowed');
      assert.equal(typeof done.data.upstreamMs, 'number');
      assert.equal(done.data.args, undefined, 'the live feed carries no arguments');
      // The stored record has the same key, so the dashboard updates the row it loaded.
      const stored = await eventually(async () => (await adminFetch(gw, 'audit?tool=echo&limit=100')).body.find((r: { key: string }) => r.key === done.data.key));
      assert.ok(stored, 'the stored record has the live entry key');
      await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
      const refused = await events.next((e) => e.event === 'audit' && e.data.decision === 'denied');
      assert.equal(refused.data.reason, 'Apps are deleted by the platform team.');
    } finally {
      await events.close();
    }
  });

  test('rate-limits: use per session and tool, with max, window and reset', async () => {
    const client = await gw.connect('app');
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'echo', arguments: { text: String(i) } });
    const { status, body } = await adminFetch(gw, 'rate-limits');
    assert.equal(status, 200);
    const mine = body.find((r: { session?: string }) => r.session === client.transport?.sessionId);
    assert.ok(mine, JSON.stringify(body));
    assert.deepEqual({ scope: mine.scope, server: mine.server, rule: mine.rule, tool: mine.tool, used: mine.used, max: mine.max, windowMs: mine.windowMs }, {
      scope: 'session', server: 'app', rule: 'echo', tool: 'echo', used: 3, max: 5, windowMs: 60_000,
    });
    assert.ok(mine.resetsInS > 0 && mine.resetsInS <= 60);
  });

  test('unknown endpoints and methods get precise errors', async () => {
    const unknown = await adminFetch(gw, 'nothing');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.hint, /GET overview/);
    const method = await adminFetch(gw, 'overview', { method: 'DELETE' });
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'GET');
    const notJson = await fetch(`${gw.baseUrl}/admin/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: gw.baseUrl }, body: '{nope' });
    assert.equal(notJson.status, 400);
    assert.equal((await notJson.json()).error, 'parse_error');
  });

  test('the MCP routes and /healthz are unchanged', async () => {
    const health = await fetch(`${gw.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    const missing = await fetch(`${gw.baseUrl}/mcp/nothing`, { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error, 'unknown_server');
  });
});

describe('admin API with the audit trail off', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway('audit: { enabled: false }\nservers:\n  app: $RECORDING\n');
  });
  after(() => gw.close());

  test('audit answers 404 with how to turn it on; the live feed still works', async () => {
    const overview = await adminFetch(gw, 'overview');
    assert.equal(overview.body.audit.enabled, false);
    const res = await adminFetch(gw, 'audit');
    assert.equal(res.status, 404);
    assert.match(res.body.message, /audit trail is off/);
    assert.match(res.body.hint, /audit\.enabled: true/);
    const events = await openEvents(gw);
    try {
      const client = await gw.connect('app');
      await client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await events.next((e) => e.event === 'audit' && e.data.tool === 'echo' && e.data.outcome === 'result');
    } finally {
      await events.close();
    }
  });
});
