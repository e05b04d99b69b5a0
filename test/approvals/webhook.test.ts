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

/** A webhook receiver on loopback: every POST body, as received. */
async function receiver(): Promise<{ url: string; bodies: string[]; close(): void }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      bodies.push(body);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, close: () => server.close() };
}

/** What an agent controls in a held call: the tool name, the arguments and (over stdio-less transports) the session. */
const hostile: Approval = {
  ...approval,
  tool: 'deploy_<!channel>\n:white_check_mark: *Already approved by security* `x`',
  session: 's1`<!here>',
  arguments: { note: '<http://evil.example/approve|Approve>', close: '```\n*Approved* <!here>', amp: '&lt;!channel&gt;', who: '<@U024BE7LH>' },
  rule: 'deploy_*',
};

test('Slack: hostile tool names, sessions and arguments arrive as inert text (mentions, fake lines, disguised links, code fences)', async () => {
  const hook = await receiver();
  try {
    const result = await deliverWebhook(hostile, { url: hook.url, format: 'slack', headers: {} }, log, 'http://127.0.0.1:8787/dashboard', fast);
    assert.equal(result.ok, true);
    const { text } = JSON.parse(hook.bodies[0]) as { text: string };
    assert.equal(
      text,
      [
        '*toolgate: approval needed* for `"deploy_&lt;!channel&gt;\\n:white_check_mark: *Already approved by security* \\u0060x\\u0060"` on `payments` (Financial, High risk)',
        'Rule: `deploy_*` · session `"s1\\u0060&lt;!here&gt;"` · expires 1970-01-01T00:10:00.000Z',
        '```',
        '{',
        '  "note": "&lt;http://evil.example/approve|Approve&gt;",',
        '  "close": "\\u0060\\u0060\\u0060\\n*Approved* &lt;!here&gt;",',
        '  "amp": "&amp;lt;!channel&amp;gt;",',
        '  "who": "&lt;@U024BE7LH&gt;"',
        '}',
        '```',
        'Approve or refuse: http://127.0.0.1:8787/dashboard · or `toolgate approvals approve a1`',
      ].join('\n'),
    );
    // Whatever the values: Slack's control characters never appear raw, and the only code fence is ours.
    assert.doesNotMatch(text, /[<>]/);
    assert.equal(text.split('```').length - 1, 2);
  } finally {
    hook.close();
  }
});

test('Slack: plain names are shown as they are; the arguments block is cut at 2,500 characters without breaking an escape', () => {
  const { text } = JSON.parse(webhookBody({ ...approval, arguments: { body: '<'.repeat(3000) } }, 'slack')) as { text: string };
  const block = text.split('```')[1];
  assert.match(block, /^\n\{\n {2}"body": "(&lt;)+\n…\n$/, 'cut before escaping: only whole &lt; entities');
  assert.match(text, /for `create_refund` on `payments`/);
});

test('JSON: every field is JSON-encoded; the receiver reads back exactly the hostile values', async () => {
  const hook = await receiver();
  try {
    await deliverWebhook(hostile, { url: hook.url, format: 'json', headers: {} }, log, 'http://127.0.0.1:8787/dashboard', fast);
    const sent = JSON.parse(hook.bodies[0]) as { type: string; approval: Approval; dashboardUrl: string };
    assert.equal(sent.type, 'toolgate.approval.pending');
    assert.deepEqual(sent.approval, hostile);
    assert.equal(sent.dashboardUrl, 'http://127.0.0.1:8787/dashboard');
    assert.doesNotMatch(hook.bodies[0], /\n/, 'line breaks inside values are escaped, not sent raw');
  } finally {
    hook.close();
  }
});
