/**
 * Three real `toolgate serve` processes sharing one Redis (and one PostgreSQL audit database):
 * a limit is exact across the fleet (per tool, and per agent whichever instance the agent's
 * sessions land on), a tool definition changed upstream is withheld by every instance until one
 * `toolgate pins accept` releases it on all, a call held on one instance is decided from another and
 * completes where it is held with exactly the held arguments, an instance killed while holding a
 * call leaves it abandoned and loses no audit record, and a Redis outage refuses only what needs
 * it and heals by itself. The upstream's own record file is the proof of what ran.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { createDatabase } from '../audit/postgres.js';
import { decisionOf, eventually, receivedMessages, receivedToolCalls, resultText, tempDir, within } from '../helpers/harness.js';
import { freePort } from '../helpers/processes.js';
import { dropKeys, REDIS_URL, startPrivateRedis, testPrefix } from '../store/redis.js';
import { ADMIN_TOKEN, startFleet } from './fleet.js';

const RUN = testPrefix();
let fleets = 0;
const prefix = () => `${RUN}${++fleets}:`;
after(() => dropKeys(RUN));

const POLICY = [
  'pinning: off',
  'policies:',
  '  app:',
  '    tools:',
  '      echo: { rate_limit: { max: 20, window: 10m, scope: tool } }',
  '      deploy_webapp: { action: require_approval, approval: { timeout: 10m } }',
].join('\n');

/** Two agents known by API key; `echo` limited per agent, whichever instance a session is on. */
const AGENT_KEYS = { 'agent-red': 'red-agent-key-of-twenty-four', 'agent-blue': 'blue-agent-key-of-twenty-four' };
const PER_AGENT_POLICY = [
  'auth:',
  '  agents:',
  ...Object.entries(AGENT_KEYS).map(([agent, key]) => `    ${agent}: { key: ${JSON.stringify(key)} }`),
  'pinning: off',
  'policies:',
  '  app:',
  '    tools:',
  '      echo: { rate_limit: { max: 20, window: 10m, scope: agent } }',
].join('\n');

const PINNING_POLICY = ['pinning: block', 'policies:', '  app: { default: allow }'].join('\n');

async function listedTools(client: { listTools(): Promise<{ tools: Array<{ name: string }> }> }): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name);
}

describe('a fleet of three gateways on one Redis', () => {
  test('60 concurrent calls spread over the three against max: 20, scope: tool: exactly 20 reach the upstream', async () => {
    const fleet = await startFleet({ count: 3, redisUrl: REDIS_URL, prefix: prefix(), yaml: POLICY });
    try {
      const clients = await Promise.all([0, 1, 2, 0, 1, 2].map((i) => fleet.instances[i].connect()));
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => clients[i % clients.length].callTool({ name: 'echo', arguments: { text: `call ${i}` } })));
      const admitted = results.filter((result) => !result.isError);
      assert.equal(admitted.length, 20);
      assert.ok(results.filter((result) => result.isError).every((result) => decisionOf(result)?.decision === 'rate_limited'));
      await Promise.all(clients.map((client) => client.ping()));
      assert.equal(receivedToolCalls(fleet.recordFile).filter((name) => name === 'echo').length, 20, "the upstream's log: exactly 20 ran");

      // A session opened on A, sent to B (a load balancer that is not sticky): a clear 421, not a 404 that makes clients start over.
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
      const opened = await fetch(`http://127.0.0.1:${fleet.instances[0].port}/mcp/app`, { method: 'POST', headers, body: JSON.stringify(initialize) });
      const session = opened.headers.get('mcp-session-id')!;
      await opened.body?.cancel();
      const misrouted = await fetch(`http://127.0.0.1:${fleet.instances[1].port}/mcp/app`, {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      assert.equal(misrouted.status, 421);
      assert.match(JSON.stringify(await misrouted.json()), /belongs to another toolgate instance.*route on the Mcp-Session-Id header/);

      // Any instance's dashboard shows every instance with the policy revision it runs.
      const overview = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${fleet.instances[2].port}/admin/api/overview`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const body = (await response.json()) as { policyRevision: string; fleet?: Array<{ instance: string; policyRevision: string }> };
        return body.fleet?.length === 3 && body;
      }, 30_000, 'three instances in the overview');
      assert.ok(overview.fleet!.every((member) => member.policyRevision === overview.policyRevision));
    } finally {
      await fleet.close();
    }
  });

  test('60 concurrent calls by two agents over the three against max: 20, scope: agent: exactly 20 of each agent reach the upstream', async () => {
    const fleet = await startFleet({ count: 3, redisUrl: REDIS_URL, prefix: prefix(), yaml: PER_AGENT_POLICY });
    try {
      // Each agent has a session on every instance, as a non-sticky balancer spreading its reconnects would give it.
      const sessions = await Promise.all(
        Object.entries(AGENT_KEYS).flatMap(([agent, key]) => fleet.instances.map(async (instance) => ({ agent, client: await instance.connect(key) }))),
      );
      const calls = Array.from({ length: 60 }, (_, i) => sessions[i % sessions.length]);
      const results = await Promise.all(calls.map(({ agent, client }, i) => client.callTool({ name: 'echo', arguments: { text: `${agent} call ${i}` } }).then((result) => ({ agent, result }))));
      for (const agent of Object.keys(AGENT_KEYS)) {
        const own = results.filter((r) => r.agent === agent);
        assert.equal(own.length, 30);
        assert.equal(own.filter((r) => !r.result.isError).length, 20, `${agent}: admitted calls`);
        for (const { result } of own.filter((r) => r.result.isError)) assert.equal(decisionOf(result)?.decision, 'rate_limited', resultText(result));
      }
      await Promise.all(sessions.map(({ client }) => client.ping()));
      const ran = receivedMessages(fleet.recordFile)
        .filter((entry) => entry.message.method === 'tools/call' && entry.message.params?.name === 'echo')
        .map((entry) => (entry.message.params?.arguments as { text: string }).text.split(' ')[0]);
      assert.equal(ran.length, 40, "the upstream's log: 40 calls ran");
      for (const agent of Object.keys(AGENT_KEYS)) assert.equal(ran.filter((name) => name === agent).length, 20, `the upstream's log: exactly 20 calls of ${agent}`);
    } finally {
      await fleet.close();
    }
  });

  test('a definition changed upstream and seen by A is withheld on B and C; one pins accept releases it on all three', async () => {
    const changed = join(tempDir(), 'rug-pulled');
    const fleet = await startFleet({ count: 3, redisUrl: REDIS_URL, prefix: prefix(), yaml: PINNING_POLICY, serverEnv: { RUG_PULL_FILE: changed } });
    try {
      const [a, b, c] = fleet.instances;
      const onA = await a.connect();
      const onB = await b.connect();
      for (const client of [onA, onB]) assert.ok((await listedTools(client)).includes('get_status'), 'listed while unchanged');

      // The upstream changes get_status for every session; A lists first and records the change.
      writeFileSync(changed, '');
      assert.ok(!(await listedTools(onA)).includes('get_status'), 'A withholds the changed tool');
      const pending = fleet.cli(1, 'pins', 'list', '--json');
      assert.equal(pending.status, 0, pending.stderr);
      assert.equal((JSON.parse(pending.stdout) as Array<{ tool: string; status: string }>).find((pin) => pin.tool === 'get_status')?.status, 'changed', 'the change is in the shared pin store');

      // B, on a session opened before the change, no longer lists it and is refused; C, on a new session, is refused without listing.
      assert.ok(!(await listedTools(onB)).includes('get_status'), 'B withholds it');
      const onC = await c.connect();
      for (const client of [onB, onC]) {
        const refused = await client.callTool({ name: 'get_status', arguments: {} });
        assert.equal(refused.isError, true, resultText(refused));
        assert.match(resultText(refused), /definition changed since toolgate pinned it.*toolgate pins accept app get_status/s);
      }
      await Promise.all([onA, onB, onC].map((client) => client.ping()));
      assert.ok(!receivedToolCalls(fleet.recordFile).includes('get_status'), "the upstream's log: no get_status call arrived");

      // One accept, with the same config (the shared Redis pin store), releases it everywhere.
      const accepted = fleet.cli(2, 'pins', 'accept', 'app', 'get_status', '--yes');
      assert.equal(accepted.status, 0, accepted.stderr);
      for (const [name, client] of [['A', onA], ['B', onB], ['C', onC]] as const) {
        await eventually(async () => (await listedTools(client)).includes('get_status'), 30_000, `get_status listed again on ${name}`);
        const result = await client.callTool({ name: 'get_status', arguments: {} });
        assert.equal(result.isError, undefined, `${name}: ${resultText(result)}`);
      }
      await Promise.all([onA, onB, onC].map((client) => client.ping()));
      assert.equal(receivedToolCalls(fleet.recordFile).filter((name) => name === 'get_status').length, 3, "the upstream's log: one call from each instance");
    } finally {
      await fleet.close();
    }
  });

  test('held on A, approved on B: A forwards exactly the held arguments; held on A, refused from C: refused on A', async () => {
    const fleet = await startFleet({ count: 3, redisUrl: REDIS_URL, prefix: prefix(), yaml: POLICY });
    try {
      const [a, b, c] = fleet.instances;
      const client = await a.connect();
      const args = { project_root: '/srv/site', region: 'eu-west-1', replicas: 3 };
      const held = client.callTool({ name: 'deploy_webapp', arguments: args }, { timeout: 120_000 });
      const pending = await eventually(() => {
        const listed = fleet.cli(1, 'approvals', 'list', '--json');
        return listed.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; status: string }).find((approval) => approval.status === 'pending');
      }, 30_000, 'the hold listed from B');
      const approved = fleet.cli(1, 'approvals', 'approve', pending.id, '-p', String(b.port));
      assert.equal(approved.status, 0, approved.stderr);
      const result = await within(held, 30_000, 'the held call to complete on A');
      assert.equal(result.isError, undefined, resultText(result));
      const ran = receivedMessages(fleet.recordFile).filter((entry) => entry.message.method === 'tools/call' && entry.message.params?.name === 'deploy_webapp');
      assert.equal(ran.length, 1);
      assert.deepEqual(ran[0].message.params?.arguments, args);

      const second = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv/other', region: 'us-east-1' } }, { timeout: 120_000 });
      const next = await eventually(() => {
        const listed = fleet.cli(2, 'approvals', 'list', '--json');
        return listed.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; status: string }).find((approval) => approval.status === 'pending');
      }, 30_000, 'the second hold listed from C');
      const refused = fleet.cli(2, 'approvals', 'deny', next.id, '--reason', 'Not on a Friday.', '-p', String(c.port));
      assert.equal(refused.status, 0, refused.stderr);
      const refusal = await within(second, 30_000, 'the refusal on A');
      assert.equal(refusal.isError, true);
      assert.match(resultText(refusal), /Not on a Friday\./);
      await client.ping();
      assert.equal(receivedToolCalls(fleet.recordFile).filter((name) => name === 'deploy_webapp').length, 1, 'the refused call never ran');
    } finally {
      await fleet.close();
    }
  });

  test('kill -9 of A while it holds a call: the approval ends abandoned; no audit record is lost across the fleet', async () => {
    const database = await createDatabase();
    const fleet = await startFleet({ count: 3, redisUrl: REDIS_URL, prefix: prefix(), auditPg: database.url, yaml: POLICY });
    const reader = new PostgresAuditStore(database.url);
    try {
      const [a, b] = fleet.instances;
      const onA = await a.connect();
      const onB = await b.connect();
      for (let i = 0; i < 5; i++) await onA.callTool({ name: 'echo', arguments: { text: `a${i}` } });
      for (let i = 0; i < 5; i++) await onB.callTool({ name: 'echo', arguments: { text: `b${i}` } });
      void onA.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv/site', region: 'eu-west-1' } }, { timeout: 120_000 }).catch(() => undefined);
      const pending = await eventually(() => {
        const listed = fleet.cli(1, 'approvals', 'list', '--json');
        return listed.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; status: string }).find((approval) => approval.status === 'pending');
      }, 30_000, 'the hold on A');
      process.kill(a.process.pid, 'SIGKILL');
      const abandoned = await eventually(() => {
        const listed = fleet.cli(1, 'approvals', 'list', '--all', '--json');
        return listed.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; status: string; reason?: string }).find((approval) => approval.id === pending.id && approval.status === 'abandoned');
      }, 60_000, 'the hold abandoned after A died');
      assert.match(abandoned.reason!, /gateway (instance|process) holding the call .* (stopped|is gone)/);
      // A's journal keeps what it had not batched yet; A restarted on its data folder replays it.
      await a.restart();
      const ran = receivedToolCalls(fleet.recordFile).length; // 10 echo calls: the held call never ran
      assert.equal(ran, 10);
      await eventually(async () => (await reader.query({ tool: 'echo' })).length === 10, 30_000, 'every echo call audited in PostgreSQL');
      const records = await reader.query({});
      assert.equal(records.filter((record) => record.tool === 'deploy_webapp').length, 1, 'the held call is audited too');
      assert.equal(new Set(records.map((record) => record.uid)).size, records.length, 'nothing twice');
    } finally {
      await fleet.close();
      await reader.close();
      await database.drop();
    }
  });

  test('Redis stopped mid-load: limited calls are refused with the reason, the rest is served, and it heals when Redis is back', async () => {
    const port = await freePort();
    const startRedis = () => startPrivateRedis(port);
    let redis = await startRedis();
    const fleet = await startFleet({ count: 2, redisUrl: `redis://127.0.0.1:${port}`, prefix: prefix(), yaml: POLICY });
    try {
      const [a] = fleet.instances;
      const client = await a.connect();
      assert.equal((await client.callTool({ name: 'echo', arguments: { text: 'before' } })).isError, undefined);
      await redis.stop();
      const refused = await client.callTool({ name: 'echo', arguments: { text: 'during' } });
      assert.equal(refused.isError, true);
      assert.match(resultText(refused), /Redis at 127\.0\.0\.1:\d+/);
      assert.equal((await client.callTool({ name: 'weather', arguments: { city: 'Rome' } })).isError, undefined, 'a call that needs no shared state is served');
      const health = (await (await fetch(`http://127.0.0.1:${a.port}/healthz`)).json()) as { state: { redis: string } };
      assert.equal(health.state.redis, 'down');
      redis = await startRedis();
      await eventually(async () => (await client.callTool({ name: 'echo', arguments: { text: 'after' } })).isError === undefined, 30_000, 'calls counted again once Redis is back');
      await client.ping();
      const echoes = receivedMessages(fleet.recordFile).filter((entry) => entry.message.params?.name === 'echo').map((entry) => (entry.message.params?.arguments as { text: string }).text);
      assert.ok(!echoes.includes('during'), 'the refused call never ran');
    } finally {
      await fleet.close();
      await redis.stop();
    }
  });
});
