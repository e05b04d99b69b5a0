/**
 * The audit record of a held call says what finally happened: approved through the admin API,
 * the call was forwarded and the upstream's own outcome is recorded (it said `forwarded: false`
 * and `error.type: tool_error` before); refused, the agent's isError answer is recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditFile } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { adminFetch } from '../admin/helpers.js';
import { eventually, receivedToolCalls, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';

describe('audit records of approved and refused calls', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
policies:
  app:
    tools:
      deploy_webapp: { action: require_approval }
      delete_app: { action: require_approval }
`);
  });
  after(() => gw.close());

  /** The pending approval of a tool, once the call is held. */
  const pendingOf = async (tool: string): Promise<string> => {
    const id = await eventually(async () => ((await adminFetch(gw, 'approvals?status=pending')).body as Array<{ id: string; tool: string }>).find((a) => a.tool === tool)?.id);
    assert.ok(id, `${tool} is held`);
    return id;
  };

  const recordOf = async (tool: string) => {
    await gw.gateway.audit!.flush();
    const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      const records = await store.query({ tool });
      assert.equal(records.length, 1, `one record for ${tool}`);
      return records[0];
    } finally {
      await store.close();
    }
  };

  test('approved through the API: forwarded, with the upstream outcome and no error', async () => {
    const client = await gw.connect('app');
    const call = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv/site', region: 'eu-west-1' } });
    const id = await pendingOf('deploy_webapp');
    const approved = await adminFetch(gw, `approvals/${id}/approve`, { method: 'POST', body: { scope: 'once', approver: 'alice' } });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(resultText(await call), 'deployed /srv/site to eu-west-1');
    assert.deepEqual(receivedToolCalls(gw.recordFile).filter((name) => name === 'deploy_webapp'), ['deploy_webapp']);
    const record = await recordOf('deploy_webapp');
    assert.deepEqual(
      { decision: record.decision, policyDecision: record.policyDecision, forwarded: record.forwarded, outcome: record.outcome, errorType: record.errorType, errorMessage: record.errorMessage, approver: record.approver },
      { decision: 'approved', policyDecision: 'hold', forwarded: true, outcome: 'result', errorType: null, errorMessage: null, approver: 'alice' },
    );
    assert.equal(typeof record.upstreamMs, 'number');
  });

  test('refused through the API: not forwarded, answered with an isError result', async () => {
    const client = await gw.connect('app');
    const call = client.callTool({ name: 'delete_app', arguments: { name: 'prod' } });
    const id = await pendingOf('delete_app');
    const refused = await adminFetch(gw, `approvals/${id}/refuse`, { method: 'POST', body: { reason: 'not today', approver: 'bob' } });
    assert.equal(refused.status, 200, refused.text);
    assert.equal((await call).isError, true);
    const record = await recordOf('delete_app');
    assert.deepEqual(
      { decision: record.decision, forwarded: record.forwarded, outcome: record.outcome, errorType: record.errorType, errorMessage: record.errorMessage, approver: record.approver },
      { decision: 'refused', forwarded: false, outcome: null, errorType: 'tool_error', errorMessage: 'bob: not today', approver: 'bob' },
    );
    assert.ok(!receivedToolCalls(gw.recordFile).includes('delete_app'));
  });
});
