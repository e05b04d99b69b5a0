/**
 * A store that fails — a file another process holds locked, a full disk — must turn into a
 * refusal the agent can read plus an audit record, never into a crash of the gateway and never
 * into a stalled event loop. Each test runs `toolgate serve` as a real child process and watches
 * it from outside: still alive, still answering other calls while the store is failing.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AuditLog, journalDirFor } from '../../src/audit/audit-log.js';
import { SqlitePinStore } from '../../src/catalog/node/sqlite-pin-store.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { call, decided, settings, silentLog, tempDir } from '../audit/builders.js';
import { decisionOf, receivedToolCalls, resultText } from '../helpers/harness.js';
import { lockDatabase, startGatewayProcess, until, type GatewayProcess } from './gateway-process.js';

const HOLDING_POLICY = `
servers:
  app: $RECORDING
policies:
  app:
    tools:
      deploy_webapp:
        action: require_approval
        approval: { timeout: 10m }
      delete_app:
        action: require_approval
        approval: { timeout: 3s }
`;

interface PendingApproval {
  id: string;
  tool: string;
  status: string;
  arguments: Record<string, unknown>;
}

async function pendingApproval(gateway: GatewayProcess, tool: string): Promise<PendingApproval> {
  return until(`a pending approval of ${tool}`, async () => {
    const { body } = await gateway.admin('approvals?status=pending');
    return (body as PendingApproval[]).find((approval) => approval.tool === tool);
  });
}

async function auditRecords(gateway: GatewayProcess, tool: string) {
  const store = new SqliteAuditStore(join(gateway.dataDir, 'audit.sqlite'), { readonly: true });
  try {
    return await store.query({ tool });
  } finally {
    await store.close();
  }
}

/** Echo round trip on a fresh session: the gateway is serving. */
async function echo(gateway: GatewayProcess, text: string): Promise<string> {
  const client = await gateway.connect('app');
  return resultText(await client.callTool({ name: 'echo', arguments: { text } }));
}

describe('store errors fail closed and never crash the gateway', () => {
  test('approvals.sqlite locked by another process: the held call is refused naming the store, audited, and other calls are served meanwhile', async () => {
    const gateway = await startGatewayProcess(HOLDING_POLICY);
    const lock = lockDatabase(join(gateway.dataDir, 'approvals.sqlite'));
    try {
      const client = await gateway.connect('app');
      const held = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv/site', region: 'eu-west-1' } });
      assert.equal(await echo(gateway, 'while approvals.sqlite is locked'), 'while approvals.sqlite is locked', 'another call is served while the lock is held');
      const refused = await held;
      assert.equal(refused.isError, true);
      assert.match(resultText(refused), /deploy_webapp.*toolgate refused it: .*approvals\.sqlite.*locked/s);
      assert.equal(decisionOf(refused)?.decision, 'refused');
      assert.ok(await gateway.alive(), 'the gateway is still alive while the lock is held');
      assert.ok(!receivedToolCalls(gateway.recordFile).includes('deploy_webapp'), 'the refused call never reached the upstream');
    } finally {
      lock.release();
    }
    try {
      const [record] = await until('the audit record of the refused call', async () => {
        const records = await auditRecords(gateway, 'deploy_webapp');
        return records.length > 0 && records[0].decision === 'refused' ? records : undefined;
      });
      assert.equal(record.forwarded, false);
      assert.equal(record.approver, 'toolgate');
      assert.match(record.errorMessage ?? '', /approvals\.sqlite.*locked/);
      assert.equal(await echo(gateway, 'after'), 'after');
      assert.doesNotMatch(gateway.process.output(), /unhandled|uncaught/i);
    } finally {
      await gateway.stop();
    }
  });

  test('pins.sqlite locked by another process: under block a tool whose pin cannot be recorded is not listed and its call is refused, under warn it passes; pinned tools keep working', async () => {
    const gateway = await startGatewayProcess('servers:\n  app: $RECORDING\n  lenient: $RECORDING_WARN\n');
    try {
      const client = await gateway.connect('app');
      const lenient = await gateway.connect('lenient');
      assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'echo'), 'listing pins every tool seen');
      assert.ok((await lenient.listTools()).tools.some((tool) => tool.name === 'echo'));
      const lock = lockDatabase(join(gateway.dataDir, 'pins.sqlite'));
      try {
        assert.equal(resultText(await lenient.callTool({ name: 'change_tools', arguments: {} })), 'changed');
        assert.ok((await lenient.listTools()).tools.some((tool) => tool.name === 'added_later'), 'pinning: warn lists a tool whose pin cannot be checked');
        assert.equal(resultText(await lenient.callTool({ name: 'added_later', arguments: {} })), 'new', 'and lets its calls through');

        assert.equal(resultText(await client.callTool({ name: 'change_tools', arguments: {} })), 'changed', 'a pinned tool is called while the lock is held');
        const listed = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(listed.includes('echo'), 'pinned tools stay listed');
        assert.ok(!listed.includes('added_later'), 'a tool whose pin cannot be recorded is not listed under pinning: block');
        const refused = await client.callTool({ name: 'added_later', arguments: {} });
        assert.equal(refused.isError, true);
        assert.match(resultText(refused), /added_later.*pins\.sqlite.*locked/s);
        assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'still served' } })), 'still served');
        assert.ok(await gateway.alive());
        assert.match(gateway.process.output(), /added_later.*not listed|not listed.*added_later/);
      } finally {
        lock.release();
      }
      // Once the file is free, the tool that appeared after the server was pinned waits for a person, like any added tool.
      assert.ok(!(await client.listTools()).tools.some((tool) => tool.name === 'added_later'), 'held as added once the file is free again');
      const store = new SqlitePinStore(join(gateway.dataDir, 'pins.sqlite'), { now: Date.now });
      try {
        assert.deepEqual((await store.pending()).map((pin) => [pin.server, pin.tool, pin.status]), [['app', 'added_later', 'added']]);
        await store.accept('app', 'added_later');
      } finally {
        await store.close();
      }
      assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'added_later'), 'listed once accepted');
      assert.equal(resultText(await client.callTool({ name: 'added_later', arguments: {} })), 'new');
      assert.deepEqual(receivedToolCalls(gateway.recordFile).filter((name) => name === 'added_later'), ['added_later', 'added_later'], 'the warn call, and the block call only after the lock and the accept');
      assert.doesNotMatch(gateway.process.output(), /unhandled|uncaught/i);
    } finally {
      await gateway.stop();
    }
  });

  test('a full disk (file size limit): the hold that cannot be written is refused, the gateway keeps serving', async () => {
    // Every file the gateway writes may grow to 512 KiB: enough to run, too little for a hold
    // whose arguments are 600 kB. The kernel refuses the write (EFBIG) as a full disk would.
    const gateway = await startGatewayProcess(HOLDING_POLICY, { maxFileBytes: 512 * 1024 });
    try {
      const client = await gateway.connect('app');
      const refused = await client.callTool({ name: 'deploy_webapp', arguments: { project_root: 'x'.repeat(600_000), region: 'eu-west-1' } });
      assert.equal(refused.isError, true);
      assert.match(resultText(refused), /toolgate refused it: .*approvals\.sqlite.*(full|I\/O)/is);
      assert.equal(await echo(gateway, 'small calls still pass'), 'small calls still pass');
      const small = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv/site', region: 'eu-west-1' } });
      const pending = await pendingApproval(gateway, 'deploy_webapp');
      assert.equal((await gateway.admin(`approvals/${pending.id}/approve`, { approver: 'alice' })).status, 200);
      assert.equal(resultText(await small), 'deployed /srv/site to eu-west-1', 'holds that fit are still stored and decided');
      assert.ok(await gateway.alive());
      assert.doesNotMatch(gateway.process.output(), /unhandled|uncaught/i);
    } finally {
      await gateway.stop();
    }
  });

  test('expiry while approvals.sqlite is locked: the agent is refused as expired at once, the store catches up when the lock goes', async () => {
    const gateway = await startGatewayProcess(HOLDING_POLICY);
    try {
      const client = await gateway.connect('app');
      const held = client.callTool({ name: 'delete_app', arguments: { name: 'web' } });
      const pending = await pendingApproval(gateway, 'delete_app');
      const lock = lockDatabase(join(gateway.dataDir, 'approvals.sqlite'));
      try {
        const refused = await held;
        assert.equal(refused.isError, true);
        assert.match(resultText(refused), /the approval expired/);
        assert.equal(await echo(gateway, 'served after the expiry'), 'served after the expiry');
        assert.ok(await gateway.alive());
        assert.equal((await gateway.admin(`approvals/${pending.id}`)).body.status, 'pending', 'the store could not be written yet');
      } finally {
        lock.release();
      }
      const stored = await until('the expiry written once the lock is gone', async () => {
        const { body } = await gateway.admin(`approvals/${pending.id}`);
        return body.status === 'expired' ? body : undefined;
      });
      assert.match(stored.reason, /nobody answered within 3s/);
      assert.ok(!receivedToolCalls(gateway.recordFile).includes('delete_app'));
      assert.doesNotMatch(gateway.process.output(), /unhandled|uncaught/i);
    } finally {
      await gateway.stop();
    }
  });

  test('a held call abandoned while approvals.sqlite is locked: nothing escapes, the store catches up when the lock goes', async () => {
    const gateway = await startGatewayProcess(HOLDING_POLICY);
    try {
      const client = await gateway.connect('app');
      const controller = new AbortController();
      const held = client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/cancel', region: 'eu-west-1' } }, { signal: controller.signal });
      const pending = await pendingApproval(gateway, 'deploy_webapp');
      const lock = lockDatabase(join(gateway.dataDir, 'approvals.sqlite'));
      try {
        controller.abort('changed my mind');
        await assert.rejects(held);
        await until('the gateway to log that the abandon could not be written', () => /abandon/i.test(gateway.process.output()) && /approvals\.sqlite/.test(gateway.process.output()));
        assert.equal(await echo(gateway, 'served while the abandon waits'), 'served while the abandon waits');
        assert.ok(await gateway.alive());
      } finally {
        lock.release();
      }
      const stored = await until('the abandon written once the lock is gone', async () => {
        const { body } = await gateway.admin(`approvals/${pending.id}`);
        return body.status === 'abandoned' ? body : undefined;
      });
      assert.match(stored.reason, /cancelled/);
      assert.doesNotMatch(gateway.process.output(), /unhandled|uncaught/i);
    } finally {
      await gateway.stop();
    }
  });
});

/** The longest time, in ms, the event loop went without running a timer while `work` ran. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work();
    return Math.max(longest, performance.now() - last);
  } finally {
    clearInterval(timer);
  }
}

describe('the audit trail with its SQLite file locked', () => {
  test('a batch fails at once without stalling the event loop, stays in the journal, and lands when the lock goes', async () => {
    const file = join(tempDir(), 'audit.sqlite');
    const journalDir = journalDirFor(file);
    const audit = new AuditLog({ store: new SqliteAuditStore(file), journalDir, settings: settings(), log: silentLog, flushEveryMs: 3_600_000 });
    // Stamped now, so retention (30 days) keeps them.
    const recent = (args: Record<string, unknown>) => decided(call('echo', args), undefined, Date.now());
    const count = () => {
      const reader = new SqliteAuditStore(file, { readonly: true });
      try {
        return reader.count();
      } finally {
        void reader.close();
      }
    };
    try {
      audit.recordDecision(recent({ n: 0 }));
      await audit.flush();
      assert.equal(count(), 1);

      const lock = lockDatabase(file);
      try {
        for (let n = 1; n <= 5; n++) audit.recordDecision(recent({ n }));
        const stalled = await longestStall(() => audit.flush());
        assert.ok(stalled < 1000, `the event loop stood still for ${Math.round(stalled)} ms behind a locked audit file`);
        assert.equal(audit.stats.pending, 5, 'the batch is kept');
        assert.ok(audit.stats.storeErrors >= 1);
        const journaled = readdirSync(journalDir).map((name) => readFileSync(join(journalDir, name), 'utf8')).join('');
        assert.equal(journaled.split('\n').filter((line) => line.includes('"op":"add"')).length, 5, 'the five records are in the journal, not only in memory');
      } finally {
        lock.release();
      }
      await audit.flush();
      assert.equal(audit.stats.pending, 0);
      assert.equal(count(), 6, 'nothing was lost');
    } finally {
      await audit.close();
    }
  });
});
