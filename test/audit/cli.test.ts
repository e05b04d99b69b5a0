/** `toolgate audit` and `toolgate audit export` as a user runs them: a real process on a real file. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { childEnv } from '../helpers/processes.js';
import { CLI } from '../helpers/harness.js';
import { record, tempDir } from './builders.js';

const run = promisify(execFile);

async function audit(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'audit', ...args], { env: childEnv() });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const jsonLines = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('toolgate audit', () => {
  const dir = tempDir();
  const config = join(dir, 'toolgate.yaml');
  const file = join(dir, 'state', 'trail.sqlite');
  const now = Date.now();

  before(async () => {
    writeFileSync(config, 'data_dir: state\nservers:\n  app: { command: node }\naudit: { file: trail.sqlite }\n');
    mkdirSync(join(dir, 'state'));
    const store = new SqliteAuditStore(file);
    await store.apply(
      [
        record({ time: now - 2 * 3_600_000, server: 'aws-ecs', tool: 'delete_app', decision: 'denied', reason: 'Apps are deleted by the platform team.', forwarded: false }),
        record({ time: now - 600_000, server: 'aws-ecs', tool: 'list_apps', decision: 'allowed', upstreamMs: 12.5, outcome: 'result' }),
        record({ time: now - 300_000, server: 'github', tool: 'delete_repo', decision: 'rate_limited', forwarded: false }),
        record({ time: now - 60_000, server: 'github', tool: 'get_issue', decision: 'allowed' }),
      ].map((r) => ({ op: 'add' as const, record: r })),
    );
    await store.close();
  });

  test('--json filters by decision, server, tool glob, since and limit', async () => {
    const tools = async (...args: string[]) => {
      const { stdout, code, stderr } = await audit('-c', config, '--json', ...args);
      assert.equal(code, 0, stderr);
      return jsonLines(stdout).map((r) => r['gen_ai.tool.name']);
    };
    assert.deepEqual(await tools(), ['delete_app', 'list_apps', 'delete_repo', 'get_issue']);
    assert.deepEqual(await tools('--decision', 'denied,rate_limited'), ['delete_app', 'delete_repo']);
    assert.deepEqual(await tools('--server', 'github'), ['delete_repo', 'get_issue']);
    assert.deepEqual(await tools('--tool', 'delete_*'), ['delete_app', 'delete_repo']);
    assert.deepEqual(await tools('--since', '1h'), ['list_apps', 'delete_repo', 'get_issue']);
    assert.deepEqual(await tools('--since', new Date(now - 400_000).toISOString()), ['delete_repo', 'get_issue']);
    assert.deepEqual(await tools('--limit', '2'), ['delete_repo', 'get_issue']);
  });

  test('--json lines carry the OpenTelemetry field names', async () => {
    const { stdout } = await audit('-c', config, '--json', '--tool', 'list_apps');
    const [line] = jsonLines(stdout);
    assert.equal(line['mcp.method.name'], 'tools/call');
    assert.equal(line['gen_ai.tool.name'], 'list_apps');
    assert.equal(line['mcp.session.id'], 'session-1');
    assert.equal(typeof line['jsonrpc.request.id'], 'string');
    assert.equal(line.upstream_ms, 12.5);
    assert.ok('error.type' in line);
  });

  test('the default is a readable table', async () => {
    const { stdout, code } = await audit('-c', config, '--server', 'aws-ecs');
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0], /^\s*ID\s+TIME \(UTC\)\s+SERVER\s+TOOL\s+DECISION\s+RULE\s+UPSTREAM\s+REASON/);
    assert.equal(lines.length, 3);
    assert.match(lines[1], /delete_app\s+denied\s+.*Apps are deleted by the platform team\./);
    assert.match(lines[2], /list_apps\s+allowed\s+.*12\.5ms/);
  });

  test('export writes every record as JSON lines, oldest first', async () => {
    const { stdout, code } = await audit('export', '-c', config);
    assert.equal(code, 0);
    const lines = jsonLines(stdout);
    assert.equal(lines.length, 4);
    const ids = lines.map((l) => l.id as number);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const since = jsonLines((await audit('export', '-c', config, '--since', '7m')).stdout);
    assert.deepEqual(since.map((l) => l['gen_ai.tool.name']), ['delete_repo', 'get_issue']);
  });

  test('--follow prints records as they arrive', async () => {
    const child = spawn(process.execPath, [CLI, 'audit', '-c', config, '--json', '--follow', '--limit', '1'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const seen = async (n: number) => {
      for (let i = 0; i < 100 && out.split('\n').filter(Boolean).length < n; i++) await new Promise((r) => setTimeout(r, 50));
      return jsonLines(out).map((l) => l['gen_ai.tool.name']);
    };
    try {
      assert.deepEqual(await seen(1), ['get_issue']);
      const writer = new SqliteAuditStore(file);
      await writer.apply([{ op: 'add', record: record({ time: Date.now(), tool: 'arrived_later' }) }]);
      await writer.close();
      assert.deepEqual(await seen(2), ['get_issue', 'arrived_later']);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, 'SIGTERM ends --follow cleanly');
  });

  test('mistakes are explained', async () => {
    const bad = await audit('-c', config, '--decision', 'denyed');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /`denyed` is not a decision \(hint: did you mean `denied`\?\)/);
    const since = await audit('-c', config, '--since', 'yesterday');
    assert.match(since.stderr, /--since: `yesterday` is not a duration/);
    const other = tempDir();
    writeFileSync(join(other, 'toolgate.yaml'), 'servers:\n  app: { command: node }\n');
    const missing = await audit('-c', join(other, 'toolgate.yaml'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no audit file at .*audit\.sqlite yet \(hint: it is created when the gateway first starts/);
    writeFileSync(join(other, 'off.yaml'), 'servers:\n  app: { command: node }\naudit: { enabled: false }\n');
    assert.match((await audit('-c', join(other, 'off.yaml'))).stderr, /the audit trail is off/);
  });
});
