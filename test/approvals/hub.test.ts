/**
 * ApprovalHub over a store shared by several processes (here: two hubs on two connections to
 * one SQLite file, as a `toolgate stdio` and a `toolgate serve` would be): a decision made by
 * either reaches the call the other holds, and a store that fails never loses a decision.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { ApprovalHub, type HoldRequest } from '../../src/approvals/approval-hub.js';
import { SqliteApprovalStore } from '../../src/approvals/approval-store.js';
import { tempDir } from '../helpers/harness.js';
import { lockDatabase } from '../security/gateway-process.js';
import { manualClock } from '../store/clock.js';

const T0 = Date.UTC(2026, 4, 1, 9, 0, 0);
const log = pino({ level: process.env.TOOLGATE_TEST_LOG ?? 'silent' });

const request = (overrides: Partial<HoldRequest> = {}): HoldRequest => ({
  server: 'app',
  tool: 'deploy_webapp',
  arguments: { project_root: '/srv/site' },
  session: 'session-1',
  requestId: 1,
  rule: 'deploy_webapp',
  timeoutMs: 600_000,
  ...overrides,
});

/** Two hubs sharing one approvals file; the holder looks at the store every 20 ms. */
function twoProcesses() {
  const file = join(tempDir(), 'approvals.sqlite');
  const clock = manualClock(T0);
  const holder = new ApprovalHub({ store: new SqliteApprovalStore(file, { now: clock.now }), log, now: clock.now, pollEveryMs: 20 });
  const other = new ApprovalHub({ store: new SqliteApprovalStore(file, { now: clock.now }), log, now: clock.now, pollEveryMs: 20 });
  return { file, clock, holder, other, close: () => Promise.all([holder.close(), other.close()]) };
}

describe('ApprovalHub: decisions made in another process', () => {
  test('approved elsewhere for the session: the holder forwards, and grants the tool to the session', async () => {
    const { clock, holder, other, close } = twoProcesses();
    try {
      const { approval, outcome } = await holder.hold(request());
      const seen: string[] = [];
      holder.subscribe((changed) => seen.push(changed.status));
      const decided = await other.approve(approval.id, { scope: 'session', minutes: 10, approver: 'alice' });
      assert.equal(decided.decidedBy, 'alice');
      const result = await outcome;
      assert.equal(result.approved, true);
      assert.deepEqual(result.approval, decided);
      assert.deepEqual(seen, ['approved'], "the holder's listeners (its dashboard) hear of it once");
      assert.equal(holder.pendingCount, 0);
      assert.equal(holder.isGranted('app', 'deploy_webapp', 'session-1'), true, 'the grant lives where the session is');
      clock.advance(11 * 60_000);
      assert.equal(holder.isGranted('app', 'deploy_webapp', 'session-1'), false);
    } finally {
      await close();
    }
  });

  test('refused elsewhere: the holder gets the reason; a second decision is refused naming the first', async () => {
    const { holder, other, close } = twoProcesses();
    try {
      const { approval, outcome } = await holder.hold(request());
      await other.refuse(approval.id, 'Not today.', 'bob');
      const result = await outcome;
      assert.equal(result.approved, false);
      assert.equal(result.approval.reason, 'Not today.');
      await assert.rejects(holder.approve(approval.id), /already refused \(by bob\)/);
    } finally {
      await close();
    }
  });

  test('a person deciding while the file is locked gets a store error, and the call stays held until a decision is stored', async () => {
    const { file, holder, close } = twoProcesses();
    try {
      const { approval, outcome } = await holder.hold(request());
      const lock = lockDatabase(file);
      try {
        await assert.rejects(holder.approve(approval.id, { approver: 'alice' }), (error: Error & { code?: string }) => {
          assert.equal(error.code, 'store_error');
          assert.match(error.message, /approvals\.sqlite.*locked/);
          return true;
        });
        assert.equal(holder.pendingCount, 1, 'still held: an approval that is not recorded releases nothing');
      } finally {
        lock.release();
      }
      await holder.approve(approval.id, { approver: 'alice' });
      assert.equal((await outcome).approved, true);
    } finally {
      await close();
    }
  });
});
