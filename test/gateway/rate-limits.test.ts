import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decisionOf, receivedToolCalls, resultText, sleep, startGateway, type StartedGateway } from '../helpers/harness.js';

const isRateLimited = (result: unknown) => (result as { isError?: unknown }).isError === true && decisionOf(result)?.decision === 'rate_limited';

describe('rate limits through the gateway', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
policies:
  app:
    tools:
      echo:
        rate_limit: { max: 10, window: 60 }
      get_status:
        rate_limit: { max: 2, window: 1s }
      weather:
        rate_limit: { max: 3, window: 1m, scope: tool }
`);
  });
  after(() => gw.close());

  test('15 concurrent calls against max 10 admit exactly 10, and the upstream sees exactly 10', async () => {
    const client = await gw.connect('app');
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => client.callTool({ name: 'echo', arguments: { text: `call ${i}` } })));
    const admitted = results.filter((result) => !result.isError);
    const refused = results.filter((result) => isRateLimited(result));
    assert.equal(admitted.length, 10);
    assert.equal(refused.length, 5);
    assert.equal(receivedToolCalls(gw.recordFile).filter((name) => name === 'echo').length, 10);
    const meta = decisionOf(refused[0])!;
    assert.ok(Number(meta.retryAfterSeconds) > 0 && Number(meta.retryAfterSeconds) <= 60);
    assert.match(resultText(refused[0]), /^Policy violation: .*"echo".*retry in \d+ seconds?/);
  });

  test('each agent session has its own budget (scope session)', async () => {
    const other = await gw.connect('app');
    const result = await other.callTool({ name: 'echo', arguments: { text: 'fresh session' } });
    assert.equal(result.isError, undefined);
    assert.equal(resultText(result), 'fresh session');
  });

  test('the window resets by itself', async () => {
    const client = await gw.connect('app');
    assert.ok(!(await client.callTool({ name: 'get_status', arguments: {} })).isError);
    assert.ok(!(await client.callTool({ name: 'get_status', arguments: {} })).isError);
    const third = await client.callTool({ name: 'get_status', arguments: {} });
    assert.ok(isRateLimited(third));
    await sleep(1100);
    const later = await client.callTool({ name: 'get_status', arguments: {} });
    assert.equal(resultText(later), 'ok');
  });

  test('scope tool shares one budget across sessions', async () => {
    const first = await gw.connect('app');
    const second = await gw.connect('app');
    for (let i = 0; i < 3; i++) assert.ok(!(await first.callTool({ name: 'weather', arguments: { city: 'Rome' } })).isError);
    const refused = await second.callTool({ name: 'weather', arguments: { city: 'Rome' } });
    assert.ok(isRateLimited(refused));
  });
});
