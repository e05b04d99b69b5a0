/**
 * Finding 7 of issue 8: every distinct tool name a client sent was kept for good — in the policy's
 * resolution cache, as a metric label, in rate-limit keys, and whole in audit rows (60 names of
 * 1 MB added 257 MB; 120 calls made a 241 MB audit file). Each is bounded now: long names are
 * kept as a prefix and a hash, unknown names share the `_other` label, caches have byte budgets.
 * Observed from outside: the gateway's heap, the /metrics page, the audit file.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { auditFile } from '../../src/audit/audit-log.js';
import { MemoryRateLimitStore } from '../../src/store/memory-rate-limit-store.js';
import { startGateway } from '../helpers/harness.js';
import { adminFetch } from '../admin/helpers.js';
import { INITIALIZE, MCP_HEADERS } from './raw-http.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('many distinct and huge tool names leave the gateway\'s memory, /metrics and the audit file bounded', { timeout: 180_000 }, async () => {
  // The name-length bound is raised past the 1 MB names: memory must stay bounded even then.
  const gw = await startGateway(`
limits: { tool_name_length: 2000000 }
servers:
  app: $RECORDING
policies:
  app:
    tools:
      "*": { rate_limit: { max: 1000, window: 1h, scope: tool } }
`);
  try {
    const client = await gw.connect('app');
    const listed = (await client.listTools()).tools.map((tool) => tool.name);
    await client.callTool({ name: 'echo', arguments: { text: 'known' } });

    const init = await fetch(gw.url('app'), { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
    await init.text();
    const headers = { ...MCP_HEADERS, 'mcp-session-id': init.headers.get('mcp-session-id')! };
    await fetch(gw.url('app'), { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());
    let id = 100;
    const call = async (name: string) => {
      const response = await fetch(gw.url('app'), { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: {} } }) });
      await response.text();
      assert.equal(response.status, 200);
    };

    // The harness keeps every decision event for tests to read: that is the test's memory, not the gateway's.
    gw.decisions.length = 0;
    const before = heapAfterGc();
    const huge = 24;
    for (let i = 0; i < huge; i++) await call(`${String(i).padStart(3, '0')}${'n'.repeat(1024 * 1024)}`);
    // Many distinct names of a length any name-length limit would let through.
    const many = 600;
    for (let batch = 0; batch < many; batch += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, i) => call(`made_up_${batch + i}_${'m'.repeat(180)}`)));
    }
    gw.decisions.length = 0;
    const grewMiB = (heapAfterGc() - before) / 1024 / 1024;
    assert.ok(grewMiB < 24, `the heap kept ${grewMiB.toFixed(1)} MiB after ${huge} 1 MB names and ${many} made-up ones`);

    const metrics = await adminFetch(gw, '/metrics');
    assert.ok(metrics.text.length < 64 * 1024, `/metrics is ${metrics.text.length} bytes`);
    const labels = new Set([...metrics.text.matchAll(/toolgate_decisions_total\{[^}]*tool="([^"]*)"/g)].map((m) => m[1]));
    for (const label of labels) assert.ok(label === '_other' || listed.includes(label), `tool label "${label.slice(0, 40)}" is a tool the upstream listed`);
    assert.ok(labels.has('echo'), 'a listed tool keeps its own label');
    const other = /toolgate_decisions_total\{server="app",tool="_other",agent="anonymous",outcome="allowed"\} (\d+)/.exec(metrics.text);
    assert.equal(Number(other?.[1]), huge + many, 'every made-up name is counted under _other');

    const store = gw.gateway.rateLimits as MemoryRateLimitStore;
    const keys = [...store.keys()];
    assert.ok(keys.length >= huge + many, `each name still has its own counter (${keys.length} keys)`);
    assert.ok(Math.max(...keys.map((key) => key.length)) < 400, 'rate-limit keys hold a bounded form of the name');

    await gw.gateway.audit!.flush();
    const file = auditFile(gw.gateway.config);
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT count(*) AS n, max(length("gen_ai.tool.name")) AS tool, max(length(error_message)) AS message FROM audit').get() as { n: number; tool: number; message: number };
    db.close();
    assert.equal(row.n, huge + many + 1);
    assert.ok(row.tool <= 256, `audit rows keep at most 256 characters of a name (kept ${row.tool})`);
    assert.ok(row.message <= 4200, `audit rows keep a bounded error message (kept ${row.message})`);
    const bytes = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    assert.ok(bytes < 16 * 1024 * 1024, `the audit file is ${(bytes / 1024 / 1024).toFixed(1)} MiB for ${row.n} calls`);
  } finally {
    await gw.close();
  }
});
