#!/usr/bin/env node
/**
 * A Streamable HTTP MCP upstream built for speed: node:http, JSON answers only (no SSE), sessions
 * in a Map. `GET` is answered 405, which the protocol allows and which tells a gateway there is no
 * standalone stream to hold open.
 *
 *   node dist/bench/http-echo-server.js [--port N] [--host H]
 *
 * Prints `listening <port>` on stdout when ready; exits when stdin ends or its parent dies.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { answer, exitWithParent } from './echo-protocol.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
const sessions = new Set<string>();

const server = createServer((request, response) => {
  if (request.method === 'POST') {
    readBody(request, (body) => post(request, response, body));
    return;
  }
  request.resume();
  if (request.method === 'DELETE') {
    const id = request.headers['mcp-session-id'];
    const known = typeof id === 'string' && sessions.delete(id);
    plain(response, known ? 200 : 404, known ? '' : 'Session not found');
    return;
  }
  response.setHeader('allow', 'POST, DELETE');
  plain(response, 405, 'This echo server has no standalone GET stream; use POST');
});
server.keepAliveTimeout = 65_000;

function post(request: IncomingMessage, response: ServerResponse, body: string): void {
  let message;
  try {
    message = JSON.parse(body);
  } catch {
    json(response, 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: the body is not JSON"}}');
    return;
  }
  const header = request.headers['mcp-session-id'];
  const isInitialize = message?.method === 'initialize';
  if (!isInitialize) {
    if (typeof header !== 'string') {
      json(response, 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad request: Mcp-Session-Id header missing; send initialize first"}}');
      return;
    }
    if (!sessions.has(header)) {
      json(response, 404, '{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}');
      return;
    }
  }
  const reply = answer(message);
  if (reply.kind === 'accepted') {
    response.writeHead(202).end();
    return;
  }
  if (reply.initialized) {
    const id = randomUUID();
    sessions.add(id);
    json(response, 200, reply.body, id);
    return;
  }
  json(response, 200, reply.body);
}

function readBody(request: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => done(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
}

function json(response: ServerResponse, status: number, body: string, sessionId?: string): void {
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  response.writeHead(status, headers).end(body);
}

function plain(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body);
}

server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : values.port}\n`);
});
process.stdin.on('end', () => process.exit(0)).resume();
exitWithParent();
