import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Approval } from '../../src/approvals/types.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { auditFile } from '../../src/audit/audit-log.js';
import { decisionOf, eventually, receivedMessages, receivedToolCalls, resultText, startGateway, upstreamCaughtUp, type StartedGateway } from '../helpers/harness.js';


/** A webhook receiver on loopback that records every POST body. */
async function webhookReceiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const POLICY = (hookUrl: string) => `
notifications:
  webhook: { url: "${hookUrl}", format: slack }
servers:
  app: $RECORDING
policies:
  app:
    tools:
      deploy_webapp:
        action: require_approval
        approval: { timeout: 10m, notify: [webhook] }
      delete_app:
        action: require_approval
        approval: { timeout: 1s }
      build_and_push_image_to_ecr:
        action: require_approval
        approval: { via: elicitation }
      echo:
        conditions:
          - if: 'args.text == "needs a person"'
            action: require_approval
`;

describe('require_approval: a held call waits for a person', () => {
  // A gateway and a webhook receiver per test: each test holds, decides and audits its own calls.
  let gw: StartedGateway;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  /** The pending approvals that match, once there is at least one. */
  const heldCalls = (match: (approval: Approval) => boolean): Promise<Approval[]> =>
    eventually(
      async () => {
        const list = (await gw.gateway.approvals.list({ status: 'pending' })).filter(match);
        return list.length ? list : undefined;
      },
      5000,
      `a pending approval matching ${match.toString()}`,
    );
  /** The audit records of one tool, once the trail has been written. */
  const auditRecords = async (tool: string) => {
    await gw.gateway.audit!.flush();
    const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      return await store.query({ tool });
    } finally {
      await store.close();
    }
  };

  beforeEach(async () => {
    hook = await webhookReceiver();
    gw = await startGateway(POLICY(hook.url), { holdProgressMs: 100 });
  });
  afterEach(async () => {
    await gw.close();
    await hook.close();
  });

  test('approved: the agent gets the upstream result of exactly the held arguments', async () => {
    const client = await gw.connect('app');
    const progress: string[] = [];
    const call = client.callTool(
      { name: 'deploy_webapp', arguments: { project_root: '/work/site', region: 'eu-west-1' } },
      { onprogress: (p) => progress.push(p.message ?? ''), resetTimeoutOnProgress: true },
    );
    const [held] = await heldCalls((approval) => approval.tool === 'deploy_webapp');
    assert.deepEqual(held.arguments, { project_root: '/work/site', region: 'eu-west-1' });
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile), [], 'nothing reaches the upstream while held');
    await eventually(() => progress.length >= 2, 5000, 'two "waiting for approval" progress notifications');
    assert.match(progress[0], new RegExp(`Waiting for approval ${held.id}`));
    await gw.gateway.approvals.approve(held.id, { approver: 'alice' });
    const result = await call;
    assert.equal(resultText(result), 'deployed /work/site to eu-west-1');
    const forwarded = receivedMessages(gw.recordFile).filter((entry) => entry.message.method === 'tools/call' && entry.message.params?.name === 'deploy_webapp');
    assert.equal(forwarded.length, 1);
    assert.deepEqual(forwarded[0].message.params?.arguments, { project_root: '/work/site', region: 'eu-west-1' });
    const stored = (await gw.gateway.approvals.get(held.id))!;
    assert.equal(stored.status, 'approved');
    assert.equal(stored.decidedBy, 'alice');
    const [record] = (await auditRecords('deploy_webapp')).filter((candidate) => candidate.decision === 'approved');
    assert.ok(record, 'the approval is in the audit trail');
    assert.equal(record.approver, 'alice');
    assert.equal(record.outcome, 'result', 'the approved call was forwarded and answered');
  });

  test('the webhook is told when a hold starts (Slack text) and the delivery is recorded', async () => {
    const client = await gw.connect('app');
    const call = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/work/site', region: 'eu-west-1' } });
    const [held] = await heldCalls((approval) => approval.tool === 'deploy_webapp');
    await eventually(async () => (await gw.gateway.approvals.get(held.id))?.notified?.length, 5000, 'the webhook delivery to be recorded on the approval');
    assert.deepEqual((await gw.gateway.approvals.get(held.id))!.notified, [{ channel: 'webhook', ok: true, attempts: 1 }]);
    assert.equal(hook.bodies.length, 1);
    const text = (hook.bodies[0] as { text: string }).text;
    assert.match(text, /approval needed\* for `deploy_webapp` on `app`/);
    assert.match(text, /"project_root": "\/work\/site"/);
    assert.match(text, new RegExp(`toolgate approvals approve ${held.id}`));
    await gw.gateway.approvals.refuse(held.id, 'test done', 'test');
    await call;
  });

  test("refused: the agent reads the approver's reason and the upstream never sees the call", async () => {
    const client = await gw.connect('app');
    const call = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/etc', region: 'us-east-1' } });
    const [held] = await heldCalls((approval) => approval.arguments.project_root === '/etc');
    await gw.gateway.approvals.refuse(held.id, 'Not from /etc, please.', 'bob');
    const result = await call;
    assert.equal(result.isError, true);
    assert.match(resultText(result), /^Policy violation: .*deploy_webapp.*held for approval.*bob refused it: Not from \/etc, please\./);
    assert.equal(decisionOf(result)!.decision, 'refused');
    assert.equal(decisionOf(result)!.approvalId, held.id);
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile), []);
    const records = await auditRecords('deploy_webapp');
    assert.deepEqual(records.map((record) => [record.decision, record.approver]), [['refused', 'bob']]);
  });

  test('expired: no answer within the timeout refuses the call as expired', async () => {
    const client = await gw.connect('app');
    const result = await client.callTool({ name: 'delete_app', arguments: { name: 'web' } });
    assert.equal(result.isError, true);
    assert.match(resultText(result), /the approval expired: nobody answered within 1s/);
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile), []);
    assert.deepEqual((await auditRecords('delete_app')).map((record) => record.decision), ['expired']);
  });

  test('approve for the session: later calls of that tool in that session pass without a hold', async () => {
    const client = await gw.connect('app');
    const first = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/w/1', region: 'eu-west-1' } });
    const [held] = await heldCalls((approval) => approval.arguments.project_root === '/w/1');
    const approved = await gw.gateway.approvals.approve(held.id, { scope: 'session', minutes: 5, approver: 'carol' });
    assert.ok(approved.grant && approved.grant.until > Date.now());
    assert.equal(resultText(await first), 'deployed /w/1 to eu-west-1');
    const second = await client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/w/2', region: 'eu-west-1' } });
    assert.equal(resultText(second), 'deployed /w/2 to eu-west-1');
    const granted = gw.decisions.find((event) => event.call.args.project_root === '/w/2')!;
    assert.equal(granted.decision.kind, 'allow', 'a granted call is recorded as allowed, not as a pending hold');
    const other = await gw.connect('app');
    const otherCall = other.callTool({ name: 'deploy_webapp', arguments: { project_root: '/w/3', region: 'eu-west-1' } });
    const [heldElsewhere] = await heldCalls((approval) => approval.arguments.project_root === '/w/3');
    await gw.gateway.approvals.refuse(heldElsewhere.id, 'no');
    assert.equal((await otherCall).isError, true, 'another session is still held, and refused');
  });

  test('a condition can hold a call; other arguments pass', async () => {
    const client = await gw.connect('app');
    assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'fine' } })), 'fine');
    assert.deepEqual(await gw.gateway.approvals.list(), [], 'the other arguments were not held');
    const call = client.callTool({ name: 'echo', arguments: { text: 'needs a person' } });
    const [held] = await heldCalls((approval) => approval.tool === 'echo');
    assert.equal(held.rule, 'echo');
    await gw.gateway.approvals.approve(held.id);
    assert.equal(resultText(await call), 'needs a person');
  });

  test('a call cancelled while held is abandoned', async () => {
    const client = await gw.connect('app');
    const controller = new AbortController();
    const call = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/cancel', region: 'eu-west-1' } }, { signal: controller.signal });
    const [held] = await heldCalls((approval) => approval.arguments.project_root === '/cancel');
    controller.abort('changed my mind');
    await assert.rejects(call);
    const closed = await eventually(
      async () => {
        const approval = await gw.gateway.approvals.get(held.id);
        return approval?.status === 'abandoned' ? approval : undefined;
      },
      5000,
      'the cancelled hold to be closed as abandoned',
    );
    assert.match(closed.reason!, /cancelled/);
    await assert.rejects(gw.gateway.approvals.approve(held.id), /already abandoned/);
    assert.deepEqual((await auditRecords('deploy_webapp')).map((record) => record.decision), ['abandoned']);
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile), []);
  });

  test("via elicitation: the agent's own user is asked through the client", async () => {
    const answers: Array<{ approve: boolean }> = [{ approve: true }, { approve: false }];
    const asked: string[] = [];
    const client = new Client({ name: 'with-user', version: '1' }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(String(request.params.message));
      return { action: 'accept', content: answers.shift()! };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url('app'))));
    try {
      const yes = await client.callTool({ name: 'build_and_push_image_to_ecr', arguments: { app_name: 'web', app_path: '/w' } });
      assert.equal(resultText(yes), 'pushed web');
      assert.match(asked[0], /"build_and_push_image_to_ecr".*"app_path": "\/w"/s);
      const no = await client.callTool({ name: 'build_and_push_image_to_ecr', arguments: { app_name: 'web2', app_path: '/w' } });
      assert.equal(no.isError, true);
      assert.match(resultText(no), /the agent's user \(elicitation\) refused it: the user did not allow it/);
      const decided = (await gw.gateway.approvals.list()).filter((approval) => approval.tool === 'build_and_push_image_to_ecr');
      assert.deepEqual(decided.map((approval) => approval.status).sort(), ['approved', 'refused']);
      await upstreamCaughtUp(client);
      assert.deepEqual(
        receivedMessages(gw.recordFile).filter((entry) => entry.message.method === 'tools/call').map((entry) => entry.message.params?.arguments),
        [{ app_name: 'web', app_path: '/w' }],
        'only the approved call arrived',
      );
    } finally {
      await client.close();
    }
  });
});

describe('approvals outlive the process that held them', () => {
  test('a restart closes the holds of a process that is gone as abandoned, with the reason', async () => {
    const { SqliteApprovalStore } = await import('../../src/approvals/approval-store.js');
    const { ApprovalHub } = await import('../../src/approvals/approval-hub.js');
    const { pino } = await import('pino');
    const { hostname } = await import('node:os');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'toolgate-approvals-')), 'approvals.sqlite');
    const store = new SqliteApprovalStore(file, { now: Date.now });
    const base: Omit<Approval, 'id' | 'heldBy'> = { server: 's', tool: 't', arguments: { a: 1 }, requestId: 1, rule: 't', createdAt: 1, expiresAt: Date.now() + 60_000, status: 'pending' };
    await store.insert({ ...base, id: 'gone', heldBy: `${hostname()}:999999` });
    await store.insert({ ...base, id: 'alive', heldBy: `${hostname()}:${process.ppid}` });
    await store.insert({ ...base, id: 'elsewhere', heldBy: 'another-host:1' });
    await store.close();
    const hub = new ApprovalHub({ store: new SqliteApprovalStore(file, { now: Date.now }), log: pino({ level: 'silent' }) });
    try {
      const gone = await eventually(
        async () => {
          const approval = await hub.get('gone');
          return approval?.status === 'abandoned' ? approval : undefined;
        },
        5000,
        "the hold of the gone process to be closed as abandoned",
      );
      assert.match(gone.reason!, /gateway restarted/);
      assert.equal((await hub.get('alive'))!.status, 'pending', 'a live process keeps its holds');
      assert.equal((await hub.get('elsewhere'))!.status, 'pending', 'another machine keeps its holds');
      const decided = await hub.approve('alive', { approver: 'bob' });
      assert.equal(decided.status, 'approved', 'a hold of another live process is decided in the shared store; its holder forwards the call');
      assert.equal((await hub.get('alive'))!.decidedBy, 'bob');
      await assert.rejects(hub.approve('gone'), /already abandoned/);
    } finally {
      await hub.close();
    }
  });
});
