/**
 * The audit trail through a real gateway: every kind of call leaves the right record, read back
 * from the SQLite file, and checked against what the recording upstream received.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { auditFile } from '../../src/audit/audit-log.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { UPSTREAM_ERROR } from '../../src/transport/jsonrpc.js';
import { receivedToolCalls, startGateway, type StartedGateway } from '../helpers/harness.js';

describe('audit records through the gateway', () => {
  let gw: StartedGateway;
  let client: Client;

  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
  watched: { $RECORDING_FIELDS, mode: monitor }
policies:
  app:
    tools:
      delete_*: { action: deny, reason: Apps are deleted by the platform team. }
      get_status: { rate_limit: { max: 1, window: 1m } }
      admin_*: { action: hide }
  watched:
    tools:
      delete_*: { action: deny, reason: No deletes here. }
audit:
  arguments: full
  redact: [password, "*.token"]
`);
    client = await gw.connect('app');
  });
  after(() => gw.close());

  /** The records of one tool, after the pending batch is written. */
  async function recordsOf(tool: string): Promise<AuditRecord[]> {
    await gw.gateway.audit!.flush();
    const reader = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      return await reader.query({ tool });
    } finally {
      await reader.close();
    }
  }

  test('an allowed call: the record has the upstream time, the session, the request id and the redacted arguments', async () => {
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi', password: 'hunter2', auth: { token: 't', user: 'u' } } });
    assert.equal(result.isError, undefined);
    const [r, ...more] = await recordsOf('echo');
    assert.equal(more.length, 0);
    assert.equal(r.decision, 'allowed');
    assert.equal(r.method, 'tools/call');
    assert.equal(r.server, 'app');
    assert.equal(r.outcome, 'result');
    assert.ok(r.upstreamMs !== null && r.upstreamMs > 0, `upstream ms: ${r.upstreamMs}`);
    assert.ok(r.policyUs >= 0);
    assert.equal(r.session, (client.transport as { sessionId?: string }).sessionId);
    assert.match(r.requestId, /^\d+$/);
    assert.equal(r.policyRevision, gw.gateway.policy().revision);
    assert.deepEqual(r.args, { text: 'hi', password: '[redacted]', auth: { token: '[redacted]', user: 'u' } });
    assert.deepEqual(r.argsKeys, ['auth', 'password', 'text']);
    assert.equal(r.errorType, null);
  });

  test('a denied call: denied, with rule and reason, never forwarded', async () => {
    const result = await client.callTool({ name: 'delete_app', arguments: { name: 'web' } });
    assert.equal(result.isError, true);
    const [r] = await recordsOf('delete_app');
    assert.deepEqual(
      { decision: r.decision, rule: `${r.rulePattern}/${r.rulePart}`, reason: r.reason, forwarded: r.forwarded, outcome: r.outcome, upstreamMs: r.upstreamMs, errorType: r.errorType },
      { decision: 'denied', rule: 'delete_*/action', reason: 'Apps are deleted by the platform team.', forwarded: false, outcome: null, upstreamMs: null, errorType: 'tool_error' },
    );
    assert.ok(!receivedToolCalls(gw.recordFile).includes('delete_app'));
  });

  test('a hidden tool: hidden, answered as an unknown tool', async () => {
    await assert.rejects(client.callTool({ name: 'admin_reset', arguments: {} }));
    const [r] = await recordsOf('admin_reset');
    assert.equal(r.decision, 'hidden');
    assert.equal(r.errorType, '-32602');
  });

  test('a rate-limited call: rate_limited, with the limit state', async () => {
    await client.callTool({ name: 'get_status', arguments: {} });
    const refused = await client.callTool({ name: 'get_status', arguments: {} });
    assert.equal(refused.isError, true);
    const records = await recordsOf('get_status');
    assert.deepEqual(records.map((r) => r.decision), ['allowed', 'rate_limited']);
    assert.equal(records[0].rateLimit?.remaining, 0);
    const state = records[1].rateLimit!;
    assert.deepEqual({ max: state.max, windowMs: state.windowMs, scope: state.scope, remaining: state.remaining }, { max: 1, windowMs: 60_000, scope: 'session', remaining: 0 });
    assert.ok(state.retryAfterMs > 0 && state.retryAfterMs <= 60_000);
    assert.equal(records[1].rulePart, 'rate_limit');
  });

  test('monitor mode: monitor_would_refuse, forwarded, with what enforcement would have done', async () => {
    const watched = await gw.connect('watched');
    const result = await watched.callTool({ name: 'delete_everything', arguments: {} });
    assert.equal(result.isError, undefined);
    const [r] = await recordsOf('delete_everything');
    assert.deepEqual(
      { decision: r.decision, policyDecision: r.policyDecision, mode: r.mode, forwarded: r.forwarded, outcome: r.outcome, reason: r.reason, server: r.server },
      { decision: 'monitor_would_refuse', policyDecision: 'deny', mode: 'monitor', forwarded: true, outcome: 'result', reason: 'No deletes here.', server: 'watched' },
    );
    assert.ok(r.upstreamMs !== null && r.upstreamMs > 0);
    assert.ok(receivedToolCalls(gw.recordFile).includes('delete_everything'));
  });

  test('an upstream that dies during the call: upstream_error, with the JSON-RPC code as error.type', async () => {
    const doomed = await gw.connect('app');
    await assert.rejects(doomed.callTool({ name: 'crash', arguments: {} }));
    const [r] = await recordsOf('crash');
    assert.deepEqual(
      { decision: r.decision, policyDecision: r.policyDecision, outcome: r.outcome, errorType: r.errorType, forwarded: r.forwarded },
      { decision: 'upstream_error', policyDecision: 'allow', outcome: 'upstream_error', errorType: String(UPSTREAM_ERROR), forwarded: true },
    );
    assert.ok(r.errorMessage && r.errorMessage.length > 0);
    assert.ok(r.upstreamMs !== null);
  });

  test('every call the upstream received has an allowed (or monitored) record, and no refused one was received', async () => {
    await gw.gateway.audit!.flush();
    const reader = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    const all = await reader.query({});
    await reader.close();
    const forwarded = all.filter((r) => r.forwarded).map((r) => r.tool).sort();
    assert.deepEqual(receivedToolCalls(gw.recordFile).sort(), forwarded);
    assert.ok(all.filter((r) => !r.forwarded).every((r) => ['denied', 'hidden', 'rate_limited'].includes(r.decision)));
  });
});

test('audit: { enabled: false } records nothing and creates no file', async () => {
  const gw = await startGateway(`
servers:
  app: $RECORDING
audit: { enabled: false }
`);
  try {
    assert.equal(gw.gateway.audit, undefined);
    const client = await gw.connect('app');
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    assert.ok(!existsSync(join(gw.dir, '.toolgate', 'audit.sqlite')));
  } finally {
    await gw.close();
  }
});

test('audit is on by default, in data_dir', async () => {
  const gw = await startGateway(`
data_dir: state
servers:
  app: $RECORDING
`);
  try {
    const client = await gw.connect('app');
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await gw.gateway.audit!.flush();
    const file = join(gw.dir, 'state', 'audit.sqlite');
    const reader = new SqliteAuditStore(file, { readonly: true });
    const [r] = await reader.query({});
    await reader.close();
    assert.equal(r.tool, 'echo');
    assert.equal(r.args, null, 'the default keeps a hash, not the arguments');
    assert.match(r.argsSha256 ?? '', /^[0-9a-f]{64}$/);
  } finally {
    await gw.close();
  }
});
