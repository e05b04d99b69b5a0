/**
 * The dashboard's audit readers: the shared suite on an SQLite file and on a PostgreSQL database
 * of its own per test, then both backends fed the same 2,500 generated records and asked the
 * same questions, which must get the same answers.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PostgresAuditReader } from '../../src/audit/postgres-reader.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import type { AuditDecision, AuditRecord, NewAuditRecord } from '../../src/audit/record.js';
import { iterateAudit, searchAudit, type AuditReader, type AuditSearch } from '../../src/audit/reader.js';
import { SqliteAuditReader } from '../../src/audit/sqlite-reader.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditStore } from '../../src/audit/store.js';
import { auditReaderSuite, type ReaderBackend } from './audit-reader-suite.js';
import { DAY, record, T0, tempDir } from './builders.js';
import { createDatabase } from './postgres.js';

/** Closes the reader, then the store, then removes what the backend made. */
const backend = (store: AuditStore, reader: AuditReader, remove: () => unknown): ReaderBackend => ({
  store,
  reader,
  async close() {
    await reader.close();
    await store.close();
    await remove();
  },
});

async function sqliteBackend(): Promise<ReaderBackend> {
  const dir = tempDir();
  const store = new SqliteAuditStore(join(dir, 'audit.sqlite'));
  return backend(store, new SqliteAuditReader(store.file), () => rmSync(dir, { recursive: true, force: true }));
}

async function postgresBackend(): Promise<ReaderBackend> {
  const database = await createDatabase();
  return backend(new PostgresAuditStore(database.url), new PostgresAuditReader(database.url), () => database.drop());
}

auditReaderSuite('SQLite', sqliteBackend);
auditReaderSuite('PostgreSQL', postgresBackend);

/** Deterministic, so a failure reproduces: xorshift32, its high bits picking. */
function generated(count: number): NewAuditRecord[] {
  let seed = 2_463_534_242;
  const pick = <T>(items: readonly T[]): T => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return items[Math.floor(((seed >>> 0) / 2 ** 32) * items.length)];
  };
  const decisions: AuditDecision[] = ['allowed', 'allowed', 'allowed', 'denied', 'rate_limited', 'invalid_arguments', 'monitor_would_refuse', 'upstream_error', 'approval_pending', 'approved', 'refused', 'expired', 'abandoned', 'over_budget', 'hidden'];
  const reasons = [null, 'Deletes need the Platform team', 'rate limit 5/min', '100% blocked', 'under_score', 'back\\slash', 'ÉCOLE fermée', 'école'];
  return Array.from({ length: count }, (_, i) =>
    record({
      time: T0 - 7 * DAY + i * 240_000 + pick([0, 1, 2, 3]) * 1000,
      server: pick(['app', 'db', 'github']),
      tool: pick(['echo', 'delete_app', 'query', 'get_issue']),
      agent: pick(['alice', 'bob', 'ci-bot', null]),
      session: pick(['s1', 's2', 's3', null]),
      decision: pick(decisions),
      reason: pick(reasons),
      errorMessage: pick([null, null, 'Connection RESET by upstream', 'timeout after 30s']),
    }),
  );
}

const withoutId = (records: AuditRecord[]) => records.map(({ id: _id, ...rest }) => rest);

async function answers(reader: AuditReader) {
  const filters: Array<Omit<AuditSearch, 'limit'>> = [
    {},
    { server: 'db' },
    { server: 'app', tool: 'echo' },
    { agent: 'ci-bot', decisions: ['denied', 'refused', 'over_budget'] },
    { session: 's2', from: T0 - 3 * DAY, to: T0 - DAY },
    { text: 'platform TEAM' },
    { text: '100%' },
    { text: 'r_s' },
    { text: '\\s' },
    { text: 'école' },
    { text: 'reset' },
    { decisions: ['approval_pending'], server: 'github' },
  ];
  const out: unknown[] = [];
  for (const filter of filters) {
    const exported: AuditRecord[] = [];
    for await (const r of iterateAudit(reader, { ...filter, limit: 100_000 })) exported.push(r);
    const pages: number[] = [];
    for (let page = await searchAudit(reader, { ...filter, limit: 150 }); ; page = await searchAudit(reader, { ...filter, limit: 150, beforeId: page.nextBeforeId! })) {
      pages.push(page.records.length);
      if (page.nextBeforeId === null) break;
    }
    out.push({ filter, exported: withoutId(exported), pages, counts: await reader.counts(filter) });
  }
  for (const [since, bucketMs] of [[T0 - 7 * DAY, 4 * 3_600_000], [T0 - DAY, 1_800_000], [T0 - 3 * 3_600_000, 60_000]]) out.push(await reader.timeline(since, bucketMs));
  out.push(await reader.agents(T0 - 7 * DAY, 200), await reader.agents(T0 - DAY, 2));
  for (const agent of ['alice', 'ci-bot', 'nobody']) out.push(await reader.sessionsOf(agent, 50));
  return out;
}

test('SQLite and PostgreSQL fed the same 2,500 records give the same answers', async () => {
  const calls = generated(2500).map((r) => ({ op: 'add' as const, record: r }));
  const backends = [await sqliteBackend(), await postgresBackend()];
  try {
    const [sqlite, postgres] = await Promise.all(
      backends.map(async ({ store, reader }) => {
        await store.apply(calls);
        return answers(reader);
      }),
    );
    assert.equal((sqlite[0] as { exported: unknown[] }).exported.length, 2500, 'the export of everything has every record');
    const found = (i: number) => (sqlite[i] as { exported: unknown[] }).exported.length;
    for (const i of [1, 3, 4, 5, 6, 7, 8, 9, 10, 11]) assert.ok(found(i) > 0 && found(i) < 2500, `filter ${i} finds some records, not all (${found(i)})`);
    for (let i = 0; i < sqlite.length; i++) assert.deepEqual(postgres[i], sqlite[i], `answer ${i}`);
  } finally {
    await Promise.all(backends.map((b) => b.close()));
  }
});
