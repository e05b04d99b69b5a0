/**
 * Issue 8, finding 8 (second half): each session kept its last 1,000 SSE events for resumption
 * however large they were, and 1,000 queued GET-stream messages. Both are bounded in bytes by
 * `limits.replay_buffer` now, and resuming from an event that is no longer kept gets a clear
 * answer instead of a stream with a silent gap.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { HttpEdge } from '../../src/transport/http/http-server.js';
import { eventually, RECORDING_SERVER, tempDir } from '../helpers/harness.js';
import { MCP_HEADERS } from './raw-http.js';
import { anonymousAgent } from '../../src/identity/agent.js';

const REPLAY_BYTES = 4096;

/** A request whose SSE events (id, data) are collected as they arrive. */
function openEvents(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string) {
  const events: Array<{ id?: string; data: string }> = [];
  let status = 0;
  let text = '';
  let hangUp = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method, headers }, (res) => {
      status = res.statusCode!;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((match) => match[1]).join('\n');
          if (id !== undefined || data) events.push({ id, data });
        }
      });
      res.on('end', resolve);
      res.on('close', resolve);
    });
    req.on('error', (error) => (/aborted|socket hang up/.test(error.message) ? resolve() : reject(error)));
    hangUp = () => req.destroy();
    req.end(body);
  });
  return { events, done, hangUp: () => hangUp(), status: () => status, text: () => text };
}

test('the replay log is bounded in bytes; resuming from an event it no longer keeps gets 410 naming limits.replay_buffer', async () => {
  const dir = tempDir();
  const file = join(dir, 'toolgate.yaml');
  writeFileSync(file, `data_dir: ${JSON.stringify(join(dir, 'data'))}\nlimits: { replay_buffer: ${REPLAY_BYTES} }\nservers:\n  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}] }\n`);
  const config = await loadConfig(file);
  const log = pino({ level: 'silent' });
  const gateway = new Gateway({ config, log, audit: null });
  // The gateway's own edge class on a socket of this test, so its sessions can be inspected.
  const edge = new HttpEdge({ host: gateway, listenHost: '127.0.0.1', allowedHosts: [], allowedOrigins: [], maxBodyBytes: 1 << 20, log, limits: () => config.limits, authenticate: async () => anonymousAgent() });
  const { port } = await edge.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/mcp/app`;
  let mostRetained = 0;
  const sampler = setInterval(() => {
    for (const session of edge.sessions.values()) mostRetained = Math.max(mostRetained, session.retainedBytes);
  }, 2);
  try {
    const init = await fetch(url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    await init.text();
    const headers = { ...MCP_HEADERS, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
    await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());

    // 150 progress notifications of ~100 bytes: far more than 4 KB of events.
    const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { steps: 150, ms: 2 }, _meta: { progressToken: 'p' } } });
    const first = openEvents(url, 'POST', headers, call);
    assert.ok(await eventually(() => first.events.some((event) => event.data.includes('"progress":100,')), 20_000), 'progress 100 arrived');
    first.hangUp();
    const firstProgress = first.events.find((event) => event.data.includes('notifications/progress'))!;
    const lastSeen = first.events.at(-1)!;

    const tooOld = openEvents(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': headers['mcp-session-id'], 'last-event-id': firstProgress.id! });
    await tooOld.done;
    assert.equal(tooOld.status(), 410, tooOld.text());
    const answer = JSON.parse(tooOld.text());
    assert.equal(answer.error.code, -32011);
    assert.match(answer.error.message, /no longer kept.*limits\.replay_buffer/);

    const recent = openEvents(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': headers['mcp-session-id'], 'last-event-id': lastSeen.id! });
    await recent.done;
    assert.equal(recent.status(), 200);
    const seen = [...first.events, ...recent.events].filter((event) => event.data.includes('notifications/progress')).map((event) => JSON.parse(event.data).params.progress);
    assert.deepEqual(seen, Array.from({ length: 150 }, (_, i) => i + 1), 'a recent event still resumes without a gap');
    assert.match(recent.events.at(-1)!.data, /done after 150 steps/);

    assert.ok(mostRetained > 0 && mostRetained <= REPLAY_BYTES, `a session held at most ${REPLAY_BYTES} bytes of events (held ${mostRetained})`);
    const garbage = openEvents(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': headers['mcp-session-id'], 'last-event-id': 'not-an-event/3' });
    await garbage.done;
    assert.equal(garbage.status(), 400, 'an id this session never sent is refused, not taken for a new stream');
  } finally {
    clearInterval(sampler);
    await edge.close();
    await gateway.close();
  }
});
