import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { receivedMessages, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';

describe('sessions: shared — one upstream process for every client session', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: { $RECORDING_FIELDS, sessions: shared }
policies:
  app:
    tools:
      echo: { rate_limit: { max: 2, window: 1h } }
`);
  });
  after(() => gw.close());

  test('sessions share one process, keep their own ids, progress and budgets', async () => {
    const first = await gw.connect('app');
    const second = await gw.connect('app');
    const [a, b] = await Promise.all([
      first.callTool({ name: 'echo', arguments: { text: 'from first' } }),
      second.callTool({ name: 'echo', arguments: { text: 'from second' } }),
    ]);
    assert.equal(resultText(a), 'from first');
    assert.equal(resultText(b), 'from second');
    const progress: number[] = [];
    await second.callTool({ name: 'slow', arguments: { steps: 2, ms: 10 } }, { onprogress: (p) => progress.push(p.progress) });
    assert.deepEqual(progress, [1, 2]);
    assert.equal(resultText(await first.callTool({ name: 'echo', arguments: { text: 'again' } })), 'again', 'the second call of the budget passes');
    assert.equal((await first.callTool({ name: 'echo', arguments: { text: 'third' } })).isError, true, 'budgets stay per session');
    const messages = receivedMessages(gw.recordFile);
    assert.equal(new Set(messages.map((entry) => entry.pid)).size, 1, 'one upstream process');
    assert.equal(messages.filter((entry) => entry.message.method === 'initialize').length, 1, 'initialized once');
  });

  test('a server request goes to the session whose call is in flight', async () => {
    const client = new Client({ name: 'sampler', version: '1' }, { capabilities: { sampling: {} } });
    client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'shared answer' }, model: 'm' }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url('app'))));
    assert.equal(resultText(await client.callTool({ name: 'ask_model', arguments: { prompt: 'x' } })), 'model said: shared answer');
    await client.close();
  });
});
