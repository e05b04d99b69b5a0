import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, receivedToolCalls, resultText, startGateway } from '../helpers/harness.js';

const POLICY = (action: string) => `
servers:
  app: $RECORDING
policies:
  app:
    tools:
      echo:
        rate_limit: { max: 3, window: 1h }
      delete_app: { action: ${action}, reason: "by policy" }
`;

const REFUSED = 'the changed config was refused; the previous config keeps serving';

test('policy changes are picked up while running; a broken file is refused and counters survive', async () => {
  const gw = await startGateway(POLICY('deny'), { watch: true });
  try {
    const client = await gw.connect('app');
    assert.equal((await client.callTool({ name: 'delete_app', arguments: { name: 'a' } })).isError, true);
    for (let i = 0; i < 2; i++) assert.ok(!(await client.callTool({ name: 'echo', arguments: { text: 'x' } })).isError);
    const firstRevision = gw.gateway.policy().revision;

    gw.rewrite(POLICY('allow'));
    await eventually(() => gw.gateway.policy().revision !== firstRevision, 10_000, 'the rewritten config to be loaded');
    assert.equal(resultText(await client.callTool({ name: 'delete_app', arguments: { name: 'a' } })), 'deleted a', 'the same session sees the new policy');

    const goodRevision = gw.gateway.policy().revision;
    gw.rewrite(`${POLICY('deny')}\n      broken_rule: { action: explode }\n`);
    // The refusal is logged once the watcher has read the broken file: only then is "unchanged" proof of anything.
    const refusal = await eventually(() => gw.logs.find((line) => line.msg === REFUSED), 10_000, 'the watcher to refuse the broken config');
    assert.match(JSON.stringify(refusal.problems), /broken_rule.*explode/);
    assert.equal(gw.gateway.policy().revision, goodRevision, 'the broken file was refused');
    assert.equal(resultText(await client.callTool({ name: 'delete_app', arguments: { name: 'b' } })), 'deleted b', 'the old policy keeps serving');

    // Two of three echo calls were used before the reloads; the counter survived them.
    assert.ok(!(await client.callTool({ name: 'echo', arguments: { text: 'x' } })).isError);
    const refused = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    assert.equal(refused.isError, true);
    assert.match(resultText(refused), /Rate limit/);
    assert.equal(receivedToolCalls(gw.recordFile).filter((name) => name === 'echo').length, 3);
  } finally {
    await gw.close();
  }
});
