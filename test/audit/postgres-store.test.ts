/**
 * The PostgreSQL audit store: the shared AuditStore suite on a database of its own per test, then
 * what the fleet's trail must do — take hostile text without failing the batch, and, behind the
 * journal, lose nothing while PostgreSQL is unreachable: records wait and land once, when it is back.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { AUDIT_DEFAULTS } from '../../src/config/build.js';
import { CLI, eventually } from '../helpers/harness.js';
import { childEnv } from '../helpers/processes.js';
import { auditStoreSuite } from './audit-store-suite.js';
import { call, decided, record, silentLog, tempDir } from './builders.js';
import { createDatabase, postgresProxy } from './postgres.js';

/** A store whose database is dropped when the store is closed. */
auditStoreSuite('PostgreSQL', async () => {
  const database = await createDatabase();
  const store = new PostgresAuditStore(database.url);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await database.drop();
  };
  return store;
});

describe('PostgresAuditStore', () => {
  test('NUL characters in text do not fail the batch; they are stored as U+FFFD', async () => {
    const database = await createDatabase();
    const store = new PostgresAuditStore(database.url);
    try {
      const hostile = record({ tool: 'evil\u0000tool', reason: 'a\u0000b', args: { k: 'v\u0000' } });
      await store.apply([{ op: 'add', record: hostile }, { op: 'set', uid: hostile.uid, fields: { errorMessage: 'x\u0000y' } }]);
      const [stored] = await store.query({});
      assert.equal(stored.tool, 'evil\uFFFDtool');
      assert.equal(stored.errorMessage, 'x\uFFFDy');
      assert.deepEqual(stored.args, { k: 'v\u0000' }, 'JSON keeps the escaped NUL exactly');
      assert.equal((await store.query({ tool: 'evil*' })).length, 1);
      assert.equal((await store.query({ tool: 'evil_tool' })).length, 0, '_ is literal in a glob');
    } finally {
      await store.close();
      await database.drop();
    }
  });

  test('PostgreSQL down: records wait in the journal and land exactly once when it is back', async () => {
    const database = await createDatabase();
    const proxy = await postgresProxy();
    const dir = tempDir();
    const store = new PostgresAuditStore(database.urlVia(proxy.hostPort));
    const log = new AuditLog({ store, journalDir: join(dir, 'journal'), settings: AUDIT_DEFAULTS, log: silentLog, flushEveryMs: 50 });
    const reader = new PostgresAuditStore(database.url);
    try {
      log.recordDecision(decided(call(), undefined, Date.now()));
      await eventually(async () => (await reader.query({}).catch(() => [])).length === 1, 20_000, 'the first record lands');
      await proxy.cut();
      for (let i = 0; i < 25; i++) log.recordDecision(decided(call(), undefined, Date.now()));
      await eventually(() => log.stats.storeErrors > 0, 20_000, 'a batch fails while PostgreSQL is unreachable');
      assert.equal((await reader.query({})).length, 1, 'nothing reached PostgreSQL through the cut');
      await proxy.restore();
      await eventually(async () => (await reader.query({})).length >= 26, 30_000, 'the waiting records are written');
      await log.close();
      const records = await reader.query({});
      assert.equal(records.length, 26, 'each record once');
      assert.equal(new Set(records.map((r) => r.uid)).size, 26);
    } finally {
      await log.close();
      await reader.close();
      await proxy.close();
      await database.drop();
    }
  });
});

describe('following the fleet trail', () => {
  test('a batch that took its ids first but commits last is still followed, once', async () => {
    const database = await createDatabase();
    const proxy = await postgresProxy();
    const slow = new PostgresAuditStore(database.urlVia(proxy.hostPort));
    const fast = new PostgresAuditStore(database.url);
    const follower = new PostgresAuditStore(database.url);
    const add = (tool: string) => [{ op: 'add' as const, record: record({ tool }) }];
    try {
      await slow.apply(add('warm_up')); // creates the table through the proxy, before commits are held
      let { records, cursor } = await follower.follow({});
      assert.deepEqual(records.map((r) => r.tool), ['warm_up']);
      proxy.holdCommits();
      const slowBatch = slow.apply(add('taken_first'));
      await eventually(() => proxy.held === 1, 10_000, 'the slow batch waiting to commit');
      await fast.apply(add('committed_first')); // its first use: the migration finds the table as it is and takes no lock on it
      ({ records, cursor } = await follower.follow({}, cursor));
      assert.deepEqual(records.map((r) => r.tool), ['committed_first']);
      proxy.release();
      await slowBatch;
      ({ records, cursor } = await follower.follow({}, cursor));
      assert.deepEqual(records.map((r) => r.tool), ['taken_first'], 'seen once it committed, though its id is lower');
      assert.equal((await follower.follow({}, cursor)).records.length, 0);
      const all = await follower.query({});
      assert.ok(all.find((r) => r.tool === 'taken_first')!.id < all.find((r) => r.tool === 'committed_first')!.id, 'the ids were taken in the other order');
    } finally {
      proxy.release();
      await Promise.all([slow.close(), fast.close(), follower.close()]);
      await proxy.close();
      await database.drop();
    }
  });
});

describe('toolgate audit with audit.postgres', () => {
  test('reads the fleet trail from PostgreSQL, with its filters', async () => {
    const database = await createDatabase();
    const store = new PostgresAuditStore(database.url);
    try {
      const now = Date.now();
      await store.apply(
        [
          record({ time: now - 60_000, server: 'github', tool: 'delete_repo', decision: 'denied', forwarded: false }),
          record({ time: now - 30_000, server: 'github', tool: 'get_issue', decision: 'allowed' }),
        ].map((r) => ({ op: 'add' as const, record: r })),
      );
      const dir = tempDir();
      const config = join(dir, 'toolgate.yaml');
      writeFileSync(config, 'servers:\n  github: { command: node }\naudit:\n  postgres: { url: "${AUDIT_PG}" }\n');
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'audit', '-c', config, '--json', '--decision', 'denied'], { env: childEnv({ AUDIT_PG: database.url }) });
      const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(lines.map((line) => line['gen_ai.tool.name']), ['delete_repo']);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
