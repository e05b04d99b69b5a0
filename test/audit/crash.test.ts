/**
 * The durability bar: SIGKILL the gateway under load and lose no audit record of a call that
 * was decided. The gateway runs as a real process (`toolgate serve`) in front of the recording
 * fixture; many SDK clients call it concurrently; the process is killed mid-load, restarted, and
 * the trail is checked against both sides: every answer a client received, and every call the
 * upstream received.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { journalDirFor } from '../../src/audit/audit-log.js';
import { readOrphans } from '../../src/audit/journal.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { childEnv, freePort, httpReady, spawnReady } from '../helpers/processes.js';
import { CLI, RECORDING_SERVER, receivedMessages, sleep, tempDir } from '../helpers/harness.js';

const CLIENTS = 8;
const IN_FLIGHT_PER_CLIENT = 8;
const LOAD_MS = 1500;
const MIN_ANSWERS = 300;

/**
 * Kills the gateway at a moment when some records are journaled but not yet in SQLite: the
 * process is frozen (SIGSTOP) so no batch can run, its newest journal segment (never part of a
 * batch) is checked, and it is SIGKILLed if that segment has records, else thawed and tried again.
 * Returns the number of stops it took.
 */
async function killWhileJournaling(pid: number, journalDir: string): Promise<number> {
  for (let attempt = 1; attempt <= 500; attempt++) {
    process.kill(pid, 'SIGSTOP');
    await stopped(pid);
    const segments = readdirSync(journalDir).filter((name) => name.endsWith('.jsonl')).sort();
    const newest = segments.at(-1);
    // A pending decision record (not only completions of records already stored) must be there, and a completion, whose replay is checked too.
    const pending = newest && statSync(join(journalDir, newest)).size > 0 ? readFileSync(join(journalDir, newest), 'utf8') : '';
    if (pending.includes('"op":"add"') && pending.includes('"op":"set"')) {
      process.kill(pid, 'SIGKILL');
      return attempt;
    }
    process.kill(pid, 'SIGCONT');
    await sleep(3);
  }
  process.kill(pid, 'SIGKILL');
  throw new Error('the gateway never had journaled records pending: is it getting any calls?');
}

/** Resolves once the process is really stopped (Linux: state T in /proc), not merely signalled. */
async function stopped(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    let state: string;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    } catch {
      await sleep(20); // no /proc: give the signal time to land
      return;
    }
    if (state === 'T' || state === 't') return;
    await sleep(1);
  }
  throw new Error(`process ${pid} did not stop`);
}

test('SIGKILL under load loses no audit record of a decided call', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('toolgate-crash-');
  const recordFile = join(dir, 'received.jsonl');
  const port = await freePort();
  const configFile = join(dir, 'toolgate.yaml');
  writeFileSync(
    configFile,
    `listen: { host: 127.0.0.1, port: ${port} }
log: { level: warn }
servers:
  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }
policies:
  app:
    tools:
      delete_*: { action: deny, reason: no deletes }
audit: { arguments: full }
`,
  );
  const auditPath = join(dir, '.toolgate', 'audit.sqlite');
  const serve = () =>
    spawnReady({ name: 'toolgate serve', command: process.execPath, args: [CLI, 'serve', '-c', configFile], env: childEnv(), ready: httpReady(`http://127.0.0.1:${port}/healthz`) });

  const gateway = await serve();
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = new Client({ name: 'crash-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp/app`)));
      return client;
    }),
  );

  // Each call carries a unique text, so a record, an answer and an upstream receipt can be matched.
  const answered = new Map<string, 'allowed' | 'denied'>();
  const times: number[] = [];
  const t0 = Date.now();
  let sent = 0;
  let failed = 0;
  let stop = false;
  const worker = async (client: Client, w: number) => {
    for (let i = 0; !stop; i++) {
      const text = `c${w}-${i}`;
      const denied = i % 5 === 4;
      sent++;
      try {
        const result = await client.callTool({ name: denied ? 'delete_app' : 'echo', arguments: denied ? { name: text } : { text } }, { timeout: 5_000 });
        answered.set(text, result.isError ? 'denied' : 'allowed');
        times.push(Date.now());
      } catch {
        failed++; // in flight when the gateway died
        return;
      }
    }
  };
  const load = clients.flatMap((client, c) => Array.from({ length: IN_FLIGHT_PER_CLIENT }, (_, k) => worker(client, c * IN_FLIGHT_PER_CLIENT + k)));
  // Load for LOAD_MS, and until MIN_ANSWERS calls were answered (a busy machine is slower).
  const loadStarted = Date.now();
  while ((Date.now() - loadStarted < LOAD_MS || answered.size < MIN_ANSWERS) && Date.now() - loadStarted < 60_000) await sleep(50);
  const attempts = await killWhileJournaling(gateway.pid, journalDirFor(auditPath));
  const killAt = Date.now();
  await gateway.stop(); // until the killed process is reaped: a zombie's journal still counts as live
  const answeredAtKill = answered.size;
  await Promise.all(load.map((p) => Promise.race([p, sleep(8_000)])));
  stop = true;
  await Promise.allSettled(clients.map((client) => client.close()));

  // What the dead gateway left: committed batches in SQLite, the rest only in its journal.
  const atKill = new SqliteAuditStore(auditPath, { readonly: true });
  const storedAtKill = new Set((await atKill.query({})).map((r) => r.uid));
  await atKill.close();
  const journal = readOrphans(journalDirFor(auditPath));
  const journalOnly = journal.ops.filter((op) => op.op === 'add' && !storedAtKill.has(op.record.uid)).length;

  // Restart: the new gateway replays the journal; a clean stop writes its last batch.
  const again = await serve();
  await again.stop();
  const reader = new SqliteAuditStore(auditPath, { readonly: true });
  const records: AuditRecord[] = await reader.query({});
  await reader.close();

  const byText = new Map<string, AuditRecord[]>();
  for (const r of records) {
    const text = String(r.args?.text ?? r.args?.name);
    byText.set(text, [...(byText.get(text) ?? []), r]);
  }
  const upstream = receivedMessages(recordFile)
    .filter((m) => m.message.method === 'tools/call')
    .map((m) => String((m.message.params?.arguments as { text?: unknown } | undefined)?.text));

  t.diagnostic(`calls sent ${sent}, answered ${answered.size} (${answeredAtKill} before the kill), failed in flight ${failed}`);
  t.diagnostic(`records in SQLite at the kill ${storedAtKill.size}, only in the journal ${journalOnly} (journal: ${journal.ops.length} operations, ${journal.unreadable} torn lines), after restart ${records.length}; kill after ${attempts} stop(s)`);
  const buckets = new Map<number, number>();
  for (const at of times) buckets.set(Math.floor((at - t0) / 100), (buckets.get(Math.floor((at - t0) / 100)) ?? 0) + 1);
  t.diagnostic(`kill at ${killAt - t0}ms; answers per 100ms: ${[...buckets].map(([b, n]) => `${b * 100}:${n}`).join(' ')}`);
  t.diagnostic(`tools/call received by the upstream ${upstream.length}`);

  assert.ok(answered.size >= MIN_ANSWERS, `too little load to prove anything: ${answered.size} answers`);
  assert.ok(failed > 0, 'the kill should have cut some calls off mid-flight');
  assert.ok(journalOnly > 0, 'the kill should have found records not yet in SQLite');
  const missing = [...answered].filter(([text, decision]) => !byText.get(text)?.some((r) => r.decision === decision));
  assert.deepEqual(missing, [], `${missing.length} answered call(s) without their audit record`);
  const unrecorded = upstream.filter((text) => !byText.get(text)?.some((r) => r.decision === 'allowed' || r.decision === 'upstream_error'));
  assert.deepEqual(unrecorded, [], `${unrecorded.length} call(s) the upstream received without an allowed record`);
  const duplicated = [...byText].filter(([, list]) => list.length > 1).map(([text]) => text);
  assert.deepEqual(duplicated, [], 'the replay must not duplicate records');
  const ids = records.map((r) => r.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  assert.deepEqual(readdirSync(journalDirFor(auditPath)), [], 'the journal is empty after the replay');
  // Completions journaled before the kill were replayed too. A completion is journaled with the
  // next write or at the end of its event-loop turn, so only calls completed in the turn the kill
  // interrupted may lack their upstream time: no more than the calls in flight at once. Their
  // records stay as decided, like a call still running at the kill.
  assert.ok(journal.ops.some((op) => op.op === 'set'), 'the journal held completions at the kill');
  const withoutTime = [...answered].filter(([text, d]) => d === 'allowed' && byText.get(text)?.[0].upstreamMs === null).map(([text]) => byText.get(text)![0]);
  t.diagnostic(`answered allowed calls without their upstream time (completed in the killed turn): ${withoutTime.length}`);
  assert.ok(withoutTime.length <= CLIENTS * IN_FLIGHT_PER_CLIENT, `${withoutTime.length} answered allowed call(s) lack their upstream time`);
  assert.deepEqual(withoutTime.filter((r) => r.decision !== 'allowed' || !r.forwarded || r.outcome !== null), []);
});
