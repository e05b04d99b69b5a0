import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { eventually, receivedMessages, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';

/** A client that answers sampling, elicitation and roots requests with answers of its own. */
async function connectAnsweringClient(gw: StartedGateway, label: string): Promise<Client> {
  const client = new Client(
    { name: `client-${label}`, version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  client.setRequestHandler('sampling/createMessage', async () => ({
    role: 'assistant',
    content: { type: 'text', text: `sampled by ${label}` },
    model: 'test-model',
  }));
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: label } }));
  client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: `file:///roots/${label}`, name: label }] }));
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url('app'))));
  return client;
}

describe('fidelity: what the policy does not act on passes through unchanged', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
  everything: $EVERYTHING
  unpinned: { $RECORDING_FIELDS, pinning: off }
`);
  });
  after(() => gw.close());

  test('the upstream sees exactly the capabilities the client declared', async () => {
    await connectAnsweringClient(gw, 'caps');
    const initialize = receivedMessages(gw.recordFile).find(
      (entry) => entry.message.method === 'initialize' && (entry.message.params?.clientInfo as { name?: string } | undefined)?.name === 'client-caps',
    );
    assert.ok(initialize, "the client's initialize reached the upstream");
    assert.deepEqual(initialize.message.params?.capabilities, { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } });
  });

  test('sampling, elicitation and roots requests reach the client session they belong to', async () => {
    const alice = await connectAnsweringClient(gw, 'alice');
    const bob = await connectAnsweringClient(gw, 'bob');
    const [a, b] = await Promise.all([
      alice.callTool({ name: 'ask_model', arguments: { prompt: 'hi' } }),
      bob.callTool({ name: 'ask_model', arguments: { prompt: 'hi' } }),
    ]);
    assert.equal(resultText(a), 'model said: sampled by alice');
    assert.equal(resultText(b), 'model said: sampled by bob');
    assert.equal(resultText(await bob.callTool({ name: 'ask_user', arguments: {} })), 'user said: accept {"name":"bob"}');
    assert.equal(resultText(await alice.callTool({ name: 'list_client_roots', arguments: {} })), 'roots: file:///roots/alice');
  });

  test('progress notifications arrive for the call that asked for them', async () => {
    const client = await gw.connect('app');
    const progress: number[] = [];
    const result = await client.callTool({ name: 'slow', arguments: { steps: 3, ms: 20 } }, { onprogress: (p) => progress.push(p.progress) });
    assert.equal(resultText(result), 'done after 3 steps');
    assert.deepEqual(progress, [1, 2, 3]);
  });

  test('cancellation reaches the upstream with the same request id', async () => {
    const client = await gw.connect('app');
    const controller = new AbortController();
    const pending = client.callTool({ name: 'slow', arguments: { steps: 500, ms: 20 } }, { signal: controller.signal });
    const messages = () => receivedMessages(gw.recordFile).map((entry) => entry.message);
    const call = await eventually(
      () => messages().find((message) => message.method === 'tools/call' && message.params?.name === 'slow' && (message.params.arguments as { steps: number }).steps === 500),
      10_000,
      'the call to reach the upstream',
    );
    controller.abort('test cancels');
    await assert.rejects(pending);
    await eventually(
      () => messages().find((message) => message.method === 'notifications/cancelled' && message.params?.requestId === call.id),
      10_000,
      'notifications/cancelled with the upstream request id of the call',
    );
  });

  test('log messages sent during a call reach the client', async () => {
    const client = await gw.connect('app');
    const logs: unknown[] = [];
    client.setNotificationHandler('notifications/message', (notification) => {
      logs.push(notification.params.data);
    });
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'log_something', arguments: {} });
    assert.deepEqual(logs, ['something to note']);
  });

  test('tools/list_changed reaches the client and the new tool is listed', async () => {
    // Pinning off: with it, a tool added after the server was pinned waits for a person (test/gateway/pinning.test.ts).
    const client = await gw.connect('unpinned');
    let changed = false;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed = true;
    });
    await client.callTool({ name: 'change_tools', arguments: {} });
    await eventually(() => changed, 5000, 'notifications/tools/list_changed');
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'added_later'));
  });

  test('outputSchema, resources and prompts pass through', async () => {
    const client = await gw.connect('app');
    const weather = (await client.listTools()).tools.find((tool) => tool.name === 'weather')!;
    assert.deepEqual(weather.outputSchema?.required, ['city', 'celsius']);
    const resource = await client.readResource({ uri: 'fixture://greeting' });
    assert.equal((resource.contents[0] as { text: string }).text, 'hello from a resource');
    const prompt = await client.getPrompt({ name: 'review' });
    assert.equal((prompt.messages[0].content as { text: string }).text, 'Please review.');
  });

  test('pagination cursors pass through, every page', async () => {
    const client = await gw.connect('app');
    // The SDK client follows nextCursor itself; the upstream's record shows each page was asked for.
    const { resources } = await client.listResources();
    assert.equal(resources.length, 25);
    assert.equal(new Set(resources.map((resource) => resource.uri)).size, 25);
    const cursors = receivedMessages(gw.recordFile)
      .filter((entry) => entry.message.method === 'resources/list')
      .map((entry) => (entry.message.params as { cursor?: string } | undefined)?.cursor);
    assert.deepEqual(cursors.slice(-3), [undefined, Buffer.from('10').toString('base64url'), Buffer.from('20').toString('base64url')]);
  });

  test('completions and annotated content pass through (server-everything)', async () => {
    const client = await gw.connect('everything');
    const prompts = await client.listPrompts();
    const withArgs = prompts.prompts.find((prompt) => prompt.arguments?.some((argument) => argument.name === 'department'));
    assert.ok(withArgs, `server-everything lists a prompt with a completable "department" argument; it listed ${prompts.prompts.map((prompt) => prompt.name).join(', ')}`);
    const ref = { type: 'ref/prompt' as const, name: withArgs.name };
    const department = await client.complete({ ref, argument: { name: 'department', value: 'E' } });
    assert.deepEqual(department.completion.values, ['Engineering']);
    const name = await client.complete({ ref, argument: { name: 'name', value: '' }, context: { arguments: { department: 'Sales' } } });
    assert.deepEqual(name.completion.values, ['David', 'Eve', 'Frank'], 'the completion context passes through');
    const image = await client.callTool({ name: 'get-tiny-image', arguments: {} });
    assert.ok((image.content as Array<{ type: string }>).some((block) => block.type === 'image'));
    const structured = await client.callTool({ name: 'get-structured-content', arguments: { location: 'New York' } });
    assert.ok(structured.structuredContent);
  });
});
