import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decisionOf, receivedMessages, receivedToolCalls, resultText, startGateway, upstreamCaughtUp } from '../helpers/harness.js';

const isRateLimited = (result: unknown) => (result as { isError?: unknown }).isError === true && decisionOf(result)?.decision === 'rate_limited';

/** A gateway in front of the recording fixture with one rate-limited tool; each test starts its own. */
const gatewayWith = (tool: string, rateLimit: string, options: Parameters<typeof startGateway>[1] = {}) =>
  startGateway(
    `
servers:
  app: $RECORDING
policies:
  app:
    tools:
      ${tool}:
        rate_limit: ${rateLimit}
`,
    options,
  );

test('15 concurrent calls against max 10 admit exactly 10, and the upstream sees exactly 10', async () => {
  const gw = await gatewayWith('echo', '{ max: 10, window: 60 }');
  try {
    const client = await gw.connect('app');
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => client.callTool({ name: 'echo', arguments: { text: `call ${i}` } })));
    const admitted = results.filter((result) => !result.isError);
    const refused = results.filter((result) => isRateLimited(result));
    assert.equal(admitted.length, 10);
    assert.equal(refused.length, 5);
    await upstreamCaughtUp(client);
    assert.equal(receivedToolCalls(gw.recordFile).filter((name) => name === 'echo').length, 10);
    const meta = decisionOf(refused[0])!;
    assert.ok(Number(meta.retryAfterSeconds) > 0 && Number(meta.retryAfterSeconds) <= 60);
    assert.match(resultText(refused[0]), /^Policy violation: .*"echo".*retry in \d+ seconds?/);
  } finally {
    await gw.close();
  }
});

test('each agent session has its own budget (scope session)', async () => {
  const gw = await gatewayWith('echo', '{ max: 2, window: 1h }');
  try {
    const first = await gw.connect('app');
    for (let i = 0; i < 2; i++) assert.equal(resultText(await first.callTool({ name: 'echo', arguments: { text: `first ${i}` } })), `first ${i}`);
    assert.ok(isRateLimited(await first.callTool({ name: 'echo', arguments: { text: 'first over' } })), 'the first session used its budget');
    const second = await gw.connect('app');
    const result = await second.callTool({ name: 'echo', arguments: { text: 'fresh session' } });
    assert.equal(result.isError, undefined);
    assert.equal(resultText(result), 'fresh session');
  } finally {
    await gw.close();
  }
});

test('the window resets by itself (injected clock)', async () => {
  let now = Date.UTC(2026, 0, 1);
  const gw = await gatewayWith('get_status', '{ max: 2, window: 1s }', { now: () => now });
  try {
    const client = await gw.connect('app');
    assert.ok(!(await client.callTool({ name: 'get_status', arguments: {} })).isError);
    now += 400;
    assert.ok(!(await client.callTool({ name: 'get_status', arguments: {} })).isError);
    const third = await client.callTool({ name: 'get_status', arguments: {} });
    assert.ok(isRateLimited(third));
    now += 599; // the first call is still 999 ms old: inside the window
    assert.ok(isRateLimited(await client.callTool({ name: 'get_status', arguments: {} })), 'one millisecond before the window moves past the first call');
    now += 1;
    assert.equal(resultText(await client.callTool({ name: 'get_status', arguments: {} })), 'ok', 'the first call left the window');
    await upstreamCaughtUp(client);
    assert.equal(receivedToolCalls(gw.recordFile).filter((name) => name === 'get_status').length, 3);
  } finally {
    await gw.close();
  }
});

test('scope tool shares one budget across sessions', async () => {
  const gw = await gatewayWith('weather', '{ max: 3, window: 1m, scope: tool }');
  try {
    const first = await gw.connect('app');
    const second = await gw.connect('app');
    for (let i = 0; i < 3; i++) assert.ok(!(await first.callTool({ name: 'weather', arguments: { city: 'Rome' } })).isError);
    const refused = await second.callTool({ name: 'weather', arguments: { city: 'Rome' } });
    assert.ok(isRateLimited(refused));
    await upstreamCaughtUp(second);
    const pids = new Set(receivedMessages(gw.recordFile).filter((entry) => entry.message.method === 'tools/call').map((entry) => entry.pid));
    assert.equal(pids.size, 1, 'only the first session reached its upstream');
    assert.equal(receivedToolCalls(gw.recordFile).length, 3);
  } finally {
    await gw.close();
  }
});
