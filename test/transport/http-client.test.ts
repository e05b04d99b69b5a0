import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { discard, MessageTooLarge, readEvents, readText, send } from '../../src/transport/http-client.js';

/** An upstream whose answer each test picks by path; it counts the connections it accepted. */
let server: Server;
let origin: string;
let connections = 0;
const heldStreams = new Set<ServerResponse>();

const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
  '/echo': (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, body })));
  },
  '/never': () => {},
  '/stream': (request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: opened\n\n');
    heldStreams.add(response);
    request.once('close', () => heldStreams.delete(response));
  },
  '/split': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const bytes = Buffer.from('data: café ☕\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    response.write(bytes.subarray(0, cut));
    setImmediate(() => response.end(bytes.subarray(cut)));
  },
  '/large': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(64 * 1024)),
  '/refused': (_request, response) => response.writeHead(404, { 'content-type': 'text/plain' }).end('no such session'),
};

before(async () => {
  server = createServer((request, response) => routes[new URL(request.url!, 'http://x').pathname]!(request, response));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const response of heldStreams) response.end();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, body: string, signal?: AbortSignal) =>
  send(new URL(path, origin), { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });

test('a POST sends its string body, and sequential requests reuse one connection', async () => {
  const opened = connections;
  for (const body of ['{"n":1}', '{"n":"ü"}', '{"n":3}']) {
    const response = await post('/echo', body);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(await readText(response, 1024)), { method: 'POST', body });
  }
  assert.equal(connections - opened, 1);
});

test('a 4xx resolves with its status and body, and a discarded body frees the connection', async () => {
  const response = await post('/refused', '{}');
  assert.equal(response.statusCode, 404);
  assert.equal(await readText(response, 1024), 'no such session');
  const opened = connections;
  const refused = await post('/refused', '{}');
  const drained = once(refused, 'end');
  discard(refused);
  await drained;
  assert.equal((await post('/echo', '{}')).statusCode, 200);
  assert.equal(connections, opened);
});

test('a body over the limit rejects with MessageTooLarge', async () => {
  await assert.rejects(readText(await post('/large', '{}'), 1024), MessageTooLarge);
});

test('no answer within timeoutMs rejects the request and drops its connection', { timeout: 10_000 }, async () => {
  const closed = new Promise((resolve) => server.once('request', (request: IncomingMessage) => request.socket.once('close', resolve)));
  await assert.rejects(send(new URL('/never', origin), { method: 'DELETE', headers: {}, timeoutMs: 100 }));
  await closed;
});

test('aborting the signal rejects a request still waiting for its answer', { timeout: 10_000 }, async () => {
  const aborter = new AbortController();
  const closed = new Promise((resolve) =>
    server.once('request', (request: IncomingMessage) => {
      request.socket.once('close', resolve);
      aborter.abort();
    }),
  );
  const pending = post('/never', '{}', aborter.signal);
  await assert.rejects(pending, { name: 'AbortError' });
  await closed;
});

test('aborting the signal ends an answered event stream', { timeout: 10_000 }, async () => {
  const aborter = new AbortController();
  const response = await send(new URL('/stream', origin), { method: 'GET', headers: { accept: 'text/event-stream' }, signal: aborter.signal });
  const events: string[] = [];
  const reading = readEvents(response, (event) => {
    events.push(event.data);
    aborter.abort();
  }, 1024);
  await assert.rejects(reading);
  assert.deepEqual(events, ['opened']);
});

test('an SSE character split across chunks arrives whole', async () => {
  const events: string[] = [];
  await readEvents(await send(new URL('/split', origin), { method: 'GET', headers: {} }), (event) => events.push(event.data), 1024);
  assert.deepEqual(events, ['café ☕']);
});

test('open GET event streams do not hold up POSTs to the same origin', { timeout: 30_000 }, async () => {
  const aborter = new AbortController();
  const streams = await Promise.all(
    Array.from({ length: 50 }, () => send(new URL('/stream', origin), { method: 'GET', headers: { accept: 'text/event-stream' }, signal: aborter.signal })),
  );
  const received: string[] = [];
  const reading = streams.map((stream) => readEvents(stream, (event) => received.push(event.data), 1024).catch(() => undefined));
  const answers = await Promise.all(Array.from({ length: 100 }, (_, n) => post('/echo', `{"n":${n}}`).then((response) => readText(response, 1024))));
  assert.deepEqual(answers.map((text) => (JSON.parse(text) as { body: string }).body), Array.from({ length: 100 }, (_, n) => `{"n":${n}}`));
  assert.equal(heldStreams.size, 50);
  for (const response of heldStreams) response.write('data: later\n\n');
  await new Promise<void>((resolve) => {
    const check = () => (received.filter((data) => data === 'later').length === 50 ? resolve() : setImmediate(check));
    check();
  });
  aborter.abort();
  await Promise.all(reading);
});
