import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { auditFile } from '../../src/audit/audit-log.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { pinsFile, SqlitePinStore } from '../../src/catalog/node/sqlite-pin-store.js';
import { eventually, receivedToolCalls, resultText, startGateway, upstreamCaughtUp, type StartedGateway } from '../helpers/harness.js';

describe('pinning: a tool whose definition changes mid-session is hidden and refused until a person accepts it', () => {
  // A gateway per test: each starts from an empty pin store.
  let gw: StartedGateway;
  beforeEach(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
  lenient: { $RECORDING_FIELDS, pinning: warn }
`);
  });
  afterEach(() => gw.close());

  /** Opens the gateway's pin store (SQLite, shared with the running gateway) for the length of `use`. */
  const withPinStore = async <T>(use: (store: SqlitePinStore) => Promise<T>): Promise<T> => {
    const store = new SqlitePinStore(pinsFile(gw.gateway.config), { now: Date.now });
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  };

  test('block (default): hidden from tools/list, refused on the call path, listed again once accepted', async () => {
    const client = await gw.connect('app');
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed++;
    });
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'get_status'), 'first sight pins it');
    assert.equal(resultText(await client.callTool({ name: 'get_status', arguments: {} })), 'ok');

    await client.callTool({ name: 'rug_pull', arguments: {} });
    await eventually(() => changed > 0, 5000, 'notifications/tools/list_changed after the rug pull');
    const after = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(!after.includes('get_status'), 'the changed tool is hidden');
    assert.ok(after.includes('echo'), 'unchanged tools stay');

    const refused = await client.callTool({ name: 'get_status', arguments: {} });
    assert.equal(refused.isError, true);
    assert.match(resultText(refused), /changed since toolgate pinned it \(possible rug pull\).*toolgate pins accept app get_status/);
    await upstreamCaughtUp(client);
    assert.equal(receivedToolCalls(gw.recordFile).filter((name) => name === 'get_status').length, 1, 'the upstream got only the call made before the change');

    await withPinStore(async (store) => {
      const [pending] = await store.pending();
      assert.equal(pending.tool, 'get_status');
      assert.match(pending.diff!, /-.*"Reads the status"/);
      assert.match(pending.diff!, /\+.*id_rsa/);
      await store.accept('app', 'get_status');
    });
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'get_status'), 'accepted: listed again');
    assert.equal(resultText(await client.callTool({ name: 'get_status', arguments: {} })), 'ok');
  });

  test('the call path is checked even when the client never lists tools', async () => {
    // Pinned earlier with another description, e.g. by a previous run: the upstream's current one is a change.
    await withPinStore((store) => store.check('app', { name: 'get_status', description: 'Reads the status (as first pinned)' }));
    const client = await gw.connect('app');
    const refused = await client.callTool({ name: 'get_status', arguments: {} });
    assert.equal(refused.isError, true);
    assert.match(resultText(refused), /changed since toolgate pinned it/);
    assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
    assert.deepEqual(receivedToolCalls(gw.recordFile), ['echo'], 'the refused call never reached the upstream; the later one did');
  });

  /** The pin events of the gateway's audit trail, as `toolgate audit` reads them. */
  const pinAudit = async (): Promise<AuditRecord[]> => {
    await gw.gateway.audit!.flush();
    const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      return (await store.query({})).filter((record) => record.method === 'toolgate/pin');
    } finally {
      await store.close();
    }
  };

  test('block: a tool that appears after the server was pinned is hidden and refused until accepted; a rejected one stays so; a removed one is recorded', async () => {
    const client = await gw.connect('app');
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed++;
    });
    const first = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(first.includes('admin_reset') && !first.includes('added_later'), 'the first listing pins what the server has');

    await client.callTool({ name: 'change_tools', arguments: {} });
    await eventually(() => changed > 0, 5000, 'notifications/tools/list_changed after change_tools');
    assert.ok(!(await client.listTools()).tools.some((tool) => tool.name === 'added_later'), 'the added tool is hidden');
    const refused = await client.callTool({ name: 'added_later', arguments: {} });
    assert.equal(refused.isError, true);
    assert.match(resultText(refused), /new tool added_later appeared on server app after its tools were pinned; a person must accept it: toolgate pins accept app added_later/);

    await client.callTool({ name: 'retire_admin_reset', arguments: {} });
    await eventually(async () => !(await client.listTools()).tools.some((tool) => tool.name === 'admin_reset'), 5000, 'admin_reset gone from the list');
    await withPinStore(async (store) => {
      assert.deepEqual((await store.pending()).map((pin) => [pin.tool, pin.status]), [['added_later', 'added']]);
      const removed = await store.get('app', 'admin_reset');
      assert.equal(removed?.status, 'removed');
      assert.ok(removed?.removedAt !== undefined);
      await store.reject('app', 'added_later');
    });
    assert.match(resultText(await client.callTool({ name: 'added_later', arguments: {} })), /a person rejected its current definition/, 'rejected: still refused');
    assert.ok(!(await client.listTools()).tools.some((tool) => tool.name === 'added_later'), 'rejected: still hidden');
    await withPinStore(async (store) => {
      assert.deepEqual(await store.pending(), [], 'a rejected tool leaves the queue');
      await store.accept('app', 'added_later');
    });
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'added_later'), 'accepted: listed');
    assert.equal(resultText(await client.callTool({ name: 'added_later', arguments: {} })), 'new');
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile).filter((name) => name === 'added_later'), ['added_later'], 'the refused calls never reached the upstream');

    const audit = await pinAudit();
    assert.deepEqual(audit.map((record) => [record.decision, record.tool, record.mode]), [['pin_added', 'added_later', 'enforce'], ['pin_removed', 'admin_reset', 'enforce']]);
    assert.match(audit[0].seenSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(audit[0].pinSha256, null, 'an added tool had no pin');
    assert.match(audit[1].pinSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.match(audit[1].reason ?? '', /no longer listed by its server/);
  });

  test('warn: the change is recorded but the tool stays listed and callable', async () => {
    const client = await gw.connect('lenient');
    await client.listTools();
    await client.callTool({ name: 'rug_pull', arguments: {} });
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes('get_status'));
    assert.equal(resultText(await client.callTool({ name: 'get_status', arguments: {} })), 'ok');
    await withPinStore(async (store) => assert.deepEqual((await store.pending()).map((pin) => [pin.server, pin.tool]), [['lenient', 'get_status']]));
  });

  test('warn: a tool added after the server was pinned passes, and waits for review in the store and the audit trail', async () => {
    const client = await gw.connect('lenient');
    await client.listTools();
    await client.callTool({ name: 'change_tools', arguments: {} });
    await eventually(async () => (await client.listTools()).tools.some((tool) => tool.name === 'added_later'), 5000, 'added_later listed under warn');
    assert.equal(resultText(await client.callTool({ name: 'added_later', arguments: {} })), 'new');
    await withPinStore(async (store) => assert.deepEqual((await store.pending()).map((pin) => [pin.server, pin.tool, pin.status]), [['lenient', 'added_later', 'added']]));
    assert.deepEqual((await pinAudit()).map((record) => [record.decision, record.server, record.tool, record.mode]), [['pin_added', 'lenient', 'added_later', 'monitor']]);
  });
});

describe('pinning at start-up', () => {
  test('serve lists every server at start-up, so a tool changed while the gateway was down is caught before any call', async () => {
    const { writeFileSync, mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { CLI, RECORDING_SERVER, tempDir } = await import('../helpers/harness.js');
    const { freePort, httpReady, spawnReady } = await import('../helpers/processes.js');
    const dir = tempDir();
    const dataDir = join(dir, 'state');
    mkdirSync(dataDir);
    const earlier = new SqlitePinStore(join(dataDir, 'pins.sqlite'), { now: () => 1 });
    await earlier.check('app', { name: 'get_status', description: 'Reads the status (as it was when first pinned)' });
    await earlier.close();
    const port = await freePort();
    const file = join(dir, 'toolgate.yaml');
    writeFileSync(file, `listen: { host: 127.0.0.1, port: ${port} }\ndata_dir: ${dataDir}\nservers:\n  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}] }\n`);
    const gateway = await spawnReady({ name: 'toolgate serve', command: process.execPath, args: [CLI, 'serve', '-c', file], ready: httpReady(`http://127.0.0.1:${port}/healthz`) });
    try {
      const reader = new SqlitePinStore(join(dataDir, 'pins.sqlite'), { now: Date.now });
      try {
        const pending = await eventually(async () => (await reader.pending()).find((pin) => pin.tool === 'get_status'), 15_000, 'the start-up check to record the changed get_status, with no client connected');
        assert.match(pending.diff!, /as it was when first pinned/);
      } finally {
        await reader.close();
      }
      await eventually(() => gateway.output().includes('changed since it was pinned'), 5000, 'the gateway to log the changed pin');
      assert.match(gateway.output(), /toolgate pins diff app get_status/);
    } finally {
      await gateway.stop();
    }
  });
});
