/**
 * The approval stores: the shared suite against memory and SQLite, then what only the SQLite
 * store does — several processes on one file (a `toolgate stdio` holding, the CLI deciding),
 * holds surviving a restart.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SqliteApprovalStore } from '../../src/approvals/approval-store.js';
import { MemoryApprovalStore } from '../../src/approvals/memory-approval-store.js';
import { tempDir } from '../helpers/harness.js';
import { approvalStoreSuite, held, T0 } from './approval-store-suite.js';

approvalStoreSuite('memory', (now) => new MemoryApprovalStore({ now }));
approvalStoreSuite('SQLite', (now) => new SqliteApprovalStore(join(tempDir(), 'state', 'approvals.sqlite'), { now }));

describe('SqliteApprovalStore', () => {
  test('two connections on one file: a decision made through one is what the other sees, and only one of two racing decisions is stored', async () => {
    const file = join(tempDir(), 'approvals.sqlite');
    const holder = new SqliteApprovalStore(file, { now: () => T0 });
    const decider = new SqliteApprovalStore(file, { now: () => T0 + 5_000, fileMustExist: true });
    try {
      const [a, b] = [held(), held()];
      await holder.insert(a);
      await holder.insert(b);
      assert.equal((await decider.decide(a.id, { status: 'approved', decidedBy: 'cli' })).decided, true);
      assert.deepEqual(
        (await holder.decidedAmong([a.id, b.id])).map((approval) => [approval.id, approval.status, approval.decidedAt]),
        [[a.id, 'approved', T0 + 5_000]],
      );
      const [fromHolder, fromDecider] = await Promise.all([
        holder.decide(b.id, { status: 'expired', decidedBy: 'toolgate', reason: 'nobody answered' }),
        decider.decide(b.id, { status: 'refused', decidedBy: 'bob', reason: 'no' }),
      ]);
      assert.equal(Number(fromHolder.decided) + Number(fromDecider.decided), 1);
      assert.deepEqual(fromHolder.approval, fromDecider.approval);
    } finally {
      await holder.close();
      await decider.close();
    }
  });

  test('holds survive reopening the file; a missing file is refused when it must exist', async () => {
    const file = join(tempDir(), 'state', 'approvals.sqlite');
    const first = new SqliteApprovalStore(file, { now: () => T0 });
    const approval = held();
    await first.insert(approval);
    await first.close();
    const second = new SqliteApprovalStore(file, { now: () => T0, fileMustExist: true });
    assert.deepEqual(await second.get(approval.id), approval);
    await second.close();
    assert.throws(() => new SqliteApprovalStore(join(tempDir(), 'nope.sqlite'), { now: () => T0, fileMustExist: true }), /cannot open the approvals file .*nope\.sqlite/);
  });
});
