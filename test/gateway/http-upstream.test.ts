import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { childEnv, freePort, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { EVERYTHING_SERVER, RECORDING_SERVER, receivedMessages, receivedToolCalls, resultText, startGateway, tempDir, type StartedGateway } from '../helpers/harness.js';
import { join } from 'node:path';

describe('Streamable HTTP and legacy HTTP+SSE upstreams', () => {
  const upstreams: RunningProcess[] = [];
  let gw: StartedGateway;
  let fixtureRecord: string;

  before(async () => {
    fixtureRecord = join(tempDir(), 'http-received.jsonl');
    const fixture = await spawnReady({
      name: 'recording-server (http)',
      command: process.execPath,
      args: [RECORDING_SERVER, '--http', '--port', '0'],
      env: childEnv({ RECORD_FILE: fixtureRecord }),
      ready: /listening (http:\S+)/,
    });
    upstreams.push(fixture);
    /** server-everything on a free port in one of its HTTP transports; resolves with the port. */
    const everything = async (transport: 'streamableHttp' | 'sse', ready: RegExp): Promise<number> => {
      const port = await freePort();
      upstreams.push(
        await spawnReady({ name: `server-everything (${transport})`, command: process.execPath, args: [EVERYTHING_SERVER, transport], env: childEnv({ PORT: String(port) }), ready }),
      );
      return port;
    };
    const everythingPort = await everything('streamableHttp', /listening on port/i);
    const ssePort = await everything('sse', /running on port/i);
    process.env.TOOLGATE_TEST_TOKEN = 'sekret-123';
    gw = await startGateway(`
servers:
  fixture:
    url: ${fixture.readyMatch}
    headers: { Authorization: "Bearer \${TOOLGATE_TEST_TOKEN}" }
  everything: { url: "http://127.0.0.1:${everythingPort}/mcp" }
  legacy: { url: "http://127.0.0.1:${ssePort}/sse" }
policies:
  fixture:
    tools:
      delete_*: { action: deny, reason: "not over HTTP either" }
  everything:
    tools:
      get-env: { action: deny }
  legacy:
    tools:
      get-env: { action: deny }
`);
  });
  after(async () => {
    await gw?.close();
    await Promise.all(upstreams.map((upstream) => upstream.stop()));
  });

  test('policy applies to an HTTP upstream and a refused call never reaches it', async () => {
    const client = await gw.connect('fixture');
    assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'over http' } })), 'over http');
    const denied = await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
    assert.equal(denied.isError, true);
    assert.deepEqual(receivedToolCalls(fixtureRecord), ['echo']);
  });

  test('configured headers with ${VAR} from the environment reach the upstream', () => {
    const authorizations = new Set(receivedMessages(fixtureRecord).filter((entry) => 'authorization' in entry).map((entry) => (entry as { authorization?: string }).authorization));
    assert.deepEqual([...authorizations], ['Bearer sekret-123']);
  });

  test('sampling from an HTTP upstream reaches the right client, tied by its response stream', async () => {
    const make = async (label: string) => {
      const client = new Client({ name: label, version: '1' }, { capabilities: { sampling: {} } });
      client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: label }, model: 'm' }));
      await client.connect(new StreamableHTTPClientTransport(new URL(gw.url('fixture'))));
      return client;
    };
    const [a, b] = await Promise.all([make('alpha'), make('beta')]);
    const [ra, rb] = await Promise.all([a.callTool({ name: 'ask_model', arguments: { prompt: 'q' } }), b.callTool({ name: 'ask_model', arguments: { prompt: 'q' } })]);
    assert.equal(resultText(ra), 'model said: alpha');
    assert.equal(resultText(rb), 'model said: beta');
    await Promise.all([a.close(), b.close()]);
  });

  test('server-everything over Streamable HTTP: tools, progress, and a denied tool', async () => {
    const client = await gw.connect('everything');
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'echo'));
    assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { message: 'hi' } })), 'Echo: hi');
    const progress: number[] = [];
    await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, { onprogress: (p) => progress.push(p.progress) });
    assert.deepEqual(progress, [1, 2, 3]);
    assert.equal((await client.callTool({ name: 'get-env', arguments: {} })).isError, true);
  });

  test('a legacy HTTP+SSE upstream is detected and served as Streamable HTTP', async () => {
    const client = await gw.connect('legacy');
    assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { message: 'old' } })), 'Echo: old');
    const denied = await client.callTool({ name: 'get-env', arguments: {} });
    assert.equal(denied.isError, true);
    assert.match(resultText(denied), /^Policy violation/);
  });
});
