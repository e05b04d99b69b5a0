/**
 * Traces over OTLP/HTTP: a real gateway exports through the real OpenTelemetry exporter to a
 * receiver of our own; the recording fixture upstream shows the `_meta.traceparent` it received.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { eventually, receivedMessages, startGateway, upstreamCaughtUp, type StartedGateway } from '../helpers/harness.js';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

const POLICY = `
servers:
  app: $RECORDING
policies:
  app:
    tools:
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team."
      echo:
        conditions:
          - if: 'args.text == "needs a person"'
            action: require_approval
`;

function newTraceparent(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe('traces over OTLP/HTTP', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let gw: StartedGateway;
  before(async () => {
    receiver = await startOtlpReceiver();
    gw = await startGateway(`
telemetry:
  service_name: toolgate-under-test
  otlp:
    endpoint: ${receiver.url}/
    headers: { x-api-key: secret-for-the-collector }
${POLICY}`);
  });
  after(async () => {
    await gw?.close();
    await receiver?.close();
  });

  /** The spans of one trace, once `count` of them were exported. */
  async function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
    return eventually(
      async () => {
        await gw.gateway.tracing!.flush();
        const spans = receiver.spans.filter((span) => span.traceId === traceId);
        return spans.length >= count ? spans : undefined;
      },
      15_000,
      `${count} spans of trace ${traceId}`,
    );
  }

  test('an allowed call: the client\'s traceparent is the parent, policy and upstream spans are children, the upstream gets the upstream span in _meta', async () => {
    const client = await gw.connect('app');
    const parent = newTraceparent();
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' }, _meta: { traceparent: parent.traceparent, tracestate: 'vendor=abc' } });
    assert.equal((result.content as Array<{ text: string }>)[0].text, 'hi');

    const spans = await spansOf(parent.traceId, 3);
    const root = spans.find((span) => span.kind === SERVER)!;
    assert.equal(root.name, 'tools/call echo');
    assert.equal(root.parentSpanId, parent.spanId, 'the gateway span is a child of the client span');
    assert.equal(root.service, 'toolgate-under-test');
    assert.equal(root.attributes['mcp.method.name'], 'tools/call');
    assert.equal(root.attributes['gen_ai.tool.name'], 'echo');
    assert.equal(root.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(root.attributes['toolgate.server'], 'app');
    assert.equal(root.attributes['toolgate.decision'], 'allowed');
    assert.equal(root.attributes['toolgate.rule'], 'echo');
    assert.equal(root.attributes['toolgate.policy.revision'], gw.gateway.policy().revision);
    assert.equal(typeof root.attributes['mcp.session.id'], 'string');
    assert.equal(typeof root.attributes['jsonrpc.request.id'], 'string');
    assert.equal(root.status, 0);

    const policy = spans.find((span) => span.name === 'toolgate.policy')!;
    assert.equal(policy.parentSpanId, root.spanId);
    assert.equal(policy.attributes['toolgate.decision'], 'allowed');
    const upstream = spans.find((span) => span.kind === CLIENT)!;
    assert.equal(upstream.name, 'tools/call echo');
    assert.equal(upstream.parentSpanId, root.spanId);
    assert.ok(upstream.startNs >= root.startNs && upstream.endNs <= root.endNs, `the upstream call lies within the request: root ${root.startNs}..${root.endNs}, upstream ${upstream.startNs}..${upstream.endNs}`);

    const forwarded = receivedMessages(gw.recordFile).find((m) => m.message.method === 'tools/call' && (m.message.params?.arguments as { text?: string })?.text === 'hi')!;
    const meta = forwarded.message.params!._meta as Record<string, unknown>;
    assert.equal(meta.traceparent, `00-${parent.traceId}-${upstream.spanId}-01`, 'the upstream joins the trace under the gateway\'s upstream span');
    assert.equal(meta.tracestate, 'vendor=abc');

    const exports = receiver.requests.filter((r) => r.path === '/v1/traces');
    assert.ok(exports.length > 0);
    assert.equal(exports[0].headers['x-api-key'], 'secret-for-the-collector');
  });

  test('a denied call: one span marked as an error, no upstream span, and the upstream never saw it', async () => {
    const client = await gw.connect('app');
    const parent = newTraceparent();
    const result = await client.callTool({ name: 'delete_app', arguments: { name: 'x' }, _meta: { traceparent: parent.traceparent } });
    assert.equal(result.isError, true);
    const spans = await spansOf(parent.traceId, 2);
    const root = spans.find((span) => span.kind === SERVER)!;
    assert.equal(root.attributes['toolgate.decision'], 'denied');
    assert.equal(root.attributes['toolgate.rule'], 'delete_*');
    assert.equal(root.attributes['error.type'], 'tool_error');
    assert.equal(root.status, ERROR);
    assert.deepEqual(spans.map((span) => span.name).sort(), ['toolgate.policy', 'tools/call delete_app']);
    assert.ok(!spans.some((span) => span.kind === CLIENT));
    await upstreamCaughtUp(client);
    assert.ok(!receivedMessages(gw.recordFile).some((m) => m.message.method === 'tools/call' && m.message.params?.name === 'delete_app'));
  });

  test('a held call: the approval hold is a child span, the upstream call follows the approval', async () => {
    const client = await gw.connect('app');
    const parent = newTraceparent();
    const call = client.callTool({ name: 'echo', arguments: { text: 'needs a person' }, _meta: { traceparent: parent.traceparent } });
    const held = await eventually(async () => (await gw.gateway.approvals.list({ status: 'pending' }))[0], 15_000, 'a held call');
    await gw.gateway.approvals.approve(held.id, { approver: 'alice' });
    await call;
    const spans = await spansOf(parent.traceId, 4);
    const root = spans.find((span) => span.kind === SERVER)!;
    const hold = spans.find((span) => span.name === 'toolgate.approval')!;
    assert.equal(hold.parentSpanId, root.spanId);
    assert.equal(hold.attributes['toolgate.approval.status'], 'approved');
    assert.equal(hold.attributes['toolgate.approval.id'], held.id);
    assert.equal(root.attributes['toolgate.decision'], 'approved');
    const upstream = spans.find((span) => span.kind === CLIENT)!;
    assert.ok(upstream.startNs >= hold.endNs, 'forwarded after the approval');
  });

  test('traceparent from the HTTP header; other requests (tools/list) get a span and pass the context on too', async () => {
    const parent = newTraceparent();
    const client = new Client({ name: 'header-client', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url('app')), { requestInit: { headers: { traceparent: parent.traceparent } } }));
    try {
      await client.listTools();
      const spans = await spansOf(parent.traceId, 2);
      const list = spans.find((span) => span.kind === SERVER && span.name === 'tools/list')!;
      assert.equal(list.parentSpanId, parent.spanId);
      const upstream = spans.find((span) => span.kind === CLIENT && span.name === 'tools/list')!;
      assert.equal(upstream.parentSpanId, list.spanId);
      const forwarded = receivedMessages(gw.recordFile).filter((m) => m.message.method === 'tools/list' && (m.message.params?._meta as { traceparent?: string } | undefined)?.traceparent?.includes(parent.traceId));
      assert.equal(forwarded.length, 1);
    } finally {
      await client.close();
    }
  });

  test('abuse: a malformed or oversized traceparent starts a new trace and never reaches the upstream', async () => {
    const client = await gw.connect('app');
    for (const bad of ['00-zz-yy-01', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01${'x'.repeat(5000)}`, '00-00000000000000000000000000000000-0000000000000000-01']) {
      const marker = randomBytes(4).toString('hex');
      await client.callTool({ name: 'echo', arguments: { text: marker }, _meta: { traceparent: bad, tracestate: 'y'.repeat(100_000) } });
      const forwarded = receivedMessages(gw.recordFile).find((m) => (m.message.params?.arguments as { text?: string } | undefined)?.text === marker)!;
      const meta = forwarded.message.params!._meta as { traceparent: string; tracestate?: string };
      assert.match(meta.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.notEqual(meta.traceparent, bad);
      assert.ok(meta.tracestate === undefined, 'the client\'s tracestate does not travel without its traceparent');
      const traceId = meta.traceparent.split('-')[1];
      const spans = await spansOf(traceId, 3);
      assert.equal(spans.find((span) => span.kind === SERVER)!.parentSpanId, undefined, 'a new trace, not a child of garbage');
    }
  });
});

describe('traces off (no telemetry section)', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(POLICY);
  });
  after(async () => gw?.close());

  test('no tracing is built, and the client\'s _meta reaches the upstream unchanged', async () => {
    assert.equal(gw.gateway.tracing, undefined);
    const client = await gw.connect('app');
    const parent = newTraceparent();
    await client.callTool({ name: 'echo', arguments: { text: 'untouched' }, _meta: { traceparent: parent.traceparent } });
    const forwarded = receivedMessages(gw.recordFile).find((m) => (m.message.params?.arguments as { text?: string } | undefined)?.text === 'untouched')!;
    assert.equal((forwarded.message.params!._meta as { traceparent: string }).traceparent, parent.traceparent);
  });
});
