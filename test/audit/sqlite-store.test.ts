/** The SQLite audit store: the shared suite, plus what only a file can show. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { auditStoreSuite } from './audit-store-suite.js';
import { record, tempDir } from './builders.js';

auditStoreSuite('SQLite', () => new SqliteAuditStore(join(tempDir(), 'audit.sqlite')));

test('a read-only reader sees committed batches while the writer is open, and cannot write', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  const writer = new SqliteAuditStore(file);
  const reader = new SqliteAuditStore(file, { readonly: true });
  try {
    await writer.apply([{ op: 'add', record: record({ tool: 'first' }) }]);
    assert.deepEqual((await reader.query({})).map((r) => r.tool), ['first']);
    await writer.apply([{ op: 'add', record: record({ tool: 'second' }) }]);
    assert.deepEqual((await reader.query({})).map((r) => r.tool), ['first', 'second']);
    await assert.rejects(reader.apply([{ op: 'add', record: record() }]), /read-only/);
  } finally {
    await reader.close();
    await writer.close();
  }
  // And after the writer closed (its WAL checkpointed and removed).
  const later = new SqliteAuditStore(file, { readonly: true });
  assert.equal(later.count(), 2);
  await later.close();
});

test('the file is in WAL mode with synchronous FULL, and the columns carry the OpenTelemetry names', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  const store = new SqliteAuditStore(file);
  await store.apply([{ op: 'add', record: record({ tool: 'deploy', session: 's-9', requestId: '42', errorType: 'tool_error' }) }]);
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const row = db.prepare('SELECT "mcp.method.name", "gen_ai.tool.name", "mcp.session.id", "jsonrpc.request.id", "error.type" FROM audit').get();
    assert.deepEqual(row, { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'deploy', 'mcp.session.id': 's-9', 'jsonrpc.request.id': '42', 'error.type': 'tool_error' });
  } finally {
    db.close();
    await store.close();
  }
});

test('opening a missing file read-only fails with a store error naming the file', () => {
  const file = join(tempDir(), 'missing.sqlite');
  assert.throws(() => new SqliteAuditStore(file, { readonly: true }), (e: Error & { code?: string }) => e.code === 'store_error' && e.message.includes(file));
});

test('a file from a newer toolgate is refused, not rewritten', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  const db = new Database(file);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => new SqliteAuditStore(file), /newer toolgate \(schema 99/);
});

test('a file written before a field existed gets the column, and its old rows read it as null', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  const first = new SqliteAuditStore(file);
  await first.apply([{ op: 'add', record: record({ tool: 'old' }) }]);
  await first.close();
  const db = new Database(file);
  db.exec('ALTER TABLE audit DROP COLUMN error_message'); // as an older toolgate wrote it
  db.close();
  const store = new SqliteAuditStore(file);
  try {
    await store.apply([{ op: 'add', record: record({ tool: 'new', errorMessage: 'boom' }) }]);
    assert.deepEqual((await store.query({})).map((r) => [r.tool, r.errorMessage]), [['old', null], ['new', 'boom']]);
  } finally {
    await store.close();
  }
});
