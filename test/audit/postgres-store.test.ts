/**
 * The PostgreSQL audit store: the shared AuditStore suite on a database of its own per test, then
 * what the fleet's trail must do — take hostile text without failing the batch, and, behind the
 * journal, lose nothing while PostgreSQL is unreachable: records wait and land once, when it is back.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { AUDIT_DEFAULTS } from '../../src/config/build.js';
import { CLI, eventually } from '../helpers/harness.js';
import { childEnv } from '../helpers/processes.js';
import { auditStoreSuite } from './audit-store-suite.js';
import { call, decided, record, silentLog, tempDir } from './builders.js';
import { createDatabase, PG_HOST_PORT } from './postgres.js';

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

/** A TCP proxy to PostgreSQL that the test can cut and restore, as an outage would. */
async function cuttableProxy(target: string): Promise<{ hostPort: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const start = async () => {
    server = createServer((client) => {
      const upstream = connect(port, host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(listenPort, '127.0.0.1');
    await once(server, 'listening');
    listenPort = (server.address() as { port: number }).port;
  };
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  };
  await start();
  return { hostPort: `127.0.0.1:${listenPort}`, cut: stop, restore: start, close: stop };
}

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
    const proxy = await cuttableProxy(PG_HOST_PORT);
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
