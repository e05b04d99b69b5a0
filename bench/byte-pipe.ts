#!/usr/bin/env node
/**
 * The floor a proxy written in Node can reach: a node:http server that pipes each request to the
 * upstream through a keep-alive agent and pipes the answer back, headers and bodies untouched, no
 * parsing, no policy. Every toolgate cell is also reported as a ratio to this one, so what the
 * gateway's own work costs is separated from what any HTTP hop in this runtime costs.
 *
 *   node dist/bench/byte-pipe.js --upstream http://127.0.0.1:18901/mcp [--port N] [--host H]
 *
 * Prints `listening <port>` on stdout when ready; exits when stdin ends or its parent dies.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { exitWithParent } from './echo-protocol.js';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});
if (!values.upstream) throw new Error('--upstream URL is required');
const upstream = new URL(values.upstream);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
/** Hop-by-hop headers are the connection's, not the message's (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

const server = createServer((request, response) => {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  const forward = httpRequest(upstream, { method: request.method, headers, agent }, (answer) => {
    const back: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
    response.writeHead(answer.statusCode ?? 502, back);
    answer.pipe(response);
  });
  forward.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
    response.end(`byte pipe: ${error.message}`);
  });
  request.pipe(forward);
});
server.keepAliveTimeout = 65_000;

server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : values.port}\n`);
});
process.stdin.on('end', () => process.exit(0)).resume();
exitWithParent();
