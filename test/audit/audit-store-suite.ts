/**
 * The behaviour every AuditStore must have, run against each backend (SQLite and PostgreSQL).
 * The clock is a parameter; nothing here sleeps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/record.js';
import type { AuditOp, AuditStore } from '../../src/audit/store.js';
import { DAY, record, T0 } from './builders.js';

const add = (...records: ReturnType<typeof record>[]): AuditOp[] => records.map((r) => ({ op: 'add', record: r }));
const strip = ({ id: _id, ...rest }: AuditRecord) => rest;

export function auditStoreSuite(name: string, makeStore: () => AuditStore | Promise<AuditStore>): void {
  async function withStore(fn: (store: AuditStore) => Promise<void>): Promise<void> {
    const store = await makeStore();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`AuditStore: ${name}`, () => {
    test('stores records as given and numbers them in commit order', () =>
      withStore(async (store) => {
        const first = record({ rateLimit: { max: 5, windowMs: 60_000, scope: 'session', remaining: 4, retryAfterMs: 0 }, argsKeys: ['a', 'b'], argsSha256: 'ab'.repeat(32) });
        const second = record({ decision: 'invalid_arguments', policyDecision: 'invalid', forwarded: false, issues: [{ path: '/region', message: 'is required' }], session: null, args: { a: 1, nested: { b: [true, null] } } });
        await store.apply(add(first, second));
        const got = await store.query({});
        assert.deepEqual(got.map(strip), [first, second]);
        assert.ok(got[0].id > 0 && got[1].id > got[0].id);
      }));

    test('replaying a batch changes nothing: add ignores a known uid, set writes absolute values', () =>
      withStore(async (store) => {
        const r = record();
        const batch: AuditOp[] = [...add(r), { op: 'set', uid: r.uid, fields: { outcome: 'result', upstreamMs: 4.5 } }];
        await store.apply(batch);
        const once = await store.query({});
        await store.apply(batch);
        await store.apply(batch.slice(0, 1));
        assert.deepEqual(await store.query({}), once);
        assert.equal(once.length, 1);
        assert.equal(once[0].upstreamMs, 4.5);
      }));

    test('set changes only the fields it names', () =>
      withStore(async (store) => {
        const r = record({ reason: 'kept' });
        await store.apply(add(r));
        await store.apply([{ op: 'set', uid: r.uid, fields: { decision: 'upstream_error', outcome: 'upstream_error', errorType: '-32010', errorMessage: 'upstream died', upstreamMs: 12 } }]);
        const [got] = await store.query({});
        assert.deepEqual(strip(got), { ...r, decision: 'upstream_error', outcome: 'upstream_error', errorType: '-32010', errorMessage: 'upstream died', upstreamMs: 12 });
      }));

    test('a batch is all or nothing', () =>
      withStore(async (store) => {
        const broken = { ...record(), server: null } as unknown as ReturnType<typeof record>;
        await assert.rejects(store.apply(add(record(), broken)), (e: Error & { code?: string }) => e.code === 'store_error');
        assert.deepEqual(await store.query({}), []);
      }));

    test('filters: server and tool globs, decisions, since, after id, newest N', () =>
      withStore(async (store) => {
        await store.apply(
          add(
            record({ server: 'aws-ecs', tool: 'delete_app', decision: 'denied', time: T0 }),
            record({ server: 'aws-ecs', tool: 'list_apps', decision: 'allowed', time: T0 + 1000 }),
            record({ server: 'github', tool: 'delete_repo', decision: 'rate_limited', time: T0 + 2000 }),
            record({ server: 'github', tool: 'get_issue', decision: 'allowed', time: T0 + 3000 }),
          ),
        );
        const tools = async (q: Parameters<AuditStore['query']>[0]) => (await store.query(q)).map((r) => r.tool);
        assert.deepEqual(await tools({ server: 'aws-ecs' }), ['delete_app', 'list_apps']);
        assert.deepEqual(await tools({ tool: 'delete_*' }), ['delete_app', 'delete_repo']);
        assert.deepEqual(await tools({ server: 'git*', tool: 'get_?ssue' }), ['get_issue']);
        assert.deepEqual(await tools({ decisions: ['denied', 'rate_limited'] }), ['delete_app', 'delete_repo']);
        assert.deepEqual(await tools({ since: T0 + 1500 }), ['delete_repo', 'get_issue']);
        assert.deepEqual(await tools({ limit: 2, newest: true }), ['delete_repo', 'get_issue']);
        assert.deepEqual(await tools({ limit: 1 }), ['delete_app']);
        const all = await store.query({});
        assert.deepEqual(await tools({ afterId: all[1].id }), ['delete_repo', 'get_issue']);
        assert.deepEqual(await tools({ server: 'nope' }), []);
      }));

    test('filters: agent glob', () =>
      withStore(async (store) => {
        await store.apply(add(record({ tool: 'a', agent: 'ci-bot' }), record({ tool: 'b', agent: 'alice' }), record({ tool: 'c', agent: null }), record({ tool: 'd', agent: 'ci-runner' })));
        assert.deepEqual((await store.query({ agent: 'ci-*' })).map((r) => r.tool), ['a', 'd']);
        assert.deepEqual((await store.query({ agent: 'alice' })).map((r) => r.tool), ['b']);
      }));

    test('follow: the records of the query, then each record added since, once, with the same filter', () =>
      withStore(async (store) => {
        await store.apply(add(record({ tool: 'old_1' }), record({ tool: 'old_2' }), record({ tool: 'old_3', server: 'other' })));
        const tools = (records: AuditRecord[]) => records.map((r) => r.tool);
        let { records, cursor } = await store.follow({ server: 'app', limit: 1, newest: true });
        assert.deepEqual(tools(records), ['old_2']);
        ({ records, cursor } = await store.follow({ server: 'app', limit: 1, newest: true }, cursor));
        assert.deepEqual(records, [], 'nothing new');
        await store.apply(add(record({ tool: 'new_1' }), record({ tool: 'new_2', server: 'other' }), record({ tool: 'new_3' })));
        ({ records, cursor } = await store.follow({ server: 'app', limit: 1, newest: true }, cursor));
        assert.deepEqual(tools(records), ['new_1', 'new_3'], 'every new record, the limit aside');
        ({ records, cursor } = await store.follow({ server: 'app' }, cursor));
        assert.deepEqual(records, [], 'none twice');
        const empty = await store.follow({ server: 'nothing-yet' });
        assert.deepEqual(empty.records, []);
        await store.apply(add(record({ server: 'nothing-yet', tool: 'first' })));
        assert.deepEqual(tools((await store.follow({ server: 'nothing-yet' }, empty.cursor)).records), ['first']);
      }));

    test('retention by age deletes records older than max_age, a chunk at a time', () =>
      withStore(async (store) => {
        await store.apply(add(...[40, 35, 31, 29, 1].map((days) => record({ time: T0 - days * DAY, reason: `${days}d` }))));
        const retention = { maxAgeMs: 30 * DAY, maxRows: 1000 };
        assert.equal(await store.prune(retention, T0, 2), 2);
        assert.equal(await store.prune(retention, T0, 2), 1);
        assert.equal(await store.prune(retention, T0, 2), 0);
        assert.deepEqual((await store.query({})).map((r) => r.reason), ['29d', '1d']);
      }));

    test('retention by size keeps the newest max_rows, and ids are never reused', () =>
      withStore(async (store) => {
        await store.apply(add(...Array.from({ length: 10 }, (_, i) => record({ reason: `r${i}` }))));
        const before = await store.query({});
        assert.equal(await store.prune({ maxAgeMs: 365 * DAY, maxRows: 3 }, T0, 100), 7);
        const kept = await store.query({});
        assert.deepEqual(kept.map((r) => r.reason), ['r7', 'r8', 'r9']);
        assert.equal(await store.prune({ maxAgeMs: 365 * DAY, maxRows: 0 }, T0, 100), 3);
        await store.apply(add(record({ reason: 'after' })));
        const [after] = await store.query({});
        assert.ok(after.id > before[9].id, `id ${after.id} reused (last was ${before[9].id})`);
      }));
  });
}
