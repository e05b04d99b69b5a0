import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startGateway, type StartedGateway } from '../helpers/harness.js';
import { adminFetch } from './helpers.js';

/** The value of one sample line, e.g. `toolgate_decisions_total{server="app",tool="echo",outcome="allowed"}`. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of page.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  let gw: StartedGateway;
  let other: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
policies:
  app:
    tools:
      delete_*: { action: deny, reason: "no" }
`);
    other = await startGateway('servers:\n  app: $RECORDING\n');
  });
  after(async () => {
    await gw.close();
    await other.close();
  });

  test('needs the admin token', async () => {
    const res = await adminFetch(gw, '/metrics', { token: null });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'unauthorized');
  });

  test('counts decisions, upstream time and policy time after real calls; gauges for sessions and approvals; process metrics', async () => {
    const client = await gw.connect('app');
    await client.listTools(); // tool labels are the names the upstream listed (others count as _other)
    await client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await client.callTool({ name: 'echo', arguments: { text: 'b' } });
    await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
    const held = await gw.gateway.approvals.hold({ server: 'app', tool: 'deploy_webapp', arguments: {}, requestId: 1, rule: 'deploy_webapp', timeoutMs: 60_000 });

    const res = await adminFetch(gw, '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const page = res.text;
    assert.equal(sample(page, 'toolgate_decisions_total', { server: 'app', tool: 'echo', outcome: 'allowed' }), 2);
    assert.equal(sample(page, 'toolgate_decisions_total', { server: 'app', tool: 'delete_app', outcome: 'denied' }), 1);
    assert.equal(sample(page, 'toolgate_upstream_duration_seconds_count', { server: 'app', tool: 'echo', outcome: 'result' }), 2);
    assert.ok(sample(page, 'toolgate_upstream_duration_seconds_sum', { server: 'app', tool: 'echo', outcome: 'result' })! > 0);
    assert.equal(sample(page, 'toolgate_upstream_duration_seconds_bucket', { server: 'app', tool: 'echo', outcome: 'result', le: '+Inf' }), 2);
    assert.equal(sample(page, 'toolgate_upstream_duration_seconds_count', { tool: 'delete_app' }), undefined, 'a refused call never reached the upstream');
    assert.equal(sample(page, 'toolgate_policy_decision_seconds_count', { server: 'app', outcome: 'allowed' }), 2);
    assert.equal(sample(page, 'toolgate_policy_decision_seconds_count', { server: 'app', outcome: 'denied' }), 1);
    assert.equal(sample(page, 'toolgate_pending_approvals'), 1);
    assert.equal(sample(page, 'toolgate_active_sessions'), 1);
    assert.match(page, /^toolgate_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
    assert.match(page, /^# TYPE toolgate_upstream_duration_seconds histogram$/m);
    assert.match(page, /^process_cpu_user_seconds_total \d/m);
    assert.match(page, /^nodejs_heap_size_used_bytes \d/m);

    await gw.gateway.approvals.refuse(held.approval.id, 'test over');
    await held.outcome;
    const after = (await adminFetch(gw, '/metrics')).text;
    assert.equal(sample(after, 'toolgate_pending_approvals'), 0);
    assert.equal(sample(after, 'toolgate_approvals_total', { server: 'app', tool: 'deploy_webapp', status: 'refused' }), 1);
  });

  test('each gateway counts only its own calls', async () => {
    const page = (await adminFetch(other, '/metrics')).text;
    assert.equal(sample(page, 'toolgate_decisions_total', { tool: 'echo' }), undefined);
    assert.equal(sample(page, 'toolgate_active_sessions'), 0);
  });
});

describe('/metrics: reloads, pin changes and store health', () => {
  // One upstream process for every session: a change it makes is seen by each of them.
  const yaml = (rule: string) => `
servers:
  app: { $RECORDING_FIELDS, sessions: shared }
policies:
  app:
    tools:
      ${rule}
`;
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(yaml('delete_*: { action: deny }'), { watch: true });
  });
  after(() => gw.close());
  const page = async () => (await adminFetch(gw, '/metrics')).text;

  test('config reloads: applied and refused are counted, the revision in force is a label', async () => {
    const before = await page();
    assert.equal(sample(before, 'toolgate_config_reloads_total', { result: 'applied' }), 0);
    assert.equal(sample(before, 'toolgate_config_last_reload_timestamp_seconds'), 0);
    assert.equal(sample(before, 'toolgate_policy_info', { revision: gw.gateway.policy().revision }), 1);
    const first = gw.gateway.policy().revision;

    gw.rewrite(yaml('drop_*: { action: deny }'));
    await eventually(() => gw.gateway.policy().revision !== first, 15_000, 'the reload');
    gw.rewrite(yaml('drop_*: { action: explode }'));
    await eventually(async () => sample(await page(), 'toolgate_config_reloads_total', { result: 'refused' }) === 1, 15_000, 'the refused reload counted');
    const after = await page();
    assert.equal(sample(after, 'toolgate_config_reloads_total', { result: 'applied' }), 1);
    assert.ok(sample(after, 'toolgate_config_last_reload_timestamp_seconds')! > Date.now() / 1000 - 600);
    assert.equal(sample(after, 'toolgate_policy_info', { revision: gw.gateway.policy().revision }), 1);
    assert.equal(sample(after, 'toolgate_policy_info', { revision: first }), undefined, 'only the revision in force');
  });

  test('a changed tool definition is counted once, however many sessions see it, and waits for review', async () => {
    const a = await gw.connect('app');
    const b = await gw.connect('app');
    await a.listTools();
    await b.listTools();
    assert.equal(sample(await page(), 'toolgate_pins_awaiting_review'), 0);
    await a.callTool({ name: 'rug_pull', arguments: {} });
    await eventually(async () => !(await a.listTools()).tools.some((tool) => tool.name === 'get_status'), 15_000, 'the changed tool hidden from session a');
    await eventually(async () => !(await b.listTools()).tools.some((tool) => tool.name === 'get_status'), 15_000, 'the changed tool hidden from session b');
    const text = await page();
    assert.equal(sample(text, 'toolgate_pin_changes_total', { server: 'app', tool: 'get_status' }), 1);
    assert.equal(sample(text, 'toolgate_pins_awaiting_review'), 1);
  });

  test('store health: audit counters are exported and start at zero', async () => {
    const text = await page();
    assert.equal(sample(text, 'toolgate_store_errors_total', { store: 'state' }), 0);
    assert.equal(sample(text, 'toolgate_store_errors_total', { store: 'audit' }), 0);
    assert.equal(sample(text, 'toolgate_store_errors_total', { store: 'audit_journal' }), 0);
    assert.equal(typeof sample(text, 'toolgate_audit_pending_records'), 'number');
  });
});
