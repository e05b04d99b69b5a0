/**
 * Finding 4: `tools/call` sent as a notification (no `id`) was forwarded raw — undecided,
 * unaudited. A request method without an id is refused per JSON-RPC (-32600, id null) on every
 * transport and never forwarded; the upstream's log proves it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { CLI, RECORDING_SERVER, receivedMessages, startGateway, tempDir } from '../helpers/harness.js';
import { childEnv } from '../helpers/processes.js';
import { RawSession, type RawMessage } from './raw-client.js';

const POLICY = `
policies:
  app:
    tools:
      delete_app: { action: deny }
`;

/** Requests sent without an id: a denied tool, an allowed one, and a non-tool request. */
const ID_LESS: RawMessage[] = [
  { jsonrpc: '2.0', method: 'tools/call', params: { name: 'delete_app', arguments: { name: 'prod' } } },
  { jsonrpc: '2.0', method: 'tools/call', params: { name: 'echo', arguments: { text: 'sneaked' } } },
  { jsonrpc: '2.0', method: 'resources/read', params: { uri: 'fixture://greeting' } },
];

/** The messages of the methods sent without an id that reached the upstream (the gateway's own tools/list aside). */
function arrived(recordFile: string): Array<{ method?: string; id?: unknown }> {
  const methods = new Set(ID_LESS.map((message) => message.method));
  return receivedMessages(recordFile)
    .map((entry) => entry.message)
    .filter((message) => methods.has(message.method));
}

describe('a request sent as a notification is refused, never forwarded', () => {
  test('over Streamable HTTP: 400 with a JSON-RPC -32600, id null', async () => {
    const gw = await startGateway(`servers:\n  app: $RECORDING\n${POLICY}`);
    try {
      const session = await RawSession.open(gw.url('app'));
      for (const message of ID_LESS) {
        const answer = await session.post(message);
        assert.equal(answer.status, 400, message.method);
        assert.equal(answer.messages.length, 1);
        const [error] = answer.messages;
        assert.equal(error.id, null);
        assert.equal(error.error?.code, -32600);
        assert.match(error.error?.message ?? '', new RegExp(`"${message.method}" was sent without an "id"`));
      }
      const echo = await session.request({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'proper' } } });
      assert.ok(echo.result, JSON.stringify(echo));
      assert.deepEqual(arrived(gw.recordFile), [{ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'proper' } } }]);
      assert.equal(gw.decisions.length, 1, 'only the proper call was decided');
    } finally {
      await gw.close();
    }
  });

  // The timeout bounds the failure (a forwarded notification gets no answer line); not a speed goal.
  test('over stdio: an error line with id null', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const recordFile = join(dir, 'received.jsonl');
    const configFile = join(dir, 'toolgate.yaml');
    writeFileSync(configFile, `data_dir: ${dir}/data\nservers:\n  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }\n${POLICY}`);
    const child = spawn(process.execPath, [CLI, 'stdio', 'app', '-c', configFile], { env: childEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<RawMessage> => JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as RawMessage;
    const send = (message: RawMessage) => child.stdin.write(`${JSON.stringify(message)}\n`);
    try {
      send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      assert.equal((await next()).id, 0);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      for (const message of ID_LESS) {
        send(message);
        const error = await next();
        assert.equal(error.id, null, JSON.stringify(error));
        assert.equal(error.error?.code, -32600);
        assert.match(error.error?.message ?? '', new RegExp(`"${message.method}" was sent without an "id"`));
      }
      send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'proper' } } });
      const echo = await next();
      assert.equal(echo.id, 1);
      assert.ok(echo.result, JSON.stringify(echo));
      assert.deepEqual(
        arrived(recordFile).map((message) => [message.method, message.id]),
        [['tools/call', 1]],
        'only the proper call reached the upstream',
      );
    } finally {
      child.stdin.end();
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
