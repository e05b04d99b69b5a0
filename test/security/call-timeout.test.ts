/**
 * Issue 8 §10: a forwarded call the upstream never answers used to keep its session alive
 * forever. `servers.<id>.call_timeout` and a rule's `timeout` bound it: the agent gets an error
 * naming the limit and how to raise it, the upstream is sent notifications/cancelled, the
 * rate-limit slot comes back and the completion is audited. Time held for approval is not counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditFile } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { adminFetch } from '../admin/helpers.js';
import { eventually, receivedMessages, resultText, sleep, startGateway, type StartedGateway } from '../helpers/harness.js';

/** The JSON-RPC error a call ended with. */
async function failureOf(call: Promise<unknown>): Promise<{ code?: number; message: string }> {
  return call.then(
    (result) => assert.fail(`expected an error, got ${JSON.stringify(result)}`),
    (error: Error & { code?: number }) => ({ code: error.code, message: error.message }),
  );
}

describe('a call the upstream never answers ends at its timeout', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: { $RECORDING_FIELDS, call_timeout: 1s }
  slow: { $RECORDING_FIELDS, call_timeout: 1h }
policies:
  slow:
    tools:
      hang: { timeout: 1s, rate_limit: { max: 1, window: 1h } }
      echo: { action: require_approval, timeout: 4s }
`);
  });
  after(() => gw.close());

  const cancellations = () =>
    receivedMessages(gw.recordFile)
      .map((entry) => entry.message)
      .filter((message) => message.method === 'notifications/cancelled');

  test("the server's call_timeout: an error naming it, and the upstream is told to stop", async () => {
    const client = await gw.connect('app');
    const failure = await failureOf(client.callTool({ name: 'hang', arguments: {} }));
    assert.equal(failure.code, -32011);
    assert.match(failure.message, /tool "hang" on server "app" got no answer within 1s, the limit set by servers\.app\.call_timeout; toolgate cancelled the call\. To allow longer calls, raise servers\.app\.call_timeout\./);
    const hangId = receivedMessages(gw.recordFile).find((entry) => entry.message.method === 'tools/call' && entry.message.params?.name === 'hang')?.message.id;
    const cancelled = await eventually(() => cancellations().find((message) => message.params?.requestId === hangId));
    assert.ok(cancelled, 'the upstream got notifications/cancelled for the call');
    assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'still here' } })), 'still here', 'the session goes on');

    await gw.gateway.audit!.flush();
    const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      const [record] = await store.query({ tool: 'hang', server: 'app' });
      assert.deepEqual({ decision: record.decision, forwarded: record.forwarded, outcome: record.outcome, errorType: record.errorType }, { decision: 'upstream_error', forwarded: true, outcome: 'upstream_error', errorType: '-32011' });
      assert.match(record.errorMessage ?? '', /no answer within 1s/);
    } finally {
      await store.close();
    }
  });

  test("a rule's timeout wins over the server's, and the rate-limit slot comes back", async () => {
    const client = await gw.connect('slow');
    for (let attempt = 1; attempt <= 2; attempt++) {
      const failure = await failureOf(client.callTool({ name: 'hang', arguments: {} }));
      assert.equal(failure.code, -32011, `attempt ${attempt}: timed out, not rate-limited (max 1): ${failure.message}`);
      assert.match(failure.message, /within 1s, the limit set by `timeout` of policies\.slow\.tools\.hang/);
    }
  });

  test('time held for approval does not count against the timeout', async () => {
    const client = await gw.connect('slow');
    const call = client.callTool({ name: 'echo', arguments: { text: 'approved late' } });
    const id = await eventually(async () => ((await adminFetch(gw, 'approvals?status=pending')).body as Array<{ id: string; tool: string }>).find((a) => a.tool === 'echo')?.id);
    assert.ok(id, 'the call is held');
    await sleep(5_000); // held longer than the rule's 4 s timeout
    assert.equal((await adminFetch(gw, `approvals/${id}/approve`, { method: 'POST', body: { scope: 'once' } })).status, 200);
    assert.equal(resultText(await call), 'approved late');
  });
});
