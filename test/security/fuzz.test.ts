/**
 * A bounded, seeded fuzzer: thousands of generated malformed and hostile messages against a real
 * `toolgate serve` (Streamable HTTP) and a real `toolgate stdio`, both in front of the recording
 * fixture. Asserted for every run:
 * - the gateway process never dies, and answers /healthz (or a ping) after every batch;
 * - every message that expects an answer gets a spec error (HTTP status with a JSON-RPC error) or
 *   a normal answer, within a time bound — never a 500, never a hang;
 * - no refused call reaches the upstream: the fixture's log is checked against the policy
 *   (fuzz-policy.ts) and against what the gateway refused at the HTTP level (fuzz-oracle.ts).
 *
 * `npm test` runs TOOLGATE_FUZZ_ITERATIONS (default 2,000) messages with a fixed seed;
 * `npm run fuzz` runs many more with a random seed. A failure prints the seed; replay it with
 * `npm run fuzz -- --seed <seed>` (and the same TOOLGATE_FUZZ_ITERATIONS).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI, receivedMessages, sleep, tempDir, within } from '../helpers/harness.js';
import { childEnv, freePort, httpReady, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { generateHttpCases, headerLines, judgeHttp, type HttpCase, type WireContext } from './fuzz-http.js';
import { upstreamViolations, type Sent } from './fuzz-oracle.js';
import { fuzzConfig } from './fuzz-policy.js';
import { Random } from './fuzz-random.js';
import { generateStdioCases, type LineExpectation, type StdioCase } from './fuzz-stdio.js';
import { encodeRequest, exchange, type HttpOutcome } from './fuzz-wire.js';

const ITERATIONS = chooseIterations();
const SEED = chooseSeed();
const HTTP_CASES = Math.round(ITERATIONS * 0.7);
const STDIO_CASES = ITERATIONS - HTTP_CASES;
const BATCH = 100;
/** Per answer; generous because the machine may be busy. A hang is anything longer. */
const ANSWER_MS = 15_000;
/** For what starts an upstream process (initialize): much slower on a busy machine. */
const SESSION_MS = 60_000;
const POOL_SESSIONS = 3;
const CONCURRENCY = 3;
/** Each unanswered request costs the full bound: past this many the HTTP run stops and reports. */
const MAX_HANGS = Math.max(3, Math.round(ITERATIONS / 500));

const REPLAY = `npm run fuzz -- --seed ${SEED}   (with TOOLGATE_FUZZ_ITERATIONS=${ITERATIONS})`;

function chooseIterations(): number {
  const value = process.env.TOOLGATE_FUZZ_ITERATIONS ?? '2000';
  const count = Number(value);
  if (!Number.isInteger(count) || count < 10) throw new Error(`fuzz: TOOLGATE_FUZZ_ITERATIONS must be an integer of at least 10, got ${JSON.stringify(value)}`);
  return count;
}

/** `--seed N`, else TOOLGATE_FUZZ_SEED (a number, or `random`), else a fixed seed so `npm test` is repeatable. */
function chooseSeed(): number {
  const flag = process.argv.indexOf('--seed');
  const value = flag === -1 ? process.env.TOOLGATE_FUZZ_SEED : process.argv[flag + 1];
  if (value === undefined || value === '') return 20_260_101;
  if (value === 'random') return randomInt(2 ** 31);
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`fuzz: the seed must be a non-negative integer or "random", got ${JSON.stringify(value)}`);
  return seed;
}

interface Failure {
  marker: string;
  family: string;
  what: string;
  sent: string;
  problem: string;
}

/** The failures, with the seed to replay them. */
function report(title: string, failures: Failure[], violations: string[], extra = ''): string {
  const lines = [`${title} — seed ${SEED}, ${ITERATIONS} iterations; replay: ${REPLAY}`];
  if (failures.length) {
    lines.push(`${failures.length} answers were wrong:`);
    for (const failure of failures.slice(0, 40)) lines.push(`  ${failure.marker} [${failure.family}] ${failure.what}: ${failure.problem}\n      sent: ${JSON.stringify(failure.sent.slice(0, 200))}`);
    if (failures.length > 40) lines.push(`  … and ${failures.length - 40} more`);
  }
  if (violations.length) {
    lines.push(`${violations.length} other problems (what the upstream received, the process's own reports):`);
    for (const violation of violations.slice(0, 40)) lines.push(`  ${violation}`);
    if (violations.length > 40) lines.push(`  … and ${violations.length - 40} more`);
  }
  return `${lines.join('\n')}${extra}`;
}

function fuzzSetup(label: string): { dir: string; dataDir: string; recordFile: string } {
  const dir = tempDir(`toolgate-fuzz-${label}-`);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  return { dir, dataDir, recordFile: join(dir, 'received.jsonl') };
}

/** TOOLGATE_FUZZ_TRACE=1: each case and its answer on stderr, with timings (run the file directly to see them). */
function trace(what: string): void {
  if (process.env.TOOLGATE_FUZZ_TRACE) process.stderr.write(`${what} (${Math.round(performance.now())} ms)\n`);
}

/** Crash reports the gateway may print even when a safety net keeps it running: each one is a failure. */
const CRASH_SIGNS = /unhandled|uncaught|FATAL ERROR|Maximum call stack/i;

test(`HTTP edge: hostile requests get spec answers and only allowed calls reach the upstream (seed ${SEED})`, { timeout: 60_000 + ITERATIONS * 100 }, async (t: TestContext) => {
  t.diagnostic(`seed ${SEED}, ${HTTP_CASES} HTTP cases; replay: ${REPLAY}`);
  const cases = generateHttpCases(new Random(SEED), HTTP_CASES);
  const { dir, dataDir, recordFile } = fuzzSetup('http');
  trace('cases generated');
  const port = await freePort();
  const configFile = join(dir, 'toolgate.yaml');
  writeFileSync(configFile, fuzzConfig({ port, dataDir, recordFile }));
  const gateway = await spawnReady({ name: 'toolgate serve', command: process.execPath, args: [CLI, 'serve', '-c', configFile], ready: httpReady(`http://127.0.0.1:${port}/healthz`), timeoutMs: 30_000 });
  t.after(() => gateway.stop());
  const context: WireContext = { port, pid: gateway.pid };
  const baseUrl = `http://127.0.0.1:${port}`;
  const hostHeader = `127.0.0.1:${port}`;

  trace('gateway ready');
  const pool: string[] = [];
  for (let i = 0; i < POOL_SESSIONS; i++) pool.push(await openSession(baseUrl));
  const clean = await openSession(baseUrl);
  const ended = await openSession(baseUrl);
  await deleteSession(baseUrl, ended);

  const sent = new Map<string, Sent>();
  const failures: Failure[] = [];
  let reopened = 0;
  let hangs = 0;

  const send = async (c: HttpCase, sessionId: string | undefined, writeAfter?: Promise<unknown>): Promise<HttpOutcome> => {
    const body = c.body?.(context);
    const bytes = c.raw ?? encodeRequest({ method: c.method, path: c.path, headers: headerLines(c, hostHeader, sessionId), body, contentLength: c.contentLength });
    const started = Date.now();
    const outcome = await exchange(port, bytes, { timeoutMs: c.family === 'initialize' ? SESSION_MS : ANSWER_MS, halfClose: c.halfClose, streamHeadersSuffice: c.method === 'GET', writeAfter });
    trace(`${c.marker} ${c.family}: ${c.what.slice(0, 60)} -> ${outcome.kind === 'response' ? outcome.status : outcome.kind} in ${Date.now() - started} ms`);
    const text = (c.raw ?? body ?? Buffer.alloc(0)).toString('utf8');
    sent.set(c.marker, { marker: c.marker, family: c.family, what: c.what, text, status: outcome.kind === 'response' ? outcome.status : undefined, mustReach: c.mustReach });
    for (const problem of judgeHttp(c, outcome)) failures.push({ marker: c.marker, family: c.family, what: c.what, sent: text, problem });
    if (outcome.kind === 'timeout') hangs++;
    return outcome;
  };

  const runCase = async (c: HttpCase, n: number): Promise<void> => {
    const session = c.session;
    if (session === 'fresh') {
      const fresh = await openSession(baseUrl);
      // Every connection is open before anything is written, then each request goes at its own delay.
      let go!: () => void;
      const start = new Promise<void>((resolve) => (go = resolve));
      const together = [c, ...(c.alongside ?? [])].map((each) => send(each, fresh, start.then(() => sleep(each.delayMs ?? 0))));
      setTimeout(go, 50);
      await Promise.all(together);
      await deleteSession(baseUrl, fresh);
      return;
    }
    const sessionId = session === 'pool' ? pool[n % POOL_SESSIONS] : session === 'clean' ? clean : session === 'ended' ? ended : session === 'none' ? undefined : session.literal;
    const outcome = await send(c, sessionId);
    const opened = outcome.kind === 'response' ? outcome.headers['mcp-session-id'] : undefined;
    if (c.family === 'initialize' && opened && opened !== sessionId) await deleteSession(baseUrl, opened);
  };

  let stoppedAt: number | undefined;
  for (let start = 0; start < cases.length && stoppedAt === undefined; start += BATCH) {
    const batch = cases.slice(start, start + BATCH);
    // A few cases at a time (the gateway serves clients concurrently); their order is the generated one.
    let next = 0;
    const worker = async () => {
      while (next < batch.length && stoppedAt === undefined) {
        const n = start + next++;
        if (hangs >= MAX_HANGS) stoppedAt = n;
        else await runCase(cases[n], n);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    trace(`batch ${start} sent`);
    // After every batch: the process is alive and serving, and the long-lived sessions still answer.
    const alive = await checkAlive(gateway, baseUrl);
    assert.equal(alive, undefined, report(`the gateway stopped serving during cases ${start}..${start + batch.length - 1}: ${alive}`, failures, []));
    for (const [i, id] of pool.entries()) {
      if (!(await pingSession(baseUrl, id))) {
        pool[i] = await openSession(baseUrl); // a hostile message may end a session; the gateway goes on
        reopened++;
      }
    }
    assert.ok(await pingSession(baseUrl, clean), report(`the clean session stopped answering pings after cases ${start}..${start + batch.length - 1}`, failures, []));
  }

  trace('all batches done');
  if (process.env.TOOLGATE_FUZZ_TRACE) {
    const [utime, stime] = (await import('node:fs')).readFileSync(`/proc/${gateway.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ').slice(11, 13).map(Number);
    const own = process.cpuUsage();
    trace(`CPU: gateway ${(utime + stime) / 100} s, fuzzer ${((own.user + own.system) / 1e6).toFixed(1)} s`);
  }
  // The final pings went through every live session after everything else: the upstream log is complete.
  const violations = upstreamViolations(receivedMessages(recordFile), sent);
  const crashSigns = gateway.output().split('\n').filter((line) => CRASH_SIGNS.test(line));
  if (crashSigns.length) violations.push(`the gateway reported crashes it survived:\n    ${crashSigns.slice(0, 10).join('\n    ')}`);
  const reached = receivedMessages(recordFile).filter((entry) => entry.message.method === 'tools/call').length;
  t.diagnostic(`${sent.size} requests sent, ${reached} tools/call reached the upstream, ${reopened} pool sessions reopened, ${failures.length} wrong answers, ${violations.length} upstream problems`);
  const title = stoppedAt === undefined ? 'the HTTP fuzzer found problems' : `the HTTP fuzzer stopped at case h${stoppedAt} of ${cases.length} after ${hangs} unanswered requests`;
  assert.ok(stoppedAt === undefined && failures.length === 0 && violations.length === 0, report(title, failures, violations));
  assert.ok(reached > 0, 'the fuzzer never got an allowed call through: it tested nothing');
});

test(`stdio: hostile lines get spec answers and only allowed calls reach the upstream (seed ${SEED})`, { timeout: 60_000 + ITERATIONS * 100 }, async (t: TestContext) => {
  t.diagnostic(`seed ${SEED}, ${STDIO_CASES} stdio cases; replay: ${REPLAY}`);
  const cases = generateStdioCases(new Random(SEED ^ 0x5f3759df), STDIO_CASES);
  const { dir, dataDir, recordFile } = fuzzSetup('stdio');
  const configFile = join(dir, 'toolgate.yaml');
  writeFileSync(configFile, fuzzConfig({ port: 0, dataDir, recordFile }));
  const child = spawn(process.execPath, [CLI, 'stdio', 'app', '-c', configFile], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {}); // a dead child is reported below, not as an EPIPE

  /** Every message the gateway wrote on stdout, in order; lines that are not JSON-RPC are problems. */
  const output: Array<{ id?: unknown; result?: unknown; error?: unknown }> = [];
  const framing: string[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const text of parts) {
      try {
        const message = JSON.parse(text) as { jsonrpc?: unknown };
        if (message.jsonrpc !== '2.0') framing.push(`stdout carried a non-JSON-RPC line: ${text.slice(0, 160)}`);
        output.push(message as (typeof output)[number]);
      } catch {
        framing.push(`stdout carried a line that is not JSON: ${JSON.stringify(text.slice(0, 160))}`);
      }
    }
  });
  const answersTo = (id: unknown) => output.filter((message) => message.id === id && ('result' in message || 'error' in message));
  const write = async (bytes: Buffer | string) => {
    if (!child.stdin.write(bytes)) await within(new Promise((resolve) => child.stdin.once('drain', resolve)), ANSWER_MS, 'stdin to drain');
  };
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  const waitFor = (check: () => boolean, what: string, timeoutMs = ANSWER_MS) =>
    within(
      (async () => {
        while (!check()) {
          if (!isAlive()) throw new Error(`toolgate stdio exited (code ${child.exitCode}, signal ${child.signalCode}) while waiting for ${what}\nstderr (last 40 lines):\n${tail(stderr, 40)}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })(),
      timeoutMs,
      what,
    );

  await write(`${JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } })}\n`);
  await waitFor(() => answersTo('init').length === 1, 'the answer to initialize', SESSION_MS);
  await write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);

  const sent = new Map<string, Sent>();
  const failures: Failure[] = [];
  const fail = (c: StdioCase, problem: string, text = Buffer.concat(c.writes).toString('utf8')) => failures.push({ marker: c.marker, family: c.family, what: c.what, sent: text, problem });
  const STDIO_BATCH = 50;
  for (let start = 0; start < cases.length; start += STDIO_BATCH) {
    const batch = cases.slice(start, start + STDIO_BATCH);
    const outputBefore = output.length;
    for (const c of batch) {
      for (const line of c.lines) sent.set(line.marker, { marker: line.marker, family: c.family, what: c.what, text: line.text.toString('utf8'), mustReach: line.mustReach });
      for (const [i, piece] of c.writes.entries()) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        await write(piece);
      }
    }
    const alive = `alive-${start}`;
    await write(`${JSON.stringify({ jsonrpc: '2.0', id: alive, method: 'ping' })}\n`);
    const lines = batch.flatMap((c) => c.lines.map((line) => ({ c, line })));
    const idOf = (expect: LineExpectation) => ('id' in expect ? expect.id : undefined);
    const strict = lines.filter(({ line }) => line.expect.kind === 'answer');
    const minNull = lines.filter(({ line }) => line.expect.kind === 'null-error').length;
    const maxNull = minNull + lines.filter(({ line }) => line.expect.kind === 'null-error-or-silent').length;
    const nullErrors = () => output.slice(outputBefore).filter((message) => message.id === null && 'error' in message).length;
    const settled = () => answersTo(alive).length > 0 && strict.every(({ line }) => answersTo(idOf(line.expect)).length > 0) && nullErrors() >= minNull;
    try {
      await waitFor(settled, `the answers to cases ${start}..${start + batch.length - 1} and the ping after them`);
    } catch (error) {
      if (!isAlive()) assert.fail(report(`toolgate stdio died during cases ${start}..${start + batch.length - 1}`, failures, [], `\n${(error as Error).message}`));
      if (answersTo(alive).length === 0) assert.fail(report(`toolgate stdio stopped answering pings after cases ${start}..${start + batch.length - 1}`, failures, []));
      for (const { c, line } of strict) {
        if (answersTo(idOf(line.expect)).length === 0) fail(c, `no answer to id ${JSON.stringify(idOf(line.expect))} within ${ANSWER_MS} ms`, line.text.toString('utf8'));
      }
    }
    // Each line's answers: one per id, and as many id-less errors as there were unreadable lines.
    for (const { c, line } of strict) {
      const id = idOf(line.expect);
      const answers = answersTo(id);
      const expected = strict.filter((other) => idOf(other.line.expect) === id).length;
      if (answers.length > expected) fail(c, `${answers.length} answers to id ${JSON.stringify(id)}, expected ${expected}`, line.text.toString('utf8'));
      const answer = answers[0] as { result?: { isError?: unknown; content?: Array<{ text?: unknown }> }; error?: unknown } | undefined;
      if (answer && line.refusedAnswer && !answer.error && answer.result?.isError !== true) fail(c, `the policy refuses this call, yet it was answered with a success: ${JSON.stringify(answer).slice(0, 200)}`, line.text.toString('utf8'));
      if (answer && line.expectText !== undefined && answer.result?.content?.[0]?.text !== line.expectText) fail(c, `expected the upstream's echo ${JSON.stringify(line.expectText)}, got ${JSON.stringify(answer).slice(0, 200)}`, line.text.toString('utf8'));
    }
    const batchFailure = (problem: string) => failures.push({ marker: `s${start}..s${start + batch.length - 1}`, family: 'batch', what: `${batch.length} cases`, sent: '', problem });
    const nullErrorTexts = () => output.slice(outputBefore).filter((message) => message.id === null && 'error' in message).map((message) => JSON.stringify(message).slice(0, 160)).join('\n          ');
    if (nullErrors() > maxNull) batchFailure(`${nullErrors()} errors with id null, expected at most ${maxNull} (one per line that is not a readable request):\n          ${nullErrorTexts()}`);
    else if (nullErrors() < minNull) batchFailure(`${nullErrors()} errors with id null, expected at least ${minNull} (one per line that is not a readable request)`);
  }
  const known = new Set<unknown>(['init', ...cases.flatMap((c) => c.lines.flatMap((line) => ('id' in line.expect ? [line.expect.id] : []))), ...Array.from({ length: Math.ceil(cases.length / STDIO_BATCH) }, (_, b) => `alive-${b * STDIO_BATCH}`)]);
  const unexpected = output.filter((message) => message.id !== null && message.id !== undefined && !known.has(message.id));
  const violations = [...framing, ...unexpected.slice(0, 10).map((message) => `an answer to an id the fuzzer never sent as a request: ${JSON.stringify(message).slice(0, 200)}`)];
  violations.push(...upstreamViolations(receivedMessages(recordFile), sent));
  const crashSigns = stderr.split('\n').filter((line) => CRASH_SIGNS.test(line));
  if (crashSigns.length) violations.push(`toolgate stdio reported crashes it survived:\n    ${crashSigns.slice(0, 10).join('\n    ')}`);
  const reached = receivedMessages(recordFile).filter((entry) => entry.message.method === 'tools/call').length;
  t.diagnostic(`${sent.size} lines sent, ${output.length} messages answered, ${reached} tools/call reached the upstream, ${failures.length} wrong answers, ${violations.length} other problems`);
  assert.ok(isAlive(), report('toolgate stdio exited', failures, violations, `\nstderr (last 40 lines):\n${tail(stderr, 40)}`));
  assert.ok(reached > 0, 'the fuzzer never got an allowed call through: it tested nothing');
  assert.ok(failures.length === 0 && violations.length === 0, report('the stdio fuzzer found problems', failures, violations));
});

// --- helpers over plain fetch, for the sessions the fuzzer speaks in --------------------------

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function openSession(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/mcp/app`, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }),
    signal: AbortSignal.timeout(SESSION_MS),
  });
  const id = response.headers.get('mcp-session-id');
  const text = await response.text();
  assert.ok(response.status === 200 && id, `initialize failed: HTTP ${response.status} ${text.slice(0, 200)}`);
  const initialized = await fetch(`${baseUrl}/mcp/app`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    signal: AbortSignal.timeout(ANSWER_MS),
  });
  await initialized.text();
  return id;
}

async function deleteSession(baseUrl: string, id: string): Promise<void> {
  const response = await fetch(`${baseUrl}/mcp/app`, { method: 'DELETE', headers: { 'mcp-session-id': id }, signal: AbortSignal.timeout(ANSWER_MS) });
  await response.text();
}

/** True when the session answers a ping (through the gateway to its upstream and back). */
async function pingSession(baseUrl: string, id: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/mcp/app`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: `alive-${Date.now()}`, method: 'ping' }),
    signal: AbortSignal.timeout(ANSWER_MS),
  });
  const text = await response.text();
  return response.status === 200 && text.includes('"result"');
}

/** Why the gateway is not serving, or undefined when it is. */
async function checkAlive(gateway: RunningProcess, baseUrl: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(ANSWER_MS) });
    await response.text();
    return response.status === 200 ? undefined : `/healthz answered ${response.status}`;
  } catch (error) {
    return `/healthz failed (${(error as Error).message}); gateway output (last 40 lines):\n${tail(gateway.output(), 40)}`;
  }
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}
