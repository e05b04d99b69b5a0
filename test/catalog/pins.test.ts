/**
 * The pin stores: the shared suite against memory and SQLite, then what only the SQLite store
 * does — survive reopening, share one file between processes (the CLI accepting while the
 * gateway runs), record each event once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { MemoryPinStore } from '../../src/catalog/node/memory-pin-store.js';
import { SqlitePinStore } from '../../src/catalog/node/sqlite-pin-store.js';
import { tempDir } from '../helpers/harness.js';
import { manualClock } from '../store/clock.js';
import { canonicalJson } from '../../src/catalog/pins.js';
import { T0, pinStoreSuite, tool } from './pin-store-suite.js';

/** A SQLite store on a fresh (or the given) folder; `at(ms)` sets its clock and returns it. */
function openSqlite(dir = tempDir()) {
  const file = join(dir, 'state', 'pins.sqlite');
  const clock = manualClock(T0);
  const store = new SqlitePinStore(file, { now: clock.now });
  return { file, store, at: (ms: number) => (clock.set(ms), store) };
}

pinStoreSuite('memory', (now) => new MemoryPinStore({ now }));
pinStoreSuite('SQLite', (now) => new SqlitePinStore(join(tempDir(), 'state', 'pins.sqlite'), { now }));

function events(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT event FROM pin_events ORDER BY id').all() as Array<{ event: string }>).map((e) => e.event);
  } finally {
    db.close();
  }
}

describe('SqlitePinStore', () => {
  test('each event is recorded once, in a history people can read', async () => {
    const { file, store, at } = openSqlite();
    await at(T0).check('s', tool());
    await at(T0 + 1).check('s', tool({ title: 'v2' }));
    await at(T0 + 2).check('s', tool({ title: 'v2' }));
    await at(T0 + 3).check('s', tool());
    await at(T0 + 4).check('s', tool({ title: 'v3' }));
    await at(T0 + 5).accept('s', tool().name);
    assert.deepEqual(events(file), ['pinned', 'changed', 'reverted', 'changed', 'accepted']);
    assert.deepEqual((await store.history('s', tool().name)).map((e) => [e.event, e.at]), [['pinned', T0], ['changed', T0 + 1], ['reverted', T0 + 3], ['changed', T0 + 4], ['accepted', T0 + 5]]);
    await store.close();
  });

  test('pins survive reopening the file', async () => {
    const dir = tempDir();
    const a = openSqlite(dir);
    await a.at(T0).check('ecs', tool());
    await a.at(T0 + 5).check('ecs', tool({ description: 'changed' }));
    await a.at(T0).check('files', tool({ name: 'write_file' }));
    await a.store.close();
    const b = openSqlite(dir);
    assert.deepEqual((await b.store.list()).map((p) => [p.server, p.tool, p.status]), [
      ['ecs', 'build_and_push_image_to_ecr', 'changed'],
      ['files', 'write_file', 'ok'],
    ]);
    const check = await b.at(T0 + 10).check('ecs', tool({ description: 'changed' }));
    assert.equal(check.status, 'changed');
    if (check.status === 'changed') assert.equal(check.changedAt, T0 + 5, 'still the time it was first seen');
    await b.store.close();
  });

  test('an accept through another connection is seen at once by a running store; a change met by two is recorded once', async () => {
    const dir = tempDir();
    const gateway = openSqlite(dir);
    const cli = openSqlite(dir);
    await gateway.at(T0).check('ecs', tool());
    await gateway.at(T0 + 1).check('ecs', tool({ title: 'new' }));
    assert.equal((await cli.store.pending()).length, 1, 'the CLI sees the change the gateway recorded');
    await cli.at(T0 + 2).accept('ecs', 'build_and_push_image_to_ecr');
    assert.deepEqual(await gateway.at(T0 + 3).check('ecs', tool({ title: 'new' })), { status: 'ok', pinnedAt: T0 + 2 });
    await gateway.at(T0 + 4).check('ecs', tool({ title: 'newer' }));
    const second = await cli.at(T0 + 5).check('ecs', tool({ title: 'newer' }));
    assert.equal(second.status, 'changed');
    if (second.status === 'changed') assert.equal(second.changedAt, T0 + 4);
    assert.deepEqual(events(gateway.file), ['pinned', 'changed', 'accepted', 'changed']);
    await gateway.store.close();
    await cli.store.close();
  });

  test('a pin file of schema 1 is carried over: its pins, its pending change, its servers counted as pinned', async () => {
    const dir = tempDir();
    const file = join(dir, 'pins.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE pins (server TEXT NOT NULL, tool TEXT NOT NULL, hash TEXT NOT NULL, definition TEXT NOT NULL, pinned_at INTEGER NOT NULL,
      seen_hash TEXT, seen_definition TEXT, changed_at INTEGER, diff TEXT, PRIMARY KEY (server, tool)) WITHOUT ROWID;
      CREATE TABLE pin_events (id INTEGER PRIMARY KEY AUTOINCREMENT, server TEXT NOT NULL, tool TEXT NOT NULL, at INTEGER NOT NULL, event TEXT NOT NULL, hash TEXT NOT NULL);
      PRAGMA user_version = 1;`);
    old.prepare('INSERT INTO pins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run('s', 'a', 'h1', canonicalJson(tool({ name: 'a' })), T0, null, null, null, null);
    old.prepare('INSERT INTO pins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run('s', 'b', 'h2', canonicalJson(tool({ name: 'b' })), T0, 'h3', canonicalJson(tool({ name: 'b', title: 'x' })), T0 + 1, '--- diff');
    old.close();
    const clock = manualClock(T0 + 10);
    const store = new SqlitePinStore(file, { now: clock.now });
    assert.deepEqual((await store.list()).map((p) => [p.tool, p.status, p.hash, p.seenHash, p.changedAt]), [['a', 'ok', 'h1', undefined, undefined], ['b', 'changed', 'h2', 'h3', T0 + 1]]);
    assert.equal((await store.check('s', tool({ name: 'new' }))).status, 'added', 'a server pinned before is still pinned');
    await store.close();
  });

  test('a missing file is refused when it must exist; a file from a newer toolgate is refused', async () => {
    assert.throws(() => new SqlitePinStore(join(tempDir(), 'nope.sqlite'), { fileMustExist: true, now: Date.now }), /cannot open the pin file .*nope\.sqlite/);
    const { file, store } = openSqlite();
    await store.close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => new SqlitePinStore(file, { now: Date.now }), /written by a newer toolgate \(schema 99/);
  });
});
