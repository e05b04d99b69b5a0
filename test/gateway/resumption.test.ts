import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { eventually, startGateway, within } from '../helpers/harness.js';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Opens a request and returns the SSE events (id, data) as they arrive, with a way to hang up. */
function openEvents(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string) {
  const events: Array<{ id?: string; data: string }> = [];
  let hangUp = () => {};
  const done = new Promise<number>((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method, headers }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((match) => match[1]).join('\n');
          if (id !== undefined || data) events.push({ id, data });
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('end', () => resolve(res.statusCode!));
      res.on('close', () => resolve(res.statusCode!));
    });
    req.on('error', (error) => (error.message.includes('aborted') || error.message.includes('socket hang up') ? resolve(0) : reject(error)));
    hangUp = () => req.destroy();
    req.end(body);
  });
  return { events, done, hangUp: () => hangUp() };
}

test('a client that loses a call\'s event stream resumes it with Last-Event-ID and misses nothing', async () => {
  const gw = await startGateway('servers:\n  app: $RECORDING\n');
  try {
    const url = gw.url('app');
    const init = await fetch(url, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const sessionHeaders = { ...HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    await fetch(url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());

    const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { steps: 6, ms: 80 }, _meta: { progressToken: 'p' } } });
    const first = openEvents(url, 'POST', sessionHeaders, call);
    await eventually(() => first.events.some((event) => event.data.includes('"progress":2')), 15_000, 'the second progress notification on the first stream');
    first.hangUp();
    const seen = first.events.filter((event) => event.data);
    const lastId = first.events.at(-1)!.id!;
    assert.ok(first.events[0].id && first.events[0].data === '', 'the stream starts with a priming event that carries an id');

    const resumed = openEvents(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': lastId });
    await within(resumed.done, 15_000, 'the resumed stream to end after the response');
    const progress = [...seen, ...resumed.events].filter((event) => event.data.includes('notifications/progress')).map((event) => JSON.parse(event.data).params.progress);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6], 'every progress notification arrives exactly once across the two streams');
    const result = resumed.events.map((event) => event.data).find((data) => data.includes('"id":7'));
    assert.ok(result, 'the response arrives on the resumed stream');
    assert.match(result!, /done after 6 steps/);
  } finally {
    await gw.close();
  }
});
