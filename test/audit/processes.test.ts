/**
 * Several processes on one audit file, as with one `toolgate stdio` per client: their records
 * interleave without loss, and a process never replays (or deletes) another live process's
 * journal, only that of a process that is gone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AuditLog, journalDirFor } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { childEnv, spawnReady } from '../helpers/processes.js';
import { settings, silentLog, tempDir } from './builders.js';

const WRITER = fileURLToPath(new URL('./fixtures/audit-writer.js', import.meta.url));

const args = (file: string, count: number, flushEveryMs: number, then: 'close' | 'hang', label: string, complete = false) => [WRITER, file, String(count), String(flushEveryMs), then, label, ...(complete ? ['complete'] : [])];
/** A writer that records `count` records (each completed, with `complete`) and stays up until killed. */
const liveWriter = (file: string, count: number, flushEveryMs: number, complete = false) =>
  spawnReady({ name: 'audit writer', command: process.execPath, args: args(file, count, flushEveryMs, 'hang', 'live', complete), ready: /^recorded/ });
/** A writer that records `count` records, closes its log and exits. */
const run = promisify(execFile);
const finishingWriter = (file: string, count: number, label: string) => run(process.execPath, args(file, count, 20, 'close', label), { env: childEnv() });

async function readAll(file: string) {
  const reader = new SqliteAuditStore(file, { readonly: true });
  try {
    return await reader.query({});
  } finally {
    await reader.close();
  }
}

test('three processes writing one trail at once lose nothing', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  new SqliteAuditStore(file).close(); // create the schema once, as the first gateway start would
  await Promise.all(['a', 'b', 'c'].map((label) => finishingWriter(file, 400, label)));
  const records = await readAll(file);
  assert.equal(records.length, 1200);
  assert.equal(new Set(records.map((r) => r.id)).size, 1200);
  for (const label of ['a', 'b', 'c']) assert.equal(records.filter((r) => r.tool.startsWith(`${label}_`)).length, 400, label);
  assert.deepEqual(readdirSync(journalDirFor(file)), []);
});

test('a live process\'s journal is left alone; once it is killed, the next opener replays it', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  // Batches every 10 minutes: everything this writer records stays in its journal.
  const live = await liveWriter(file, 250, 600_000);
  try {
    const segments = readdirSync(journalDirFor(file));
    assert.equal(segments.length, 1);
    const other = new AuditLog({ store: new SqliteAuditStore(file), journalDir: journalDirFor(file), settings: settings(), log: silentLog });
    await other.close();
    assert.deepEqual(readdirSync(journalDirFor(file)), segments, 'the live segment is untouched');
    assert.equal((await readAll(file)).length, 0);
  } finally {
    process.kill(live.pid, 'SIGKILL');
    await live.stop();
  }
  const next = new AuditLog({ store: new SqliteAuditStore(file), journalDir: journalDirFor(file), settings: settings(), log: silentLog });
  await next.close();
  assert.equal(next.stats.replayed, 250);
  const records = await readAll(file);
  assert.equal(records.length, 250);
  assert.deepEqual(readdirSync(journalDirFor(file)), []);
});

test('completions journaled with later writes or at the end of the turn survive SIGKILL', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  // No batch runs: decisions and completions are only in the journal when the writer is killed.
  // The last completion has no later decision to ride with: it is written at the end of its turn.
  const live = await liveWriter(file, 120, 600_000, true);
  process.kill(live.pid, 'SIGKILL');
  await live.stop();
  const next = new AuditLog({ store: new SqliteAuditStore(file), journalDir: journalDirFor(file), settings: settings(), log: silentLog });
  await next.close();
  assert.equal(next.stats.replayed, 240, 'an add and a set per call');
  const records = await readAll(file);
  assert.equal(records.length, 120);
  assert.deepEqual(records.filter((r) => r.outcome !== 'result' || r.upstreamMs !== Number(r.tool.slice('live_'.length))).map((r) => r.tool), []);
});
