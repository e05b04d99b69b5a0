/**
 * The behaviour every ApprovalStore shares, run against each implementation (memory, SQLite):
 * holds go in and come out as they went in, a pending approval is decided exactly once whoever
 * decides first, a holder can ask which of its holds were decided, holds of gone processes are
 * closed as abandoned. Every time recorded comes from the clock the store was opened with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApprovalStore } from '../../src/approvals/approval-store.js';
import type { Approval } from '../../src/approvals/types.js';
import { manualClock } from '../store/clock.js';

export const T0 = Date.UTC(2026, 4, 1, 9, 0, 0);

let count = 0;

/** A pending hold; each call gets a new id, created a second after the previous one. */
export function held(overrides: Partial<Approval> = {}): Approval {
  count++;
  return {
    id: `approval-${count}`,
    server: 'app',
    tool: 'deploy_webapp',
    arguments: { project_root: '/srv/site', region: 'eu-west-1', replicas: 3 },
    session: 'session-1',
    requestId: count,
    rule: 'deploy_webapp',
    category: 'Execute',
    risk: 'High',
    createdAt: T0 + count * 1000,
    expiresAt: T0 + count * 1000 + 600_000,
    status: 'pending',
    heldBy: 'host:1',
    ...overrides,
  };
}

export function approvalStoreSuite(name: string, open: (now: () => number) => ApprovalStore): void {
  const opened = () => {
    const clock = manualClock(T0);
    return { store: open(clock.now), clock };
  };

  describe(`ApprovalStore: ${name}`, () => {
    test('a hold comes out as it went in; the store keeps its own copy', async () => {
      const { store } = opened();
      const approval = held();
      await store.insert(approval);
      assert.deepEqual(await store.get(approval.id), approval);
      approval.arguments.region = 'changed by the caller';
      const copy = (await store.get(approval.id))!;
      assert.equal(copy.arguments.region, 'eu-west-1');
      copy.status = 'approved';
      assert.equal((await store.get(approval.id))!.status, 'pending');
      assert.equal(await store.get('no-such-id'), undefined);
      await store.close();
    });

    test('the same id cannot be inserted twice', async () => {
      const { store } = opened();
      const approval = held();
      await store.insert(approval);
      await assert.rejects(store.insert({ ...approval, tool: 'other' }), (error: Error & { code?: string }) => error.code === 'store_error');
      assert.equal((await store.get(approval.id))!.tool, 'deploy_webapp');
      await store.close();
    });

    test('list: newest first, by status, within the limit', async () => {
      const { store, clock } = opened();
      const [a, b, c] = [held(), held(), held()];
      for (const approval of [a, b, c]) await store.insert(approval);
      clock.set(T0 + 99_000);
      await store.decide(b.id, { status: 'refused', decidedBy: 'bob', reason: 'no' });
      assert.deepEqual((await store.list()).map((approval) => approval.id), [c.id, b.id, a.id]);
      assert.deepEqual((await store.list({ status: 'pending' })).map((approval) => approval.id), [c.id, a.id]);
      assert.deepEqual((await store.list({ status: 'refused' })).map((approval) => approval.id), [b.id]);
      assert.deepEqual((await store.list({ limit: 1 })).map((approval) => approval.id), [c.id]);
      assert.equal((await store.list({ limit: 0 })).length, 1, 'a limit below 1 lists one');
      await store.close();
    });

    test('decide: the first decision wins and is stamped with the store clock; later ones see it', async () => {
      const { store, clock } = opened();
      const approval = held();
      await store.insert(approval);
      clock.set(T0 + 42_000);
      const grant = { scope: 'session' as const, until: T0 + 42_000 + 30 * 60_000 };
      const first = await store.decide(approval.id, { status: 'approved', decidedBy: 'alice', grant });
      assert.equal(first.decided, true);
      assert.deepEqual(first.approval, { ...approval, status: 'approved', decidedBy: 'alice', decidedAt: T0 + 42_000, grant });
      assert.deepEqual(await store.get(approval.id), first.approval);

      clock.set(T0 + 50_000);
      const second = await store.decide(approval.id, { status: 'expired', decidedBy: 'toolgate', reason: 'nobody answered within 600s' });
      assert.deepEqual(second, { decided: false, approval: first.approval }, 'a later decision changes nothing and says how it stands');
      assert.deepEqual(await store.decide('no-such-id', { status: 'refused', decidedBy: 'bob', reason: 'no' }), { decided: false, approval: undefined });
      await store.close();
    });

    test('decide: of several decisions racing for one hold, exactly one is stored', async () => {
      const { store } = opened();
      const approval = held();
      await store.insert(approval);
      const results = await Promise.all([
        store.decide(approval.id, { status: 'approved', decidedBy: 'alice' }),
        store.decide(approval.id, { status: 'refused', decidedBy: 'bob', reason: 'no' }),
        store.decide(approval.id, { status: 'abandoned', decidedBy: 'toolgate', reason: 'the agent left' }),
      ]);
      const winners = results.filter((result) => result.decided);
      assert.equal(winners.length, 1);
      const stored = (await store.get(approval.id))!;
      assert.deepEqual(stored, winners[0].approval);
      for (const result of results) assert.deepEqual(result.approval, stored);
      await store.close();
    });

    test('decidedAmong: which of the given holds are decided; unknown ids are left out', async () => {
      const { store } = opened();
      const [a, b, c] = [held(), held(), held()];
      for (const approval of [a, b, c]) await store.insert(approval);
      assert.deepEqual(await store.decidedAmong([a.id, b.id, c.id]), []);
      await store.decide(b.id, { status: 'refused', decidedBy: 'bob', reason: 'no' });
      await store.decide(c.id, { status: 'approved', decidedBy: 'cli' });
      const decided = await store.decidedAmong([a.id, b.id, 'no-such-id']);
      assert.deepEqual(decided.map((approval) => [approval.id, approval.status, approval.decidedBy]), [[b.id, 'refused', 'bob']]);
      assert.deepEqual(await store.decidedAmong([]), []);
      await store.close();
    });

    test('addNotification appends how each channel went', async () => {
      const { store } = opened();
      const approval = held();
      await store.insert(approval);
      await store.addNotification(approval.id, { channel: 'webhook', ok: false, attempts: 4, error: 'HTTP 500' });
      const updated = await store.addNotification(approval.id, { channel: 'webhook', ok: true, attempts: 1 });
      assert.deepEqual(updated?.notified, [
        { channel: 'webhook', ok: false, attempts: 4, error: 'HTTP 500' },
        { channel: 'webhook', ok: true, attempts: 1 },
      ]);
      assert.deepEqual((await store.get(approval.id))!.notified, updated?.notified);
      assert.equal(await store.addNotification('no-such-id', { channel: 'webhook', ok: true, attempts: 1 }), undefined);
      await store.close();
    });

    test('abandonPending closes the pending holds picked as orphans, with the reason, as of the store clock', async () => {
      const { store, clock } = opened();
      const orphan = held({ heldBy: 'host:gone' });
      const live = held({ heldBy: 'host:alive' });
      const decidedOrphan = held({ heldBy: 'host:gone' });
      for (const approval of [orphan, live, decidedOrphan]) await store.insert(approval);
      await store.decide(decidedOrphan.id, { status: 'approved', decidedBy: 'alice' });
      clock.set(T0 + 7_000);
      const closed = await store.abandonPending('the gateway restarted', (approval) => approval.heldBy === 'host:gone');
      assert.deepEqual(closed, [{ ...orphan, status: 'abandoned', decidedBy: 'toolgate', decidedAt: T0 + 7_000, reason: 'the gateway restarted' }]);
      assert.deepEqual(await store.get(orphan.id), closed[0]);
      assert.equal((await store.get(live.id))!.status, 'pending');
      assert.equal((await store.get(decidedOrphan.id))!.status, 'approved', 'a decided hold is left as it is');
      await store.close();
    });
  });
}
