/**
 * The stores factory: `state.backend` picks where pins and approvals live, and a backend that is
 * not built is refused when the config is loaded, never silently replaced by another.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { SqliteApprovalStore } from '../../src/approvals/approval-store.js';
import { MemoryApprovalStore } from '../../src/approvals/memory-approval-store.js';
import { MemoryPinStore } from '../../src/catalog/node/memory-pin-store.js';
import { SqlitePinStore } from '../../src/catalog/node/sqlite-pin-store.js';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { openStores } from '../../src/store/stores.js';
import { problemsOf, yaml } from '../config/helpers.js';
import { tempDir } from '../helpers/harness.js';
import { manualClock } from './clock.js';

const T0 = Date.UTC(2026, 4, 1, 9, 0, 0);

function config(...lines: string[]) {
  const parsed = parseConfig(yaml('servers:', '  app: { command: node }', ...lines), 'toolgate.yaml', {});
  return { ...parsed, dataDir: join(tempDir(), 'state') };
}

describe('openStores', () => {
  test('by default pins and approvals are SQLite files in data_dir, stamped with the given clock', async () => {
    const clock = manualClock(T0);
    const cfg = config();
    const stores = openStores(cfg, clock.now);
    try {
      assert.equal(stores.backend, 'sqlite');
      assert.ok(stores.pins instanceof SqlitePinStore);
      assert.ok(stores.approvals instanceof SqliteApprovalStore);
      assert.ok(existsSync(join(cfg.dataDir, 'pins.sqlite')));
      assert.ok(existsSync(join(cfg.dataDir, 'approvals.sqlite')));
      assert.deepEqual(await stores.pins.check('app', { name: 'echo' }), { status: 'new', pinnedAt: T0 });
    } finally {
      await stores.close();
    }
  });

  test('state.backend: memory keeps both in the process, and writes nothing to data_dir', async () => {
    const clock = manualClock(T0);
    const cfg = config('state: { backend: memory }');
    const stores = openStores(cfg, clock.now);
    try {
      assert.equal(stores.backend, 'memory');
      assert.ok(stores.pins instanceof MemoryPinStore);
      assert.ok(stores.approvals instanceof MemoryApprovalStore);
      clock.advance(5);
      assert.deepEqual(await stores.pins.check('app', { name: 'echo' }), { status: 'new', pinnedAt: T0 + 5 });
      assert.equal(existsSync(cfg.dataDir), false);
    } finally {
      await stores.close();
    }
  });

  test('a backend that is not built is refused at load time, at its line, with the ones that are', () => {
    for (const backend of ['postgres', 'Sqlite']) {
      const [problem] = problemsOf(yaml('servers:', '  app: { command: node }', 'state:', `  backend: ${backend}`));
      assert.equal(problem.line, 4, backend);
      assert.equal(problem.path, '/state/backend');
      assert.match(problem.message, new RegExp(`${backend}` + "` is not one of `sqlite`, `memory`, `redis`"));
    }
  });

  test('state.redis: the URL is checked, redis: and backend: must agree, on_unavailable needs Redis', () => {
    const file = (...lines: string[]) => yaml('servers:', '  app: { command: node }', 'state:', ...lines);
    const state = (...lines: string[]) => problemsOf(file(...lines));
    assert.equal(parseConfig(file('  redis: { url: "redis://:secret@10.0.0.5:6380/2", prefix: "fleet-a:" }', '  on_unavailable: open'), 'toolgate.yaml', {}).state?.backend, 'redis');
    assert.equal(parseConfig(file('  backend: redis', '  redis: { url: "rediss://user:pw@redis.internal:6380" }'), 'toolgate.yaml', {}).state?.backend, 'redis');
    const [badUrl] = state('  redis: { url: "http://127.0.0.1:6379" }');
    assert.equal(badUrl.path, '/state/redis/url');
    assert.match(badUrl.message, /is not a redis:\/\/ or rediss:\/\/ URL/);
    const [noRedis] = state('  backend: redis');
    assert.match(noRedis.message, /state\.backend is `redis` but no Redis is given/);
    const [disagree] = state('  backend: sqlite', '  redis: { url: "redis://127.0.0.1:6379" }');
    assert.match(disagree.message, /state\.redis is given but state\.backend is `sqlite`/);
    const [open] = state('  on_unavailable: open');
    assert.match(open.message, /applies to the Redis backend only/);
  });

  test('state.redis picks the Redis backend, with the default prefix and closed on_unavailable', () => {
    const cfg = parseConfig(yaml('servers:', '  app: { command: node }', 'state:', '  redis: { url: "${REDIS_URL}" }'), 'toolgate.yaml', { REDIS_URL: 'redis://127.0.0.1:6379/1' });
    assert.deepEqual(cfg.state, { backend: 'redis', redis: { url: 'redis://127.0.0.1:6379/1', prefix: 'toolgate:' }, onUnavailable: 'closed' });
  });

  test('a reload cannot switch the backend: the gateway says so and keeps its stores', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const cfg = config();
    const gateway = new Gateway({ config: cfg, log, audit: null });
    try {
      gateway.reload({ ...cfg, state: { backend: 'memory' } });
      assert.match(lines.join(''), /state\.backend changes take effect only after a restart; pins and approvals stay in the sqlite store until then/);
      assert.ok(gateway.pins instanceof SqlitePinStore);
    } finally {
      await gateway.close();
    }
  });
});
