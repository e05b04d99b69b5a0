/**
 * What the dashboard's AuditReader must answer, run against each backend (SQLite and PostgreSQL):
 * the same records written through the backend's store, the same answers expected from the
 * reader — search with every filter and paging, export, counts, timeline, agents and sessions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditRecord, NewAuditRecord } from '../../src/audit/record.js';
import { iterateAudit, searchAudit, type AuditReader, type AuditSearch } from '../../src/audit/reader.js';
import type { AuditStore } from '../../src/audit/store.js';
import { record, T0 } from './builders.js';

export interface ReaderBackend {
  store: AuditStore;
  reader: AuditReader;
  /** Closes both and removes what the backend made (a file, a database). */
  close(): Promise<void>;
}

const MIN = 60_000;

/** Eight calls over an hour and a bit, numbered in the order they are written. */
export const CALLS: readonly NewAuditRecord[] = [
  record({ time: T0, server: 'app', tool: 'echo', agent: 'alice', session: 's1', decision: 'allowed' }),
  record({ time: T0 + MIN, server: 'app', tool: 'delete_app', agent: 'alice', session: 's1', decision: 'denied', reason: 'Apps are deleted by the Platform team (100% of the time).' }),
  record({ time: T0 + 2 * MIN, server: 'app', tool: 'echo', agent: 'bob', session: 's2', decision: 'rate_limited', reason: 'rate limit: 5 per 60s' }),
  record({ time: T0 + 3 * MIN, server: 'db', tool: 'query', agent: 'bob', session: 's2', decision: 'upstream_error', errorMessage: 'upstream said: Connection RESET' }),
  record({ time: T0 + 4 * MIN, server: 'db', tool: 'drop', agent: null, session: 's3', decision: 'approval_pending', reason: 'needs_approval\\by ops' }),
  record({ time: T0 + 5 * MIN, server: 'app', tool: 'echo', agent: 'alice', session: 's4', decision: 'allowed', reason: 'Ünïcode Straße' }),
  record({ time: T0 + 65 * MIN, server: 'app', tool: 'delete_app', agent: 'carol', session: null, decision: 'monitor_would_refuse', reason: 'would deny: platform TEAM' }),
  record({ time: T0 + 66 * MIN, server: 'db', tool: 'query', agent: 'alice', session: 's1', decision: 'invalid_arguments', reason: '1_0 sample' }),
];

/** The call numbers (1-based, as written) of records, to compare with the table above. */
export const numbers = (records: readonly AuditRecord[]): number[] => records.map((r) => CALLS.findIndex((c) => c.uid === r.uid) + 1);

export function auditReaderSuite(name: string, makeBackend: () => Promise<ReaderBackend>): void {
  async function withCalls(fn: (reader: AuditReader) => Promise<void>): Promise<void> {
    const backend = await makeBackend();
    try {
      await backend.store.apply(CALLS.map((r) => ({ op: 'add', record: r })));
      await fn(backend.reader);
    } finally {
      await backend.close();
    }
  }

  describe(`AuditReader: ${name}`, () => {
    test('search: every filter, newest first', () =>
      withCalls(async (reader) => {
        const found = async (filter: Omit<AuditSearch, 'limit'>) => numbers(await reader.records({ ...filter, limit: 100 }));
        for (const [filter, expected] of [
          [{}, [8, 7, 6, 5, 4, 3, 2, 1]],
          [{ server: 'app' }, [7, 6, 3, 2, 1]],
          [{ server: 'app', tool: 'echo' }, [6, 3, 1]],
          [{ tool: 'delete_*' }, []],
          [{ agent: 'alice' }, [8, 6, 2, 1]],
          [{ agent: 'nobody' }, []],
          [{ session: 's2' }, [4, 3]],
          [{ decisions: ['denied', 'monitor_would_refuse'] }, [7, 2]],
          [{ from: T0 + 2 * MIN, to: T0 + 5 * MIN }, [5, 4, 3]],
          [{ text: 'platform team' }, [7, 2]],
          [{ text: '100%' }, [2]],
          [{ text: '1_0' }, [8]],
          [{ text: '\\by' }, [5]],
          [{ text: 'connection reset' }, [4]],
          [{ text: 'Straße' }, [6]],
          [{ text: 'ünïcode' }, []],
          [{ text: 'Ünïcode' }, [6]],
          [{ text: "'; DROP TABLE audit; --" }, []],
          [{ server: 'app', text: 'TEAM', decisions: ['denied'], agent: 'alice', from: T0, to: T0 + 2 * MIN }, [2]],
        ] as const) {
          assert.deepEqual(await found(filter), expected, JSON.stringify(filter));
        }
        assert.equal((await reader.records({ limit: 100 }))[0].reason, '1_0 sample', 'the records as stored');
      }));

    test('search pages and the export go through every match once, newest first', () =>
      withCalls(async (reader) => {
        const first = await searchAudit(reader, { limit: 3 });
        assert.deepEqual(numbers(first.records), [8, 7, 6]);
        const second = await searchAudit(reader, { limit: 3, beforeId: first.nextBeforeId! });
        assert.deepEqual(numbers(second.records), [5, 4, 3]);
        const last = await searchAudit(reader, { limit: 3, beforeId: second.nextBeforeId! });
        assert.deepEqual(numbers(last.records), [2, 1]);
        assert.equal(last.nextBeforeId, null);
        const exported: AuditRecord[] = [];
        for await (const r of iterateAudit(reader, { server: 'app', limit: 4 })) exported.push(r);
        assert.deepEqual(numbers(exported), [7, 6, 3, 2]);
      }));

    test('counts by class: monitor refusals and upstream errors were forwarded, holds are held', () =>
      withCalls(async (reader) => {
        assert.deepEqual(await reader.counts({}), { allowed: 4, refused: 3, held: 1, total: 8 });
        assert.deepEqual(await reader.counts({ server: 'app' }), { allowed: 3, refused: 2, held: 0, total: 5 });
        assert.deepEqual(await reader.counts({ agent: 'alice', from: T0 + 10 * MIN }), { allowed: 0, refused: 1, held: 0, total: 1 });
        assert.deepEqual(await reader.counts({ agent: 'nobody' }), { allowed: 0, refused: 0, held: 0, total: 0 });
      }));

    test('timeline: per server and whole bucket from since', () =>
      withCalls(async (reader) => {
        assert.deepEqual(await reader.timeline(T0, 30 * MIN), [
          { start: T0, server: 'app', allowed: 2, refused: 2, held: 0 },
          { start: T0, server: 'db', allowed: 1, refused: 0, held: 1 },
          { start: T0 + 60 * MIN, server: 'app', allowed: 1, refused: 0, held: 0 },
          { start: T0 + 60 * MIN, server: 'db', allowed: 0, refused: 1, held: 0 },
        ]);
        assert.deepEqual(await reader.timeline(T0 + 4 * MIN, 60 * MIN), [
          { start: T0 + 4 * MIN, server: 'app', allowed: 1, refused: 0, held: 0 },
          { start: T0 + 4 * MIN, server: 'db', allowed: 0, refused: 0, held: 1 },
          { start: T0 + 64 * MIN, server: 'app', allowed: 1, refused: 0, held: 0 },
          { start: T0 + 64 * MIN, server: 'db', allowed: 0, refused: 1, held: 0 },
        ]);
        assert.deepEqual(await reader.timeline(T0 + 70 * MIN, MIN), []);
      }));

    test('agents and their sessions, most recent first, bounded', () =>
      withCalls(async (reader) => {
        assert.deepEqual(await reader.agents(T0, 10), [
          { agent: 'alice', calls: 4, refused: 2, last: T0 + 66 * MIN },
          { agent: 'carol', calls: 1, refused: 0, last: T0 + 65 * MIN },
          { agent: 'bob', calls: 2, refused: 1, last: T0 + 3 * MIN },
        ]);
        assert.deepEqual(await reader.agents(T0 + 10 * MIN, 1), [{ agent: 'alice', calls: 1, refused: 1, last: T0 + 66 * MIN }]);
        assert.deepEqual(await reader.sessionsOf('alice', 10), [
          { session: 's1', calls: 3, last: T0 + 66 * MIN },
          { session: 's4', calls: 1, last: T0 + 5 * MIN },
        ]);
        assert.deepEqual(await reader.sessionsOf('carol', 10), [], 'a call without a session');
      }));

    test('an empty trail answers empty', async () => {
      const backend = await makeBackend();
      try {
        assert.deepEqual(await backend.reader.records({ limit: 10 }), []);
        assert.deepEqual(await backend.reader.timeline(T0, MIN), []);
        assert.deepEqual(await backend.reader.agents(T0, 10), []);
        assert.deepEqual(await backend.reader.counts({}), { allowed: 0, refused: 0, held: 0, total: 0 });
      } finally {
        await backend.close();
      }
    });
  });
}
