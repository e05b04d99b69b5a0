/**
 * Finding 8 of issue 8: stdio framing appended each chunk to the pending text and searched it
 * all again, so a 32 MB line took seconds (and an upstream's long stderr line stalled every other
 * server), and no line had a size limit. Splitting is linear now, and `limits.max_line_bytes`
 * bounds what is held: a client's stdin line over it gets a JSON-RPC error, an upstream's stdout
 * line over it ends that upstream, an stderr line is cut.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LineSplitter, type LineLimit } from '../../src/transport/line-splitter.js';
import { childEnv } from '../helpers/processes.js';
import { CLI, eventually, receivedToolCalls, REPO_ROOT, resultText, startGateway } from '../helpers/harness.js';
import { childPids, isAlive } from './children.js';

const NOISY = join(REPO_ROOT, 'dist', 'test', 'security', 'fixtures', 'noisy-server.js');

function split(chunks: string[], limit: Partial<LineLimit> = {}): { lines: string[]; tooLong: number[] } {
  const lines: string[] = [];
  const tooLong: number[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), { maxBytes: 1_000_000, overflow: 'drop', onTooLong: (bytes) => tooLong.push(bytes), ...limit });
  for (const chunk of chunks) splitter.push(chunk);
  return { lines, tooLong };
}

describe('LineSplitter', () => {
  const cases: Array<{ name: string; chunks: string[]; limit?: Partial<LineLimit>; lines: string[]; tooLong?: number[] }> = [
    { name: 'one line per newline', chunks: ['a\nb\n'], lines: ['a', 'b'] },
    { name: 'a line across chunks', chunks: ['{"a"', ':1', '}\n'], lines: ['{"a":1}'] },
    { name: 'CRLF and empty lines', chunks: ['a\r\n\r\n', '\nb\r', '\n'], lines: ['a', 'b'] },
    { name: 'no newline yet: nothing delivered', chunks: ['abc'], lines: [] },
    { name: 'exactly the limit passes', chunks: ['abcd', '\n'], limit: { maxBytes: 4 }, lines: ['abcd'] },
    { name: 'one byte over is dropped, told once, and the next line is read', chunks: ['abc', 'de', 'fgh', 'ij\nok\n'], limit: { maxBytes: 4 }, lines: ['ok'], tooLong: [5] },
    { name: 'the limit counts UTF-8 bytes, not characters', chunks: ['ééé\n', 'éé\n'], limit: { maxBytes: 4 }, lines: ['éé'], tooLong: [6] },
    { name: 'truncate keeps the start and says how much was cut', chunks: ['abcdefgh', 'ij\nnext\n'], limit: { maxBytes: 4, overflow: 'truncate' }, lines: ['abcd [... 6 more characters cut: the line is longer than limits.max_line_bytes]', 'next'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = split(c.chunks, c.limit);
      assert.deepEqual(result.lines, c.lines);
      assert.deepEqual(result.tooLong, c.tooLong ?? []);
    });
  }

  test('a line of 32 MB in 64 KB chunks arrives whole (its speed: npm run bench, line framing)', () => {
    const chunk = 'x'.repeat(64 * 1024);
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), { maxBytes: 64 * 1024 * 1024, overflow: 'drop' });
    for (let i = 0; i < 512; i++) splitter.push(chunk);
    splitter.push('\n');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].length, 32 * 1024 * 1024);
  });
});

describe('stdio framing limits, end to end', () => {
  test('an upstream writing a 128 MB stderr line: the gateway reads it with bounded memory and keeps serving other servers', { timeout: 120_000 }, async () => {
    const gw = await startGateway(`
servers:
  noisy: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(NOISY)}] }
  app: $RECORDING
`);
    try {
      const noisy = await gw.connect('noisy');
      const app = await gw.connect('app');
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      let most = before;
      const sampler = setInterval(() => (most = Math.max(most, process.memoryUsage().heapUsed)), 5);
      const flood = noisy.callTool({ name: 'stderr_flood', arguments: { megabytes: 128 } }, { timeout: 110_000 });
      const meanwhile = app.callTool({ name: 'echo', arguments: { text: 'meanwhile' } });
      assert.equal(resultText(await meanwhile), 'meanwhile', 'another server answers during the flood');
      assert.equal(resultText(await flood), 'flooded 128 MB', 'the flooding server is read to the end');
      clearInterval(sampler);
      const grewMiB = (most - before) / 1024 / 1024;
      assert.ok(grewMiB < 48, `the gateway's heap grew by ${grewMiB.toFixed(1)} MiB while reading a 128 MB line (it keeps 2 KB of it)`);
      assert.equal(resultText(await noisy.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
    } finally {
      await gw.close();
    }
  });

  test('an upstream stdout line over limits.max_line_bytes ends that upstream with an error naming the limit', async () => {
    const gw = await startGateway(`
limits: { max_line_bytes: 64kb }
servers:
  noisy: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(NOISY)}] }
`);
    try {
      const client = await gw.connect('noisy');
      assert.equal(resultText(await client.callTool({ name: 'big_answer', arguments: { bytes: 60_000 } })).length, 60_000, 'a line under the limit passes');
      const [pid] = childPids();
      await assert.rejects(client.callTool({ name: 'big_answer', arguments: { bytes: 100_000 } }), /more than 65536 bytes \(limits\.max_line_bytes/);
      assert.ok(await eventually(() => !isAlive(pid), 10_000), 'the upstream process was ended');
    } finally {
      await gw.close();
    }
  });

  test('toolgate stdio: a client line over limits.max_line_bytes gets a JSON-RPC error, is dropped, and the session goes on', async () => {
    const gw = await startGateway(`
servers:
  app: $RECORDING
`);
    await gw.close(); // only its folder, record file and config writer are used: the CLI below is the gateway
    const { writeFileSync } = await import('node:fs');
    writeFileSync(gw.configFile, `data_dir: ${JSON.stringify(join(gw.dir, 'data'))}\nlimits: { max_line_bytes: 64kb }\nservers:\n  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(join(REPO_ROOT, 'dist', 'test', 'fixtures', 'recording-server.js'))}], env: { RECORD_FILE: ${JSON.stringify(gw.recordFile)} } }\n`);
    const child = spawn(process.execPath, [CLI, 'stdio', 'app', '-c', gw.configFile], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const answers: Array<Record<string, any>> = [];
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line) answers.push(JSON.parse(line));
    });
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const answerTo = (id: number | null) => eventually(() => answers.find((answer) => answer.id === id), 15_000);
    try {
      send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      assert.ok((await answerTo(1))?.result);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });

      // 1 MB of one call, written in pieces as a pipe would deliver it.
      const huge = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(1024 * 1024) } } });
      for (let at = 0; at < huge.length; at += 100_000) child.stdin.write(huge.slice(at, at + 100_000));
      child.stdin.write('\n');
      const refused = await answerTo(null);
      assert.ok(refused, 'the over-long line is answered');
      assert.equal(refused.error.code, -32011);
      assert.match(refused.error.message, /longer than limits\.max_line_bytes \(65536 bytes/);

      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'small' } } });
      assert.equal((await answerTo(3))?.result?.content?.[0]?.text, 'small');
      assert.equal(answers.some((answer) => answer.id === 2), false, 'the dropped call got no answer of its own');
      assert.deepEqual(receivedToolCalls(gw.recordFile), ['echo'], 'only the small call reached the upstream');
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

/** A minimal Streamable HTTP upstream whose tools answer with one huge JSON body or one huge SSE event. */
async function hugeAnswersServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.method === 'DELETE') return void response.writeHead(200).end();
    if (request.method !== 'POST') return void response.writeHead(405).end();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (message.id === undefined) return void response.writeHead(202).end();
      const answer = (result: unknown) => JSON.stringify({ jsonrpc: '2.0', id: message.id, result });
      const text = (size: number) => ({ content: [{ type: 'text', text: 'h'.repeat(size) }] });
      if (message.method === 'initialize') {
        response.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'huge-1' });
        return void response.end(answer({ protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'huge', version: '1' } }));
      }
      if (message.method === 'tools/call' && message.params.name === 'big_event') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        return void response.end(`event: message\ndata: ${answer(text(100_000))}\n\n`);
      }
      const size = message.method === 'tools/call' && message.params.name === 'big_json' ? 100_000 : 10;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(message.method === 'tools/list' ? answer({ tools: [] }) : answer(text(size)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}

test('an HTTP upstream message over limits.max_line_bytes (JSON body or SSE event) ends that upstream with an error naming the limit', async () => {
  const upstream = await hugeAnswersServer();
  const gw = await startGateway(`
limits: { max_line_bytes: 64kb }
servers:
  web: { url: ${JSON.stringify(upstream.url)} }
`);
  try {
    const small = await gw.connect('web');
    assert.equal(resultText(await small.callTool({ name: 'small', arguments: {} })).length, 10);
    for (const name of ['big_json', 'big_event']) {
      const client = await gw.connect('web');
      await assert.rejects(client.callTool({ name, arguments: {} }), /more than 65536 bytes \(limits\.max_line_bytes\)/, name);
    }
  } finally {
    await gw.close();
    upstream.server.close();
  }
});
