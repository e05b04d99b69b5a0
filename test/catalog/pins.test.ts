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
import { T0, pinStoreSuite, tool } from './pin-store-suite.js';

function openSqlite(dir = tempDir()) {
  const file = join(dir, 'state', 'pins.sqlite');
  return { file, store: new SqlitePinStore(file) };
}

pinStoreSuite('memory', () => new MemoryPinStore());
pinStoreSuite('SQLite', () => openSqlite().store);

function events(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT event FROM pin_events ORDER BY id').all() as Array<{ event: string }>).map((e) => e.event);
  } finally {
    db.close();
  }
}

describe('SqlitePinStore', () => {
  test('each event is recorded once, in a history people can read', () => {
    const { file, store } = openSqlite();
    store.check('s', tool(), T0);
    store.check('s', tool({ title: 'v2' }), T0 + 1);
    store.check('s', tool({ title: 'v2' }), T0 + 2);
    store.check('s', tool(), T0 + 3);
    store.check('s', tool({ title: 'v3' }), T0 + 4);
    store.accept('s', tool().name, T0 + 5);
    assert.deepEqual(events(file), ['pinned', 'changed', 'reverted', 'changed', 'accepted']);
    assert.deepEqual(store.history('s', tool().name).map((e) => [e.event, e.at]), [['pinned', T0], ['changed', T0 + 1], ['reverted', T0 + 3], ['changed', T0 + 4], ['accepted', T0 + 5]]);
    store.close();
  });

  test('pins survive reopening the file', () => {
    const dir = tempDir();
    const a = openSqlite(dir);
    a.store.check('ecs', tool(), T0);
    a.store.check('ecs', tool({ description: 'changed' }), T0 + 5);
    a.store.check('files', tool({ name: 'write_file' }), T0);
    a.store.close();
    const b = openSqlite(dir);
    assert.deepEqual(b.store.list().map((p) => [p.server, p.tool, p.status]), [
      ['ecs', 'build_and_push_image_to_ecr', 'changed'],
      ['files', 'write_file', 'ok'],
    ]);
    const check = b.store.check('ecs', tool({ description: 'changed' }), T0 + 10);
    assert.equal(check.status, 'changed');
    if (check.status === 'changed') assert.equal(check.changedAt, T0 + 5, 'still the time it was first seen');
    b.store.close();
  });

  test('an accept through another connection is seen at once by a running store; a change met by two is recorded once', () => {
    const dir = tempDir();
    const gateway = openSqlite(dir);
    const cli = openSqlite(dir);
    gateway.store.check('ecs', tool(), T0);
    gateway.store.check('ecs', tool({ title: 'new' }), T0 + 1);
    assert.equal(cli.store.pending().length, 1, 'the CLI sees the change the gateway recorded');
    cli.store.accept('ecs', 'build_and_push_image_to_ecr', T0 + 2);
    assert.deepEqual(gateway.store.check('ecs', tool({ title: 'new' }), T0 + 3), { status: 'ok', pinnedAt: T0 + 2 });
    gateway.store.check('ecs', tool({ title: 'newer' }), T0 + 4);
    const second = cli.store.check('ecs', tool({ title: 'newer' }), T0 + 5);
    assert.equal(second.status, 'changed');
    if (second.status === 'changed') assert.equal(second.changedAt, T0 + 4);
    assert.deepEqual(events(gateway.file), ['pinned', 'changed', 'accepted', 'changed']);
    gateway.store.close();
    cli.store.close();
  });

  test('a missing file is refused when it must exist; a file from a newer toolgate is refused', () => {
    assert.throws(() => new SqlitePinStore(join(tempDir(), 'nope.sqlite'), { fileMustExist: true }), /cannot open the pin file .*nope\.sqlite/);
    const { file, store } = openSqlite();
    store.close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => new SqlitePinStore(file), /written by a newer toolgate \(schema 99/);
  });
});
