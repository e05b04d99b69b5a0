/**
 * The AuditLog in process: gateway events become records, the journal is replayed after a dead
 * process, a failing store loses nothing, retention runs on the injected clock, and the hot path
 * is measured.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Approval } from '../../src/approvals/types.js';
import { AuditLog, journalDirFor } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditOp } from '../../src/audit/store.js';
import type { Decision } from '../../src/policy/types.js';
import { call, completed, DAY, decided, record, settings, silentLog, T0, tempDir } from './builders.js';

function openLog(file = join(tempDir(), 'audit.sqlite'), overrides: Partial<ConstructorParameters<typeof AuditLog>[0]> = {}) {
  const store = new SqliteAuditStore(file);
  const log = new AuditLog({ store, journalDir: journalDirFor(file), settings: settings(), log: silentLog, now: () => T0, ...overrides });
  return { file, store, log };
}

async function readAll(file: string) {
  const reader = new SqliteAuditStore(file, { readonly: true });
  try {
    return await reader.query({});
  } finally {
    await reader.close();
  }
}

/** The pid of a process that has exited, as a crashed gateway's would be. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const rule = { pattern: 'delete_*', part: 'action' };
const decisions: Array<{ name: string; decision: Decision; completion?: Parameters<typeof completed>[1]; error?: { code: number; message: string }; want: Record<string, unknown> }> = [
  {
    name: 'allowed, then answered',
    decision: { kind: 'allow', rule: { pattern: 'default', part: 'default' }, mode: 'enforce' },
    completion: 'result',
    want: { decision: 'allowed', policyDecision: 'allow', forwarded: true, outcome: 'result', upstreamMs: 3.25, errorType: null },
  },
  {
    name: 'allowed, then the upstream failed',
    decision: { kind: 'allow', rule: { pattern: 'default', part: 'default' }, mode: 'enforce' },
    completion: 'upstream_error',
    error: { code: -32010, message: 'the upstream exited' },
    want: { decision: 'upstream_error', policyDecision: 'allow', outcome: 'upstream_error', errorType: '-32010', errorMessage: 'the upstream exited' },
  },
  {
    name: 'allowed, answered with isError',
    decision: { kind: 'allow', rule: { pattern: 'default', part: 'default' }, mode: 'enforce' },
    completion: 'tool_error',
    want: { decision: 'allowed', outcome: 'tool_error', errorType: 'tool_error' },
  },
  {
    name: 'denied',
    decision: { kind: 'deny', rule, mode: 'enforce', reason: 'no deletes' },
    want: { decision: 'denied', policyDecision: 'deny', forwarded: false, reason: 'no deletes', rulePattern: 'delete_*', rulePart: 'action', errorType: 'tool_error', outcome: null, upstreamMs: null },
  },
  {
    name: 'hidden',
    decision: { kind: 'hide', rule, mode: 'enforce' },
    want: { decision: 'hidden', policyDecision: 'hide', forwarded: false, errorType: '-32602', reason: null },
  },
  {
    name: 'invalid arguments',
    decision: { kind: 'invalid', rule: { pattern: 'deploy', part: 'validate' }, mode: 'enforce', reason: 'bad region', issues: [{ path: '/region', message: 'must be one of us-east-1' }] },
    want: { decision: 'invalid_arguments', policyDecision: 'invalid', issues: [{ path: '/region', message: 'must be one of us-east-1' }], rulePart: 'validate' },
  },
  {
    name: 'rate limited',
    decision: { kind: 'rate_limited', rule: { pattern: 'echo', part: 'rate_limit' }, mode: 'enforce', reason: 'Rate limit exceeded', rateLimit: { max: 2, windowMs: 1000, scope: 'session', remaining: 0, retryAfterMs: 700 } },
    want: { decision: 'rate_limited', rateLimit: { max: 2, windowMs: 1000, scope: 'session', remaining: 0, retryAfterMs: 700 }, errorType: 'tool_error' },
  },
  {
    name: 'monitor mode refusal, forwarded, then the upstream failed',
    decision: { kind: 'deny', rule, mode: 'monitor', reason: 'no deletes' },
    completion: 'upstream_error',
    error: { code: -32603, message: 'boom' },
    want: { decision: 'monitor_would_refuse', policyDecision: 'deny', mode: 'monitor', forwarded: true, outcome: 'upstream_error', errorType: '-32603' },
  },
];

for (const c of decisions) {
  test(`record: ${c.name}`, async () => {
    const { file, log } = openLog();
    const event = decided(call('delete_app', { name: 'web' }), c.decision);
    log.recordDecision(event);
    if (c.completion) log.recordCompletion(completed(event, c.completion, 3.25, c.error));
    await log.close();
    const [got, ...more] = await readAll(file);
    assert.equal(more.length, 0);
    assert.equal(got.tool, 'delete_app');
    assert.equal(got.requestId, String(event.requestId));
    assert.equal(got.policyUs, 7);
    for (const [key, value] of Object.entries(c.want)) assert.deepEqual(got[key as keyof typeof got], value, key);
  });
}

test('ids grow across restarts; uids are unique', async () => {
  const { file, log } = openLog();
  log.recordDecision(decided(call()));
  log.recordDecision(decided(call()));
  await log.close();
  const second = openLog(file);
  second.log.recordDecision(decided(call()));
  await second.log.close();
  const records = await readAll(file);
  assert.deepEqual(records.map((r) => r.id), [1, 2, 3]);
  assert.equal(new Set(records.map((r) => r.uid)).size, 3);
});

test('a dead process\'s journal is replayed once: records and completions, a torn last line skipped, the segment deleted', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  const journal = journalDirFor(file);
  mkdirSync(journal, { recursive: true });
  const committed = record({ uid: 'old:1', tool: 'already_stored' });
  const seed = openLog(file);
  await seed.store.apply([{ op: 'add', record: committed }]);
  await seed.log.close();

  const ops: AuditOp[] = [
    { op: 'add', record: committed }, // committed before the crash, segment not yet deleted
    { op: 'add', record: record({ uid: 'old:2', tool: 'journal_only' }) },
    { op: 'set', uid: 'old:2', fields: { outcome: 'result', upstreamMs: 9 } },
    { op: 'add', record: record({ uid: 'old:3', tool: 'second_segment' }) },
  ];
  const pid = deadPid();
  const segment = (gen: number) => join(journal, `${pid}-old-${String(gen).padStart(8, '0')}.jsonl`);
  const lines = (list: AuditOp[]) => list.map((op) => `${JSON.stringify(op)}\n`).join('');
  writeFileSync(segment(1), lines(ops.slice(0, 3)));
  writeFileSync(segment(2), `${lines(ops.slice(3))}{"op":"add","record":{"uid":"old:4","ti`); // killed inside write

  const { log } = openLog(file);
  await log.flush();
  assert.deepEqual({ replayed: log.stats.replayed, unreadable: log.stats.unreadable }, { replayed: 4, unreadable: 1 });
  assert.ok(!existsSync(segment(1)) && !existsSync(segment(2)), 'replayed segments are deleted');
  await log.close();

  const records = await readAll(file);
  assert.deepEqual(records.map((r) => r.tool), ['already_stored', 'journal_only', 'second_segment']);
  assert.equal(records[1].upstreamMs, 9);
  assert.deepEqual(readdirSync(journal), []);
});

test('segments of a live process are left alone', async () => {
  const file = join(tempDir(), 'audit.sqlite');
  const journal = journalDirFor(file);
  mkdirSync(journal, { recursive: true });
  // The test runner's parent is alive while we run.
  const live = join(journal, `${process.ppid}-other-00000001.jsonl`);
  writeFileSync(live, `${JSON.stringify({ op: 'add', record: record({ uid: 'live:1' }) })}\n`);
  const { log } = openLog(file);
  await log.close();
  assert.ok(existsSync(live));
  assert.deepEqual(await readAll(file), []);
});

test('when the store fails, records stay in the journal and the next start writes them', async () => {
  const { file, store, log } = openLog(undefined, { flushEveryMs: 60_000 });
  await store.close(); // every write now fails, for real
  log.recordDecision(decided(call('kept_1')));
  log.recordDecision(decided(call('kept_2')));
  await log.flush();
  assert.ok(log.stats.storeErrors >= 1);
  assert.equal(log.stats.pending, 2);
  await log.close();
  assert.ok(readdirSync(journalDirFor(file)).length > 0, 'journal segments kept');

  const next = openLog(file);
  await next.log.close();
  assert.deepEqual((await readAll(file)).map((r) => r.tool), ['kept_1', 'kept_2']);
  assert.deepEqual(readdirSync(journalDirFor(file)), []);
});

/** Every operation in the journal folder, oldest segment first: what a replay would read. */
function journaled(file: string): Array<{ op: string; uid: string; fields?: Record<string, unknown> }> {
  const dir = journalDirFor(file);
  const text = readdirSync(dir).sort().map((name) => readFileSync(join(dir, name), 'utf8')).join('');
  return text.split('\n').filter(Boolean).map((line) => {
    const op = JSON.parse(line) as AuditOp;
    return op.op === 'add' ? { op: 'add', uid: op.record.uid } : { op: 'set', uid: op.uid, fields: op.fields };
  });
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a completion is journaled with the next write, at the latest at the end of the event-loop turn; a decision at once', async () => {
  const { file, log } = openLog(undefined, { flushEveryMs: 60_000 });
  await log.flush();
  const a = decided(call('first'));
  log.recordDecision(a);
  const [addA] = journaled(file);
  assert.equal(addA.op, 'add', 'the decision is in the journal when recordDecision returns');
  log.recordCompletion(completed(a, 'result', 2.5));
  assert.equal(journaled(file).length, 1, 'the completion waits for the next write');
  const b = decided(call('second'));
  log.recordDecision(b);
  assert.deepEqual(journaled(file).map((op) => op.op), ['add', 'set', 'add'], 'it went with the next decision, before it');
  assert.deepEqual(journaled(file)[1], { op: 'set', uid: addA.uid, fields: { outcome: 'result', upstreamMs: 2.5 } });
  log.recordCompletion(completed(b, 'tool_error', 4));
  assert.equal(journaled(file).length, 3);
  await endOfTurn();
  assert.deepEqual(journaled(file).map((op) => op.op), ['add', 'set', 'add', 'set'], 'no later write came: written at the end of the turn');

  // A person's decision on a held call is journaled at once, with any completion still waiting.
  const held = decided(call('deploy'), { kind: 'hold', rule: { pattern: 'deploy', part: 'approval' }, mode: 'enforce', approval: { timeoutMs: 60_000, notify: [], via: 'dashboard' } });
  log.recordDecision(held);
  const c = decided(call('third'));
  log.recordDecision(c);
  log.recordCompletion(completed(c));
  const approval: Approval = { id: 'a1', server: 'app', tool: 'deploy', arguments: {}, requestId: held.requestId, rule: 'deploy', createdAt: T0, expiresAt: T0 + 60_000, heldBy: 'here', status: 'refused', decidedBy: 'ops', reason: 'not today' };
  log.recordApproval(held.call, approval);
  assert.deepEqual(journaled(file).slice(4).map((op) => op.op), ['add', 'add', 'set', 'set']);
  assert.equal(journaled(file).at(-1)?.fields?.decision, 'refused');

  await log.close();
  const records = await readAll(file);
  assert.deepEqual(records.map((r) => [r.tool, r.decision, r.outcome, r.upstreamMs]), [
    ['first', 'allowed', 'result', 2.5],
    ['second', 'allowed', 'tool_error', 4],
    ['deploy', 'refused', null, null],
    ['third', 'allowed', 'result', 3.25],
  ]);
});

test('a completion reaches the store folded into its record\'s insert, or as an update once the record was batched', async () => {
  const { file, log } = openLog(undefined, { flushEveryMs: 60_000 });
  await log.flush();
  const early = decided(call('same_batch'));
  const late = decided(call('next_batch'));
  log.recordDecision(early);
  log.recordDecision(late);
  log.recordCompletion(completed(early, 'result', 1.5));
  assert.equal(log.stats.pending, 2, 'two adds, the completion folded into the first');
  await log.flush();
  assert.deepEqual((await readAll(file)).map((r) => [r.tool, r.outcome]), [['same_batch', 'result'], ['next_batch', null]]);
  log.recordCompletion(completed(late, 'upstream_error', 6, { code: -32010, message: 'the upstream exited' }));
  assert.equal(log.stats.pending, 1, 'an update of a stored record');

  // A held call stored as pending, then approved and failed at the upstream: the approval stays its decision.
  const held = decided(call('deploy'), { kind: 'hold', rule: { pattern: 'deploy', part: 'approval' }, mode: 'enforce', approval: { timeoutMs: 60_000, notify: [], via: 'dashboard' } });
  log.recordDecision(held);
  await log.flush();
  const approval: Approval = { id: 'a2', server: 'app', tool: 'deploy', arguments: {}, requestId: held.requestId, rule: 'deploy', createdAt: T0, expiresAt: T0 + 60_000, heldBy: 'here', status: 'approved', decidedBy: 'ops' };
  log.recordApproval(held.call, approval);
  log.recordCompletion(completed(held, 'upstream_error', 2, { code: -32603, message: 'boom' }));
  await log.close();
  const [, stored, deploy] = await readAll(file);
  assert.deepEqual([stored.decision, stored.outcome, stored.upstreamMs, stored.errorType], ['upstream_error', 'upstream_error', 6, '-32010']);
  assert.deepEqual([deploy.decision, deploy.approver, deploy.forwarded, deploy.outcome, deploy.errorType], ['approved', 'ops', true, 'upstream_error', '-32603']);
  assert.deepEqual(readdirSync(journalDirFor(file)), []);
});

test('a completion journaled after its record was stored reaches the store on replay', async () => {
  // The record's batch committed, the process died before its segment was deleted and before the
  // completion's batch: the replay holds add (already stored, ignored) and set, which must apply.
  const dir = tempDir();
  const file = join(dir, 'audit.sqlite');
  const stored = record();
  const store = new SqliteAuditStore(file);
  await store.apply([{ op: 'add', record: stored }]);
  await store.close();
  const journal = journalDirFor(file);
  mkdirSync(journal, { recursive: true });
  const lines = [{ op: 'add', record: stored }, { op: 'set', uid: stored.uid, fields: { outcome: 'result', upstreamMs: 2 } }];
  writeFileSync(join(journal, `${deadPid()}-dead1-00000001.jsonl`), lines.map((op) => `${JSON.stringify(op)}\n`).join(''));
  const { log } = openLog(file);
  await log.close();
  const [row] = await readAll(file);
  assert.equal(row.outcome, 'result');
  assert.equal(row.upstreamMs, 2);
});

test('retention runs on the injected clock, by age and by size', async () => {
  let now = T0;
  const { file, log } = openLog(undefined, { now: () => now, settings: settings({ retention: { maxAgeMs: DAY, maxRows: 3 } }) });
  await log.flush(); // the first batch also applies retention (on an empty trail here)
  log.recordDecision(decided(call('old'), undefined, T0 - 2 * DAY));
  for (let i = 0; i < 4; i++) log.recordDecision(decided(call(`new_${i}`), undefined, T0 - 1000 + i));
  await log.flush();
  assert.equal((await readAll(file)).length, 5, 'retention waits for its interval');
  assert.equal(await log.prune(), 2); // `old` by age, then `new_0` by size
  assert.deepEqual((await readAll(file)).map((r) => r.tool), ['new_1', 'new_2', 'new_3']);
  now = T0 + 2 * DAY;
  assert.equal(await log.prune(), 3);
  await log.close();
});

test('configure (config reload) changes what later records keep', async () => {
  const { file, log } = openLog();
  log.recordDecision(decided(call('echo', { password: 'p', text: 'a' })));
  log.configure(settings({ arguments: 'full', redact: ['password'] }));
  log.recordDecision(decided(call('echo', { password: 'p', text: 'b' })));
  await log.close();
  const [first, second] = await readAll(file);
  assert.match(first.argsSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(first.args, null);
  assert.deepEqual(second.args, { password: '[redacted]', text: 'b' });
});

for (const mode of ['none', 'hash', 'full'] as const) {
  test(`hot path: the cost of recording one decision, journal write included (arguments: ${mode})`, async (t) => {
    const { file, log } = openLog(undefined, { settings: settings({ arguments: mode, redact: ['tags.secret'] }) });
    const n = 20_000;
    const events = Array.from({ length: n }, (_, i) => decided(call('deploy_webapp', { project_root: `/work/app-${i}`, region: 'us-east-1', replicas: 3, tags: { team: 'web', secret: 's' } })));
    for (const event of events.slice(0, 500)) log.recordDecision(event); // warm up
    const samples: number[] = [];
    const started = performance.now();
    for (const event of events.slice(500)) {
      const t0 = performance.now();
      log.recordDecision(event);
      samples.push(performance.now() - t0);
    }
    const totalMs = performance.now() - started;
    samples.sort((a, b) => a - b);
    const us = (ms: number) => `${(ms * 1000).toFixed(1)}µs`;
    t.diagnostic(`recordDecision (arguments: ${mode}): mean ${us(totalMs / samples.length)}, p50 ${us(samples[samples.length >> 1])}, p99 ${us(samples[Math.floor(samples.length * 0.99)])} over ${samples.length} records`);
    await log.close();
    const reader = new SqliteAuditStore(file, { readonly: true });
    assert.equal(reader.count(), n);
    await reader.close();
    assert.ok(samples[samples.length >> 1] < 1, 'the median record should cost well under a millisecond');
  });
}
