import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { decisionOf, receivedToolCalls, resultText, startGateway, upstreamCaughtUp, type StartedGateway } from '../helpers/harness.js';

describe('policy enforcement through the gateway (recording fixture over stdio)', () => {
  // A gateway per test: each reads the upstream's record and the decisions of its own calls only.
  let gw: StartedGateway;
  beforeEach(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
policies:
  app:
    default: allow
    tools:
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team."
      delete_app:
        action: allow
      delete_every*:
        action: deny
        reason: "longer glob wins"
      admin_*:
        action: hide
      deploy_webapp:
        validate:
          input_schema: true
          arguments:
            properties:
              region: { enum: [us-east-1, eu-west-1] }
        conditions:
          - if: 'args.project_root.startsWith("/etc")'
            action: deny
            reason: "Deploy only from a workspace."
`);
  });
  afterEach(() => gw.close());

  test('an allowed call reaches the upstream and its result comes back unchanged', async () => {
    const client = await gw.connect('app');
    const result = await client.callTool({ name: 'weather', arguments: { city: 'Oslo' } });
    assert.deepEqual(result.structuredContent, { city: 'Oslo', celsius: 21 });
    assert.deepEqual(result._meta, { 'fixture/source': 'recording-server' });
    assert.deepEqual(receivedToolCalls(gw.recordFile), ['weather']);
  });

  test('precedence: exact name beats glob, longer glob beats shorter glob', async () => {
    const client = await gw.connect('app');
    const longer = await client.callTool({ name: 'delete_everything', arguments: {} });
    assert.equal(longer.isError, true);
    assert.match(resultText(longer), /^Policy violation: .*delete_everything.*delete_every\*.*longer glob wins/);
    const exact = await client.callTool({ name: 'delete_app', arguments: { name: 'web' } });
    assert.equal(resultText(exact), 'deleted web');
    // delete_app was forwarded after the refusal, on the same upstream connection: had delete_everything gone out, it would be recorded first.
    assert.deepEqual(receivedToolCalls(gw.recordFile), ['delete_app'], 'the upstream never received the denied call');
  });

  test('a denied call is a tool error naming tool, rule and reason, with machine-readable _meta', async () => {
    const client = await gw.connect('app');
    const result = await client.callTool({ name: 'delete_thing', arguments: {} });
    assert.equal(result.isError, true);
    assert.equal(resultText(result), 'Policy violation: tool "delete_thing" on server "app" was denied by rule "delete_*" (action): Apps are deleted by the platform team.');
    const meta = decisionOf(result)!;
    assert.equal(meta.decision, 'deny');
    assert.equal(meta.rule, 'delete_*');
    assert.equal(meta.reason, 'Apps are deleted by the platform team.');
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile), []);
  });

  test('a hidden tool is absent from tools/list and calling it is -32602 unknown tool', async () => {
    const client = await gw.connect('app');
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    assert.ok(names.includes('echo'));
    assert.ok(!names.includes('admin_reset'));
    await assert.rejects(client.callTool({ name: 'admin_reset', arguments: {} }), (error: { code?: number; message: string }) => {
      assert.equal(error.code, -32602);
      assert.match(error.message, /Unknown tool: admin_reset/);
      return true;
    });
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile), []);
  });

  test('validation against the tool schema and an extra schema names the failing path', async () => {
    const client = await gw.connect('app');
    const missing = await client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/work/app' } });
    assert.equal(missing.isError, true);
    assert.match(resultText(missing), /\/region is required/);
    const badRegion = await client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/work/app', region: 'ap-south-1' } });
    assert.match(resultText(badRegion), /\/region/);
    assert.deepEqual((decisionOf(badRegion)!.issues as Array<{ path: string }>).map((issue) => issue.path), ['/region']);
    const badType = await client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/w', region: 'us-east-1', replicas: 0 } });
    assert.match(resultText(badType), /\/replicas must be >= 1/);
    const good = await client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/work/app', region: 'eu-west-1' } });
    assert.equal(resultText(good), 'deployed /work/app to eu-west-1');
    assert.deepEqual(receivedToolCalls(gw.recordFile), ['deploy_webapp'], 'only the valid call arrived');
  });

  test('a condition over the arguments denies with its reason', async () => {
    const client = await gw.connect('app');
    const result = await client.callTool({ name: 'deploy_webapp', arguments: { project_root: '/etc/app', region: 'us-east-1' } });
    assert.equal(result.isError, true);
    assert.match(resultText(result), /Deploy only from a workspace/);
    assert.equal(decisionOf(result)!.part, 'conditions[0]');
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile), []);
  });

  test('every decision is reported with rule, revision and timing', async () => {
    const client = await gw.connect('app');
    await client.callTool({ name: 'delete_thing', arguments: {} });
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    assert.deepEqual(
      gw.decisions.map((event) => [event.call.tool, event.decision.kind, event.forwarded]),
      [
        ['delete_thing', 'deny', false],
        ['echo', 'allow', true],
      ],
    );
    const denied = gw.decisions.find((event) => event.call.tool === 'delete_thing');
    assert.ok(denied);
    assert.equal(denied.decision.kind, 'deny');
    assert.equal(denied.forwarded, false);
    assert.match(denied.policyRevision, /^[0-9a-f]{12}$/);
    assert.ok(denied.policyMicros >= 0);
  });
});

describe('default deny and monitor mode', () => {
  test('a server with default deny refuses unnamed tools and says how to allow them', async () => {
    const gw = await startGateway(`
servers:
  app: $RECORDING
policies:
  app:
    default: deny
    tools:
      "get_*": {}
`);
    try {
      const client = await gw.connect('app');
      assert.equal(resultText(await client.callTool({ name: 'get_status', arguments: {} })), 'ok');
      const refused = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
      assert.equal(refused.isError, true);
      assert.match(resultText(refused), /default/);
      await upstreamCaughtUp(client);
      assert.deepEqual(receivedToolCalls(gw.recordFile), ['get_status']);
    } finally {
      await gw.close();
    }
  });

  test('monitor mode forwards everything and records what would have been refused', async () => {
    const gw = await startGateway(`
mode: monitor
servers:
  app: $RECORDING
policies:
  app:
    tools:
      delete_app: { action: deny, reason: "no" }
`);
    try {
      const client = await gw.connect('app');
      const result = await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
      assert.equal(resultText(result), 'deleted x');
      assert.deepEqual(receivedToolCalls(gw.recordFile), ['delete_app']);
      const event = gw.decisions.find((candidate) => candidate.call.tool === 'delete_app')!;
      assert.equal(event.decision.kind, 'deny');
      assert.equal(event.decision.mode, 'monitor');
      assert.equal(event.forwarded, true);
    } finally {
      await gw.close();
    }
  });

  test('per-server mode overrides the top-level mode', async () => {
    const gw = await startGateway(`
mode: monitor
servers:
  strict: { $RECORDING_FIELDS, mode: enforce }
policies:
  strict:
    tools:
      delete_app: { action: deny }
`);
    try {
      const client = await gw.connect('strict');
      const result = await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
      assert.equal(result.isError, true);
      await upstreamCaughtUp(client);
      assert.deepEqual(receivedToolCalls(gw.recordFile), []);
    } finally {
      await gw.close();
    }
  });
});
