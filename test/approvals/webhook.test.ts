import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { deliverWebhook, webhookBody } from '../../src/approvals/webhook.js';
import type { Approval } from '../../src/approvals/types.js';
import { freePort } from '../helpers/processes.js';

const approval: Approval = {
  id: 'a1',
  server: 'payments',
  tool: 'create_refund',
  arguments: { amount: 120, currency: 'EUR' },
  session: 's1',
  requestId: 3,
  rule: 'category:Financial',
  category: 'Financial',
  risk: 'High',
  createdAt: 0,
  expiresAt: 600_000,
  status: 'pending',
  heldBy: 'host:1',
};
const log = pino({ level: 'silent' });
const fast = [5, 5, 5];

test('a webhook that answers 500 twice is retried until it takes the notification', async () => {
  let calls = 0;
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      bodies.push(body);
      response.writeHead(++calls <= 2 ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const result = await deliverWebhook(approval, { url, format: 'json', headers: { authorization: 'Bearer hook' } }, log, undefined, fast);
    assert.deepEqual(result, { channel: 'webhook', ok: true, attempts: 3 });
    const sent = JSON.parse(bodies[2]);
    assert.equal(sent.type, 'toolgate.approval.pending');
    assert.deepEqual(sent.approval.arguments, { amount: 120, currency: 'EUR' });
  } finally {
    server.close();
  }
});

test('a webhook that is down is tried four times and the failure is reported, never thrown', async () => {
  const url = `http://127.0.0.1:${await freePort()}/hook`;
  const result = await deliverWebhook(approval, { url, format: 'slack', headers: {} }, log, undefined, fast);
  assert.equal(result.ok, false);
  assert.equal(result.attempts, 4);
  assert.match(result.error!, /ECONNREFUSED/);
});

test('the Slack text names the tool, category, risk, arguments and how to decide', () => {
  const { text } = JSON.parse(webhookBody(approval, 'slack', 'http://127.0.0.1:8787/dashboard'));
  assert.match(text, /approval needed\* for `create_refund` on `payments` \(Financial, High risk\)/);
  assert.match(text, /"amount": 120/);
  assert.match(text, /http:\/\/127\.0\.0\.1:8787\/dashboard/);
});
