import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { adminFetch } from '../admin/helpers.js';
import { receivedMessages, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}

describe('bad input gets a precise error and the gateway keeps serving', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0, max_body: 2kb }
servers:
  app: $RECORDING
  broken: { command: /nonexistent/toolgate-no-such-server }
  dies: { command: ${JSON.stringify(process.execPath)}, args: ["-e", "process.exit(7)"] }
`);
  });
  after(() => gw.close());

  test('malformed JSON is -32700 (parse error)', async () => {
    const response = await post(gw.url('app'), '{"jsonrpc": "2.0", "id": 1, "method": ');
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, -32700);
    assert.match(response.json.error.message, /not valid JSON/);
  });

  test('a JSON value that is not a JSON-RPC message is -32600 and says what is wrong', async () => {
    const wrongVersion = await post(gw.url('app'), JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'ping' }));
    assert.equal(wrongVersion.status, 400);
    assert.equal(wrongVersion.json.error.code, -32600);
    assert.match(wrongVersion.json.error.message, /"jsonrpc" member must be exactly "2.0"/);
    const batch = await post(gw.url('app'), JSON.stringify([INIT]));
    assert.match(batch.json.error.message, /batches are not supported/);
  });

  test('an unknown server id is 404 with a JSON body naming the known ids', async () => {
    const response = await post(`${gw.baseUrl}/mcp/nope`, JSON.stringify(INIT));
    assert.equal(response.status, 404);
    assert.equal(response.json.error, 'unknown_server');
    assert.deepEqual(response.json.knownServers, ['app', 'broken', 'dies']);
    assert.match(response.json.message, /No MCP server "nope"/);
  });

  test('an unknown session is 404; a missing session header is 400', async () => {
    const unknown = await post(gw.url('app'), JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { 'mcp-session-id': 'no-such-session' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, -32001);
    assert.match(unknown.json.error.message, /Session not found/);
    const missing = await post(gw.url('app'), JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    assert.equal(missing.status, 400);
    assert.match(missing.json.error.message, /Mcp-Session-Id header is required/);
  });

  test('an oversized body is 413 and never reaches the upstream', async () => {
    const before = receivedMessages(gw.recordFile).length;
    const big = JSON.stringify({ ...INIT, params: { ...INIT.params, padding: 'x'.repeat(4096) } });
    const response = await post(gw.url('app'), big);
    assert.equal(response.status, 413);
    assert.match(response.json.error.message, /larger than 2048 bytes/);
    assert.equal(receivedMessages(gw.recordFile).length, before);
  });

  test('a foreign Host or Origin is refused with 403 (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(gw.url('app'));
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...JSON_HEADERS, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end(JSON.stringify(INIT));
      });
    assert.equal(await status({ host: 'evil.example:8787' }), 403);
    assert.equal(await status({ origin: 'http://evil.example' }), 403);
    assert.equal(await status({ origin: 'http://localhost:6274' }), 200);
  });

  test('a malformed percent-encoded path is 400 naming the problem, on the MCP edge and the admin API alike', async () => {
    for (const method of ['POST', 'GET', 'DELETE']) {
      const response = await fetch(`${gw.baseUrl}/mcp/%E0%A4%A`, { method, headers: JSON_HEADERS, body: method === 'POST' ? JSON.stringify(INIT) : undefined });
      assert.equal(response.status, 400, method);
      const body = await response.json();
      assert.equal(body.error.code, -32600);
      assert.match(body.error.message, /server id in the path, "%E0%A4%A", is not valid percent-encoding/);
    }
    const admin = await adminFetch(gw, 'approvals/%E0%A4%A');
    assert.equal(admin.status, 400);
    assert.match(admin.body.message, /approval id in the path, "%E0%A4%A", is not valid percent-encoding/);
    assert.equal((await fetch(`${gw.baseUrl}/healthz`)).status, 200, 'the gateway keeps serving');
  });

  test('wrong content type is 415 and a missing Accept is 406', async () => {
    const wrongType = await post(gw.url('app'), JSON.stringify(INIT), { 'content-type': 'text/plain' });
    assert.equal(wrongType.status, 415);
    const noAccept = await post(gw.url('app'), JSON.stringify(INIT), { accept: 'application/json' });
    assert.equal(noAccept.status, 406);
  });

  test('an upstream that cannot start gives a prompt error naming the server', async () => {
    const client = new Client({ name: 't', version: '1' });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(gw.url('broken')))), /broken.*(not found|ENOENT)/s);
  });

  test('an upstream that exits at once gives an error naming the server and its exit code', async () => {
    const client = new Client({ name: 't', version: '1' });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(gw.url('dies')))), /"dies".*exited with code 7/s);
  });

  test('an upstream that dies mid-call: the call fails naming the server, the next session gets a fresh upstream', async () => {
    const client = await gw.connect('app');
    await assert.rejects(client.callTool({ name: 'crash', arguments: {} }), /upstream "app".*exited with code 3/s);
    const next = await gw.connect('app');
    assert.equal(resultText(await next.callTool({ name: 'echo', arguments: { text: 'still serving' } })), 'still serving');
    const pids = new Set(receivedMessages(gw.recordFile).filter((entry) => entry.message.method === 'initialize').map((entry) => entry.pid));
    assert.ok(pids.size >= 2, 'each session started its own upstream process');
  });

  test('requests to a session whose upstream died get 404 naming why', async () => {
    const init = await post(gw.url('app'), JSON.stringify(INIT));
    const session = init.headers.get('mcp-session-id')!;
    await post(gw.url('app'), JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), { 'mcp-session-id': session });
    const crash = await post(gw.url('app'), JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'crash', arguments: {} } }), { 'mcp-session-id': session });
    assert.match(crash.text, /exited with code 3/);
    const after = await post(gw.url('app'), JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/list' }), { 'mcp-session-id': session });
    assert.equal(after.status, 404);
    assert.match(after.json.error.message, /ended because .*exited with code 3/);
  });

  test('GET and DELETE follow the transport: 409 for a second GET stream, DELETE ends the session', async () => {
    const init = await post(gw.url('app'), JSON.stringify(INIT));
    const session = init.headers.get('mcp-session-id')!;
    const controller = new AbortController();
    const first = await fetch(gw.url('app'), { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: controller.signal });
    assert.equal(first.status, 200);
    const second = await fetch(gw.url('app'), { headers: { accept: 'text/event-stream', 'mcp-session-id': session } });
    assert.equal(second.status, 409);
    controller.abort();
    const deleted = await fetch(gw.url('app'), { method: 'DELETE', headers: { 'mcp-session-id': session } });
    assert.equal(deleted.status, 200);
    const afterDelete = await post(gw.url('app'), JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }), { 'mcp-session-id': session });
    assert.equal(afterDelete.status, 404);
  });
});
