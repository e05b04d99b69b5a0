/**
 * The admin API behind the dashboard's history views, against a real gateway with real calls:
 * the timeline counts what the audit store holds, search finds exactly the matching records and
 * pages through them, exports carry the same records, the pages per tool and session, pin review
 * (accepted: the tool is listed again) and the policy in force with its source lines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { auditFile } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { eventually, startGateway, type StartedGateway } from '../helpers/harness.js';
import { adminFetch } from './helpers.js';

describe('admin API: history, search, export, pages, pins, policy', () => {
  let gw: StartedGateway;
  let session: string;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
  other: $RECORDING
policies:
  app:
    tools:
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team (100% of the time)."
      echo:
        rate_limit: { max: 100, window: 60 }
`);
    const client = await gw.connect('app');
    for (const text of ['a', 'b', 'c']) await client.callTool({ name: 'echo', arguments: { text } });
    await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
    await client.callTool({ name: 'delete_db', arguments: { name: 'y' } });
    await client.callTool({ name: '=HYPERLINK("http://evil")', arguments: {} }).catch(() => {});
    const other = await gw.connect('other');
    await other.callTool({ name: 'echo', arguments: { text: 'z' } });
    await gw.gateway.audit!.flush();
    session = gw.decisions.find((d) => d.call.server === 'app')!.call.session!;
  });
  after(() => gw.close());

  const stored = async () => {
    const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      return await store.query({});
    } finally {
      await store.close();
    }
  };

  test('timeline: per server, the counts the audit store holds, in whole buckets', async () => {
    for (const range of ['hour', 'day', 'week']) {
      const res = await adminFetch(gw, `history/timeline?range=${range}`);
      assert.equal(res.status, 200);
      const sum = (server: string, key: 'allowed' | 'refused' | 'held') => res.body.buckets.filter((b: any) => b.server === server).reduce((n: number, b: any) => n + b[key], 0);
      assert.equal(sum('app', 'allowed'), 4, range);
      assert.equal(sum('app', 'refused'), 2, range);
      assert.equal(sum('other', 'allowed'), 1, range);
      assert.deepEqual(res.body.servers, ['app', 'other']);
      for (const bucket of res.body.buckets) assert.equal((bucket.start - res.body.since) % res.body.bucketMs, 0);
    }
    assert.equal((await adminFetch(gw, 'history/timeline?range=year')).status, 400);
  });

  test('search: exact filters, free text over reasons (literal), paging newest first', async () => {
    const all = await stored();
    const echo = await adminFetch(gw, 'history/search?server=app&tool=echo');
    assert.deepEqual(echo.body.records.map((r: any) => r.id), all.filter((r) => r.server === 'app' && r.tool === 'echo').map((r) => r.id).reverse());
    const denied = await adminFetch(gw, 'history/search?decision=denied&q=PLATFORM%20team');
    assert.deepEqual(denied.body.records.map((r: any) => r.tool).sort(), ['delete_app', 'delete_db']);
    assert.equal((await adminFetch(gw, 'history/search?q=100%25')).body.records.length, 2, '% is a literal');
    assert.equal((await adminFetch(gw, 'history/search?q=1_0')).body.records.length, 0, '_ is a literal');
    assert.equal((await adminFetch(gw, `history/search?session=${encodeURIComponent(session)}`)).body.records.length, 6);
    assert.equal((await adminFetch(gw, 'history/search?agent=nobody')).body.records.length, 0);

    const first = await adminFetch(gw, 'history/search?server=app&limit=4');
    assert.equal(first.body.records.length, 4);
    const second = await adminFetch(gw, `history/search?server=app&limit=4&before_id=${first.body.nextBeforeId}`);
    assert.equal(second.body.records.length, 2);
    assert.equal(second.body.nextBeforeId, null);
    const paged = [...first.body.records, ...second.body.records].map((r: any) => r.id);
    assert.deepEqual(paged, all.filter((r) => r.server === 'app').map((r) => r.id).reverse());
  });

  test('abuse: unknown, oversized and malformed parameters are refused with what is accepted', async () => {
    for (const [query, message] of [
      ['history/search?servr=app', /Unknown search parameter "servr"/],
      ['history/search?limit=501', /limit must be a whole number from 1 to 500/],
      ['history/search?limit=0', /limit/],
      [`history/search?q=${'x'.repeat(201)}`, /at most 200/],
      [`history/search?tool=${'x'.repeat(257)}`, /at most 256/],
      ['history/search?before_id=1e9', /before_id must be a record id/],
      ['history/search?decision=maybe', /Unknown decision "maybe"/],
      ['history/search?from=yesterday', /from must be a time/],
      ['history/export?format=xlsx', /format must be csv or jsonl/],
      [`tools/app/${'x'.repeat(300)}`, /1 to 256 characters/],
      ['tools/nope/echo', /No MCP server "nope"/],
    ] as const) {
      const res = await adminFetch(gw, query);
      assert.ok(res.status === 400 || res.status === 404, `${query}: ${res.status}`);
      assert.match(res.body.message, message, query);
    }
    assert.equal((await adminFetch(gw, 'history/search', { token: null })).status, 401);
    assert.equal((await adminFetch(gw, 'history/export', { token: null })).status, 401);
  });

  test('export: the current filter as JSON lines and as CSV (spreadsheet formulas defused)', async () => {
    const jsonl = await adminFetch(gw, 'history/export?format=jsonl&server=app');
    assert.equal(jsonl.status, 200);
    assert.match(jsonl.headers.get('content-disposition') ?? '', /attachment; filename="toolgate-audit-.*\.jsonl"/);
    const lines = jsonl.text.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.length, 6);
    assert.equal(lines[0]['mcp.method.name'], 'tools/call');

    const csv = await adminFetch(gw, 'history/export?format=csv&decision=denied');
    const rows = csv.text.trim().split('\r\n');
    assert.match(rows[0], /^id,uid,time,mcp\.method\.name,server,gen_ai\.tool\.name/);
    assert.equal(rows.length, 3);
    const evil = await adminFetch(gw, 'history/export?format=csv&tool=%3DHYPERLINK(%22http%3A%2F%2Fevil%22)');
    const [, row] = evil.text.trim().split('\r\n');
    assert.ok(row.includes(`"'=HYPERLINK(""http://evil"")"`), row);
  });

  test('pages: a tool (class, rule, recent calls and counts) and a session', async () => {
    const tool = await adminFetch(gw, 'tools/app/delete_app');
    assert.equal(tool.status, 200);
    assert.equal(tool.body.counts.refused, 1);
    assert.equal(tool.body.recent[0].reason, 'Apps are deleted by the platform team (100% of the time).');
    const echo = await adminFetch(gw, 'tools/app/echo');
    await eventually(async () => (await adminFetch(gw, 'tools/app/echo')).body.entry, 20_000, 'the catalog entry of echo');
    assert.equal(echo.body.counts.allowed, 3);
    const page = await adminFetch(gw, `sessions/${encodeURIComponent(session)}`);
    assert.equal(page.body.counts.total, 6);
    assert.ok(page.body.recent.every((r: any) => r.session === session));
  });

  test('pins: a changed definition is listed with its diff and findings; accepted, the tool is listed again', async () => {
    const client = await gw.connect('app');
    await client.listTools();
    await client.callTool({ name: 'rug_pull', arguments: {} });
    await eventually(async () => !(await client.listTools()).tools.some((t) => t.name === 'get_status'), 15_000, 'get_status hidden after the change');
    const pins = await adminFetch(gw, 'pins');
    const pending = pins.body.find((p: any) => p.tool === 'get_status');
    assert.match(pending.diff, /id_rsa/);
    assert.ok(pending.findings.length > pending.findingsBefore, 'the new definition has poisoning findings the old one did not');

    assert.equal((await adminFetch(gw, 'pins/app/echo/accept', { method: 'POST', body: {} })).status, 404, 'nothing to accept');
    const accepted = await adminFetch(gw, 'pins/app/get_status/accept', { method: 'POST', body: { approver: 'alice' } });
    assert.equal(accepted.status, 200);
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'get_status'), 'listed again');
    assert.ok(gw.logs.some((line) => /pin accepted/.test(String(line.msg)) && (line as any).approver === 'alice'));
    assert.deepEqual((await adminFetch(gw, 'pins')).body.filter((p: any) => p.tool === 'get_status'), []);
  });

  test('policy in force: every rule with its summary and config line, the revision, when it was loaded', async () => {
    const res = await adminFetch(gw, 'policy');
    assert.equal(res.body.revision, gw.gateway.policy().revision);
    const lines = readFileSync(gw.configFile, 'utf8').split('\n');
    const app = res.body.servers.find((s: any) => s.id === 'app');
    const deny = app.rules.find((r: any) => r.pattern === 'delete_*');
    assert.equal(deny.action, 'deny');
    assert.match(deny.summary, /^deny: "Apps are deleted/);
    assert.match(lines[deny.line - 1], /^\s+delete_\*:/);
    const echo = app.rules.find((r: any) => r.pattern === 'echo');
    assert.match(lines[echo.line - 1], /^\s+echo:/);
    assert.deepEqual(echo.rateLimit, { max: 100, windowMs: 60_000, scope: 'session' });
    assert.deepEqual(res.body.servers.find((s: any) => s.id === 'other').rules, []);
  });
});
