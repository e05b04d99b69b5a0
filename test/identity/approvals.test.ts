/** Approvals name the agent that asks: in the stored hold, the webhook text, and the audit record. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webhookBody } from '../../src/approvals/webhook.js';
import { eventually, resultText, startGateway } from '../helpers/harness.js';
import { Clients } from './helpers.js';

const KEY = 'deployer-key-0123456789';

test('a held call records the agent that made it; the approver sees it in the hold and the webhook text', async () => {
  const gw = await startGateway(`
auth:
  agents:
    deployer: { key: "${KEY}", groups: [ci] }
servers:
  app: $RECORDING
policies:
  app:
    tools:
      deploy_webapp: { action: require_approval }
`);
  const clients = new Clients();
  try {
    const { client } = await clients.as(gw.url('app'), KEY);
    const held = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv', region: 'eu' } });
    const [approval] = await eventually(async () => {
      const pending = await gw.gateway.approvals.list({ status: 'pending' });
      return pending.length > 0 ? pending : undefined;
    }, 15_000, 'the hold');
    assert.equal(approval.agent, 'deployer');
    assert.match(JSON.parse(webhookBody(approval, 'slack')).text, /agent `deployer`/);
    assert.equal(JSON.parse(webhookBody(approval, 'json')).approval.agent, 'deployer');
    await gw.gateway.approvals.approve(approval.id, { approver: 'test' });
    assert.match(resultText(await held), /deploy/i);
    assert.equal(gw.decisions.at(-1)!.call.agent?.id, 'deployer');
  } finally {
    await clients.closeAll();
    await gw.close();
  }
});
