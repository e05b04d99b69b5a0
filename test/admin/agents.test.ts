/**
 * Agents through the observability surface: verified agents (API keys) as a metrics label, as
 * `enduser.id` on their spans, as a search filter and as pages of their own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startGateway, type StartedGateway } from '../helpers/harness.js';
import { Clients } from '../identity/helpers.js';
import { startOtlpReceiver } from '../telemetry/otlp-receiver.js';
import { adminFetch } from './helpers.js';

const KEYS = { ci: 'ci-bot-key-0123456789', alice: 'alice-key-0123456789ab' };

describe('agents: metrics label, span attribute, search filter and pages', () => {
  let gw: StartedGateway;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const clients = new Clients();
  before(async () => {
    receiver = await startOtlpReceiver();
    gw = await startGateway(`
telemetry:
  otlp: { endpoint: "${receiver.url}" }
auth:
  agents:
    ci-bot: { key: "${KEYS.ci}" }
    alice: { key: "${KEYS.alice}" }
servers:
  app: $RECORDING
policies:
  app:
    tools:
      delete_*: { action: deny, reason: "not for agents" }
`);
    const ci = await clients.as(gw.url('app'), KEYS.ci);
    await ci.client.listTools();
    await ci.client.callTool({ name: 'echo', arguments: { text: 'from ci' } });
    await ci.client.callTool({ name: 'delete_app', arguments: {} });
    const alice = await clients.as(gw.url('app'), KEYS.alice);
    await alice.client.callTool({ name: 'echo', arguments: { text: 'from alice' } });
    await gw.gateway.audit!.flush();
  });
  after(async () => {
    await clients.closeAll();
    await gw?.close();
    await receiver?.close();
  });

  test('metrics: decisions and upstream time by verified agent', async () => {
    const page = (await adminFetch(gw, '/metrics')).text;
    assert.match(page, /^toolgate_decisions_total\{server="app",tool="echo",agent="ci-bot",outcome="allowed"\} 1$/m);
    assert.match(page, /^toolgate_decisions_total\{server="app",tool="delete_app",agent="ci-bot",outcome="denied"\} 1$/m);
    assert.match(page, /^toolgate_decisions_total\{server="app",tool="echo",agent="alice",outcome="allowed"\} 1$/m);
    assert.match(page, /^toolgate_upstream_duration_seconds_count\{server="app",tool="echo",agent="alice",outcome="result"\} 1$/m);
  });

  test('spans carry the verified agent as enduser.id', async () => {
    const spans = await eventually(
      async () => {
        await gw.gateway.tracing!.flush();
        const calls = receiver.spans.filter((span) => span.kind === 2 && span.name === 'tools/call echo');
        return calls.length >= 2 ? calls : undefined;
      },
      15_000,
      'the spans of both echo calls',
    );
    assert.deepEqual(spans.map((span) => span.attributes['enduser.id']).sort(), ['alice', 'ci-bot']);
  });

  test('search by agent, the agents of the week, and an agent\'s page with its sessions', async () => {
    const ci = await adminFetch(gw, 'history/search?agent=ci-bot');
    assert.deepEqual(ci.body.records.map((r: any) => r.tool).sort(), ['delete_app', 'echo']);
    const agents = await adminFetch(gw, 'agents');
    assert.deepEqual(agents.body.map((a: any) => [a.agent, a.calls, a.refused]).sort(), [['alice', 1, 0], ['ci-bot', 2, 1]]);
    const page = await adminFetch(gw, 'agents/ci-bot');
    assert.equal(page.body.counts.total, 2);
    assert.equal(page.body.counts.refused, 1);
    assert.equal(page.body.sessions.length, 1);
    assert.equal(page.body.sessions[0].calls, 2);
    assert.equal((await adminFetch(gw, 'agents/nobody')).body.counts.total, 0);
  });
});
