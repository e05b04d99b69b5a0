/**
 * Finding 2 of issue 8: Host and Origin were taken as loopback when they merely started with
 * `127.`, so a page at `127.0.0.1.attacker.example` (a name the attacker points at this machine)
 * got answers and a CORS allow. Each hostile form must get 403 and no CORS header; each
 * legitimate form must still work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type StartedGateway } from '../helpers/harness.js';
import { rawRequest } from './raw-http.js';

describe('DNS rebinding: Host and Origin are compared exactly', () => {
  let gw: StartedGateway;
  let port: string;
  before(async () => {
    gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0, allowed_hosts: [gateway.internal.example, "proxy.example:9000"], allowed_origins: ["http://app.example:5173"] }
servers:
  app: $RECORDING
`);
    port = new URL(gw.baseUrl).port;
  });
  after(() => gw.close());

  /** A CORS preflight for the MCP endpoint, as a browser sends it before a cross-origin POST. */
  const preflight = (headers: Record<string, string>) =>
    rawRequest(gw.baseUrl, { method: 'OPTIONS', path: '/mcp/app', headers: { 'access-control-request-method': 'POST', ...headers } });

  const hostileHosts = [
    '127.0.0.1.attacker.example',
    '127.0.0.1.attacker.example:$PORT',
    '127.attacker.example',
    'localhost.attacker.example',
    'attacker.example:$PORT',
    '127.0.0.1.nip.io',
    '[::1].attacker.example',
    'gateway.internal.example.attacker.example',
    'proxy.example:9001',
    '127.0.0.1:80@attacker.example',
  ];
  /** `$PORT` in a header stands for the gateway's port, known once it listens. */
  const withPort = (value: string) => value.replace('$PORT', port);

  for (const entry of hostileHosts) {
    test(`Host ${JSON.stringify(entry)} is refused with 403`, async () => {
      const host = withPort(entry);
      const health = await rawRequest(gw.baseUrl, { path: '/healthz', headers: { host } });
      assert.equal(health.status, 403, health.text);
      const cors = await preflight({ host, origin: `http://${host}` });
      assert.equal(cors.status, 403);
      assert.equal(cors.headers['access-control-allow-origin'], undefined);
    });
  }

  const hostileOrigins = [
    'http://127.attacker.example',
    'http://127.0.0.1.attacker.example',
    'https://127.0.0.1.attacker.example:8443',
    'http://localhost.attacker.example',
    'http://attacker.example',
    'http://app.example:5174',
    'http://app.example',
    'null',
    'chrome-extension://127.0.0.1',
    'file://',
  ];
  for (const origin of hostileOrigins) {
    test(`Origin ${JSON.stringify(origin)} gets 403 and no CORS allow`, async () => {
      const cors = await preflight({ host: `127.0.0.1:${port}`, origin });
      assert.equal(cors.status, 403, cors.text);
      assert.equal(cors.headers['access-control-allow-origin'], undefined);
      assert.match(cors.json.error.message, /Origin .* not (allowed|a valid origin)/);
    });
  }

  const legitimateHosts = [
    '127.0.0.1:$PORT',
    '127.0.0.2:$PORT',
    '127.255.255.254:$PORT',
    '[::1]:$PORT',
    'localhost:$PORT',
    'LOCALHOST:$PORT',
    'localhost',
    'gateway.internal.example',
    'gateway.internal.example:$PORT',
    'proxy.example:9000',
  ];
  for (const entry of legitimateHosts) {
    test(`Host ${JSON.stringify(entry)} is served`, async () => {
      const health = await rawRequest(gw.baseUrl, { path: '/healthz', headers: { host: withPort(entry) } });
      assert.equal(health.status, 200, health.text);
      assert.equal(health.json.status, 'ok');
    });
  }

  const legitimateOrigins = ['http://127.0.0.1:6274', 'http://127.0.0.2:3000', 'http://[::1]:3000', 'http://localhost:6274', 'https://localhost', 'http://app.example:5173'];
  for (const origin of legitimateOrigins) {
    test(`Origin ${JSON.stringify(origin)} gets its CORS allow`, async () => {
      const cors = await preflight({ host: `127.0.0.1:${port}`, origin });
      assert.equal(cors.status, 204);
      assert.equal(cors.headers['access-control-allow-origin'], origin);
    });
  }

  test('a legitimate browser origin can open an MCP session', async () => {
    const response = await rawRequest(gw.baseUrl, {
      method: 'POST',
      path: '/mcp/app',
      headers: { host: `localhost:${port}`, origin: 'http://[::1]:3000', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['access-control-allow-origin'], 'http://[::1]:3000');
    assert.equal(typeof response.headers['mcp-session-id'], 'string');
    await rawRequest(gw.baseUrl, { method: 'DELETE', path: '/mcp/app', headers: { 'mcp-session-id': String(response.headers['mcp-session-id']) } });
  });
});
