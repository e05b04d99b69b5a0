/**
 * listServerTools against raw stdio servers that misbehave in the ways its guards are for: a
 * cursor repeated forever, a server that never answers, a server asking toolgate something first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { listServerTools } from '../../src/catalog/node/list-tools.js';
import type { StdioServerConfig } from '../../src/config/types.js';

/** A newline-delimited JSON-RPC server in a few lines; MODE says how it answers tools/list. */
const RAW_SERVER = `
const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\\n');
let buffered = '';
let listRequest;
process.stdin.setEncoding('utf8').on('data', (chunk) => {
  buffered += chunk;
  for (let end = buffered.indexOf('\\n'); end >= 0; end = buffered.indexOf('\\n')) {
    const message = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    if (message.method === 'initialize') send({ id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'raw', title: 'Raw server', version: '0.1' }, instructions: 'Be careful.' } });
    else if (message.method === 'tools/list' && process.env.MODE === 'repeat') send({ id: message.id, result: { tools: [{ name: 'again', inputSchema: { type: 'object' } }], nextCursor: 'same' } });
    else if (message.method === 'tools/list' && process.env.MODE === 'asks') { listRequest = message.id; send({ id: 'server-asks', method: 'roots/list' }); }
    else if (message.id === 'server-asks') send({ id: listRequest, result: { tools: [{ name: 'declined_with_' + message.error.code, inputSchema: { type: 'object' } }] } });
  }
});
`;

const server = (mode: string): StdioServerConfig => ({ kind: 'stdio', command: process.execPath, args: ['-e', RAW_SERVER], env: { MODE: mode }, sessions: 'per-session' });

describe('listServerTools', () => {
  test("a server's own request is declined and the listing goes on; what it said of itself is kept", async () => {
    const listing = await listServerTools('raw', server('asks'), { timeoutMs: 10_000 });
    assert.deepEqual(listing.tools.map((tool) => tool.name), ['declined_with_-32601']);
    assert.deepEqual(listing.info, { name: 'raw', title: 'Raw server', version: '0.1' });
    assert.equal(listing.instructions, 'Be careful.');
  });

  test('a repeated pagination cursor ends the listing with an error naming the server', async () => {
    await assert.rejects(listServerTools('raw', server('repeat'), { timeoutMs: 10_000 }), /^ToolgateError: server "raw" \([\s\S]*\) could not be listed: the server repeated the pagination cursor "same"$/);
  });

  test('a server that never answers tools/list fails after the timeout', async () => {
    await assert.rejects(listServerTools('raw', server('silent'), { timeoutMs: 500 }), /^ToolgateError: server "raw" \([\s\S]*\) could not be listed: no answer in time \(timed out after 500 ms\)$/);
  });
});
