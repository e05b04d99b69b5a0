/**
 * The dashboard's history on the fleet's trail: two real gateways writing one PostgreSQL table
 * (gateway A through a proxy the test controls), real calls through the MCP SDK client. The
 * history API answers exactly what the table holds; `toolgate audit --follow` sees every record
 * while both write, including a batch that took its ids first and committed last; PostgreSQL
 * down is a 503 naming it, with a hint, while calls are still served.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { exportRecord, type AuditRecord } from '../../src/audit/record.js';
import { timelineClass } from '../../src/audit/reader.js';
import { CLI, eventually, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';
import { childEnv } from '../helpers/processes.js';
import { createDatabase, postgresProxy, type PostgresProxy, type TestDatabase } from '../audit/postgres.js';
import { adminFetch } from './helpers.js';

const gatewayYaml = (url: string) => `
servers:
  app: $RECORDING
  other: $RECORDING
audit:
  postgres: { url: ${JSON.stringify(url)} }
policies:
  app:
    tools:
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team (100% of the time)."
`;

/** The API's JSON for records: what the table holds, as JSON. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('dashboard history and toolgate audit --follow on the fleet trail (audit.postgres)', () => {
  let database: TestDatabase;
  let proxy: PostgresProxy;
  let a: StartedGateway;
  let b: StartedGateway;
  let clientA: Client;
  let clientB: Client;

  before(async () => {
    database = await createDatabase();
    proxy = await postgresProxy();
    a = await startGateway(gatewayYaml(database.urlVia(proxy.hostPort)));
    b = await startGateway(gatewayYaml(database.url));
    clientA = await a.connect('app');
    clientB = await b.connect('app');
  });
  after(async () => {
    proxy?.release();
    await Promise.allSettled([a?.close(), b?.close()]);
    await proxy?.close();
    await database?.drop();
  });

  /** Every record in the table, oldest first. */
  async function table(): Promise<AuditRecord[]> {
    const store = new PostgresAuditStore(database.url);
    try {
      return await store.query({});
    } finally {
      await store.close();
    }
  }

  test('the history API answers exactly what the PostgreSQL table holds', async () => {
    for (const text of ['a', 'b', 'c']) await clientA.callTool({ name: 'echo', arguments: { text } });
    await clientA.callTool({ name: 'delete_app', arguments: { name: 'x' } });
    await clientB.callTool({ name: 'delete_db', arguments: { name: 'y' } });
    const otherB = await b.connect('other');
    await otherB.callTool({ name: 'echo', arguments: { text: 'z' } });
    await Promise.all([a.gateway.audit!.flush(), b.gateway.audit!.flush()]);
    const rows = await table();
    const newestFirst = [...rows].reverse();
    assert.equal(rows.length, 6, 'each call is in the table once');

    for (const gw of [a, b]) {
      const paged: AuditRecord[] = [];
      for (let next = ''; ; ) {
        const page = await adminFetch(gw, `history/search?limit=2${next}`);
        assert.equal(page.status, 200, page.text);
        paged.push(...page.body.records);
        if (page.body.nextBeforeId === null) break;
        next = `&before_id=${page.body.nextBeforeId}`;
      }
      assert.deepEqual(paged, asJson(newestFirst), 'every record, as stored, newest first');

      const denied = await adminFetch(gw, 'history/search?decision=denied&q=PLATFORM%20team');
      assert.deepEqual(denied.body.records, asJson(newestFirst.filter((r) => r.decision === 'denied' && /platform team/i.test(r.reason ?? ''))));
      assert.equal(denied.body.records.length, 2);
      const other = await adminFetch(gw, 'history/search?server=other&tool=echo');
      assert.deepEqual(other.body.records, asJson(newestFirst.filter((r) => r.server === 'other' && r.tool === 'echo')));

      const jsonl = await adminFetch(gw, 'history/export?format=jsonl');
      assert.equal(jsonl.status, 200);
      assert.deepEqual(jsonl.text.trim().split('\n').map((line) => JSON.parse(line)), asJson(newestFirst.map(exportRecord)));
      const csv = await adminFetch(gw, 'history/export?format=csv&server=app');
      assert.equal(csv.text.trim().split('\r\n').length, 1 + rows.filter((r) => r.server === 'app').length);

      const timeline = await adminFetch(gw, 'history/timeline?range=hour');
      assert.equal(timeline.status, 200);
      for (const server of ['app', 'other']) {
        for (const kind of ['allowed', 'refused', 'held'] as const) {
          const charted = timeline.body.buckets.filter((bucket: any) => bucket.server === server).reduce((n: number, bucket: any) => n + bucket[kind], 0);
          assert.equal(charted, rows.filter((r) => r.server === server && timelineClass(r.decision) === kind).length, `${server} ${kind}`);
        }
      }

      const tool = await adminFetch(gw, 'tools/app/delete_app');
      assert.equal(tool.body.counts.refused, rows.filter((r) => r.tool === 'delete_app').length);
      const session = rows[0].session!;
      const page = await adminFetch(gw, `sessions/${encodeURIComponent(session)}`);
      assert.equal(page.body.counts.total, rows.filter((r) => r.session === session).length);
      const agents = await adminFetch(gw, 'agents');
      assert.equal(agents.status, 200);
      assert.equal(agents.body.reduce((n: number, agent: any) => n + agent.calls, 0), rows.filter((r) => r.agent !== null).length);
    }
  });

  test('toolgate audit --follow sees every record while both gateways write, a late commit included', async () => {
    await clientB.callTool({ name: 'echo', arguments: { text: 'before the follower' } });
    await b.gateway.audit!.flush();
    const follower = spawn(process.execPath, [CLI, 'audit', '-c', b.configFile, '--follow', '--json', '--limit', '1'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    follower.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    follower.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const followed = () => out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const printed = (uids: Iterable<string>) => {
      const seen = new Set(followed().map((line) => line.uid));
      return [...uids].every((uid) => seen.has(uid));
    };
    try {
      await eventually(() => followed().length === 1, 20_000, `the follower's first record (stderr: ${err})`);
      const start = followed()[0].id as number;

      // Gateway A's next batch takes its ids, then waits at COMMIT while B's batches commit.
      proxy.holdCommits();
      await clientA.callTool({ name: 'echo', arguments: { text: 'held' } });
      await eventually(() => proxy.held > 0, 20_000, "gateway A's batch waiting to commit");
      await Promise.all(Array.from({ length: 10 }, (_, i) => clientB.callTool({ name: 'echo', arguments: { text: `b${i}` } })));
      await b.gateway.audit!.flush();
      const committed = (await table()).filter((r) => r.id > start).map((r) => r.uid);
      await eventually(() => printed(committed), 20_000, "B's records followed while A's batch waits");
      proxy.release();

      await Promise.all([
        ...Array.from({ length: 15 }, (_, i) => clientA.callTool({ name: 'echo', arguments: { text: `a${i}` } })),
        ...Array.from({ length: 15 }, (_, i) => clientB.callTool({ name: 'delete_app', arguments: { name: `b${i}` } })),
      ]);
      await Promise.all([a.gateway.audit!.flush(), b.gateway.audit!.flush()]);
      const rows = (await table()).filter((r) => r.id >= start);
      assert.equal(rows.length, 1 + 1 + 10 + 30, 'every call is in the table');
      await eventually(() => printed(rows.map((r) => r.uid)), 20_000, 'every record in the table followed');

      const lines = followed();
      assert.equal(lines.length, rows.length, 'none twice');
      assert.deepEqual(new Set(lines.map((line) => line.uid)), new Set(rows.map((r) => r.uid)));
      const sessionA = a.decisions.at(-1)!.call.session;
      const held = rows.find((r) => r.session === sessionA)!;
      assert.ok(rows.some((r) => committed.includes(r.uid) && r.id > held.id), 'the held batch took its id before the batches committed while it waited');
      const order = lines.map((line) => line.uid);
      assert.ok(committed.every((uid) => order.indexOf(uid) < order.indexOf(held.uid)), 'it was followed when it committed, after them');
    } finally {
      proxy.release();
      follower.kill('SIGTERM');
    }
    assert.equal(await exitCode(follower), 0, `SIGTERM ends --follow cleanly (stderr: ${err})`);
  });

  test('PostgreSQL down: 503 naming it with a hint, calls still served; back up, the history answers again', async () => {
    await proxy.cut();
    try {
      for (const path of ['history/search', 'history/timeline', 'history/export?format=csv', 'agents', 'agents/anonymous', 'tools/app/echo', 'sessions/x']) {
        const res = await adminFetch(a, path);
        assert.equal(res.status, 503, `${path}: ${res.text}`);
        assert.equal(res.body.error, 'store_error', path);
        assert.match(res.body.message, /in PostgreSQL at 127\.0\.0\.1:\d+\/toolgate_test_\w+: /, path);
        assert.match(res.body.hint, /PostgreSQL is unreachable: check that it runs and that audit\.postgres\.url points at it/, path);
      }
      const answer = await clientA.callTool({ name: 'echo', arguments: { text: 'served while PostgreSQL is down' } });
      assert.match(resultText(answer), /served while PostgreSQL is down/);
    } finally {
      await proxy.restore();
    }
    await eventually(async () => (await adminFetch(a, 'history/search?q=nothing-matches')).status === 200, 20_000, 'the history answering again');
  });
});

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
