/**
 * The approval endpoints against the gateway's real approval service (SQLite in data_dir): a
 * call is held through the service itself, then seen and decided over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type StartedGateway } from '../helpers/harness.js';
import { adminFetch, openEvents } from './helpers.js';

describe('admin API: approvals', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway('servers:\n  app: $RECORDING\n');
  });
  after(() => gw.close());

  const hold = (tool: string, session: string | null = 'sess-1') =>
    gw.gateway.approvals.hold({ server: 'app', tool, arguments: { project_root: '/srv/app', region: 'eu-west-1' }, session: session ?? undefined, requestId: 7, rule: tool, category: 'Execute', risk: 'High', timeoutMs: 60_000 });

  test('a held call is listed with its arguments, and approving it once releases it', async () => {
    const events = await openEvents(gw);
    try {
      const { approval, outcome } = await hold('deploy_webapp');
      const live = await events.next((e) => e.event === 'approval' && e.data.id === approval.id);
      assert.equal(live.data.status, 'pending');

      const pending = await adminFetch(gw, 'approvals?status=pending');
      assert.equal(pending.status, 200);
      const listed = pending.body.find((a: { id: string }) => a.id === approval.id);
      assert.deepEqual(listed.arguments, { project_root: '/srv/app', region: 'eu-west-1' });
      assert.equal(listed.category, 'Execute');
      assert.equal(listed.risk, 'High');
      assert.ok(listed.expiresAt > Date.now());
      assert.equal((await adminFetch(gw, `approvals/${approval.id}`)).body.id, approval.id);

      const approved = await adminFetch(gw, `approvals/${approval.id}/approve`, { method: 'POST', body: { scope: 'once', approver: 'alice' } });
      assert.equal(approved.status, 200);
      assert.equal(approved.body.status, 'approved');
      assert.equal(approved.body.decidedBy, 'alice');
      const result = await outcome;
      assert.equal(result.approved, true);
      await events.next((e) => e.event === 'approval' && e.data.id === approval.id && e.data.status === 'approved');

      const again = await adminFetch(gw, `approvals/${approval.id}/refuse`, { method: 'POST', body: { reason: 'too late' } });
      assert.equal(again.status, 409);
      assert.match(again.body.message, /already approved \(by alice\)/);
    } finally {
      await events.close();
    }
  });

  test('approving for the session grants the tool to that session for the minutes given', async () => {
    const { approval, outcome } = await hold('deploy_webapp', 'sess-2');
    const before = Date.now();
    const res = await adminFetch(gw, `approvals/${approval.id}/approve`, { method: 'POST', body: { scope: 'session', minutes: 15 } });
    const after = Date.now();
    assert.equal(res.status, 200);
    assert.equal(res.body.decidedBy, 'api', 'a Bearer caller without a name is "api"');
    // 15 minutes from the moment of the decision, whenever within the request that was.
    assert.ok(res.body.grant.until >= before + 15 * 60_000 && res.body.grant.until <= after + 15 * 60_000, `grant until ${res.body.grant.until}`);
    assert.ok(res.body.decidedAt >= before && res.body.decidedAt <= after);
    assert.equal((await outcome).approved, true);
    assert.equal(gw.gateway.approvals.isGranted('app', 'deploy_webapp', 'sess-2'), true);
  });

  test('refusing needs a reason, which the waiting call receives', async () => {
    const { approval, outcome } = await hold('deploy_webapp');
    const noReason = await adminFetch(gw, `approvals/${approval.id}/refuse`, { method: 'POST', body: {} });
    assert.equal(noReason.status, 400);
    assert.match(noReason.body.message, /needs a reason/);
    const refused = await adminFetch(gw, `approvals/${approval.id}/refuse`, { method: 'POST', body: { reason: 'Deploy from the release branch.', approver: 'bob' } });
    assert.equal(refused.status, 200);
    const result = await outcome;
    assert.equal(result.approved, false);
    assert.equal(result.approval.reason, 'Deploy from the release branch.');
    assert.equal(result.approval.decidedBy, 'bob');
    const history = await adminFetch(gw, 'approvals?status=refused');
    assert.ok(history.body.some((a: { id: string }) => a.id === approval.id));
  });

  test('bad requests name the problem', async () => {
    const { approval } = await hold('deploy_webapp', null);
    const cases: Array<[string, unknown, number, RegExp]> = [
      [`approvals/${approval.id}/approve`, { scope: 'forever' }, 400, /scope must be "once" or "session"/],
      [`approvals/${approval.id}/approve`, { scope: 'session', minutes: 'ten' }, 400, /minutes must be a number/],
      [`approvals/${approval.id}/approve`, { scope: 'once', minutes: 5 }, 400, /minutes applies only to scope "session"/],
      [`approvals/${approval.id}/approve`, { scope: 'session', minutes: 10 }, 400, /no session/],
      [`approvals/${approval.id}/approve`, { scope: 'session', minutes: 100000 }, 400, /between 1 and/],
      [`approvals/${approval.id}/approve`, { approver: 42 }, 400, /approver must be a name/],
      ['approvals/not-an-id/approve', {}, 404, /No approval not-an-id/],
      [`approvals/${approval.id}/maybe`, {}, 404, /approve or .*refuse/],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await adminFetch(gw, path, { method: 'POST', body });
      assert.equal(res.status, status, `${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.match(`${res.body.message} ${res.body.hint ?? ''}`, message);
    }
    assert.equal((await adminFetch(gw, 'approvals?status=waiting')).status, 400);
    assert.equal((await adminFetch(gw, `approvals/${approval.id}/approve`)).status, 405);
    assert.equal((await adminFetch(gw, `approvals/${approval.id}/approve`, { method: 'POST', body: {} })).status, 200, 'still pending after the bad requests');
  });

  test('with the session cookie the decision is recorded as the dashboard, and only from this origin', async () => {
    const signIn = await adminFetch(gw, 'session', { token: null, method: 'POST', body: { token: gw.gateway.admin!.token.token } });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    const { approval } = await hold('deploy_webapp');
    const foreign = await adminFetch(gw, `approvals/${approval.id}/approve`, { token: null, method: 'POST', body: {}, headers: { cookie, origin: 'http://127.0.0.1:1' } });
    assert.equal(foreign.status, 401);
    const ok = await adminFetch(gw, `approvals/${approval.id}/approve`, { token: null, method: 'POST', body: {}, headers: { cookie, origin: gw.baseUrl } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.decidedBy, 'dashboard');
  });
});
