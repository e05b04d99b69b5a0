import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import type { JsonRpcMessage } from '../../src/transport/jsonrpc.js';
import { StdioUpstream } from '../../src/transport/stdio-upstream.js';

/** A stdio "server" that reports the names and values of its environment, then waits for stdin to close. */
const REPORT_ENVIRONMENT = `process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/environment', params: process.env }) + '\\n'); process.stdin.resume();`;

const secretNames = ['TOOLGATE_TEST_GATEWAY_SECRET'];
after(() => {
  for (const name of secretNames) delete process.env[name];
});

test("a stdio server gets PATH, HOME and its configured env, never the gateway's other variables", async () => {
  process.env.TOOLGATE_TEST_GATEWAY_SECRET = 'sk-live-gateway-only';
  const upstream = new StdioUpstream({
    serverId: 'env-probe',
    command: process.execPath,
    args: ['-e', REPORT_ENVIRONMENT],
    env: { CONFIGURED: 'from-env-key' },
    log: pino({ level: 'silent' }),
    maxLineBytes: 1 << 20,
  });
  try {
    const message = await new Promise<JsonRpcMessage>((resolve) => (upstream.onmessage = resolve));
    const env = (message as { params: Record<string, string> }).params;
    assert.equal(env.CONFIGURED, 'from-env-key');
    assert.equal(env.PATH, process.env.PATH);
    if (process.env.HOME !== undefined) assert.equal(env.HOME, process.env.HOME);
    assert.equal(env.TOOLGATE_TEST_GATEWAY_SECRET, undefined, 'a variable of the gateway reached the server');
  } finally {
    await upstream.close();
  }
});

test('an inherited variable whose value is an exported shell function is not passed on', async () => {
  const previousTerm = process.env.TERM;
  process.env.TERM = '() { :; }; echo pwned';
  try {
    const upstream = new StdioUpstream({ serverId: 'env-probe', command: process.execPath, args: ['-e', REPORT_ENVIRONMENT], env: {}, log: pino({ level: 'silent' }), maxLineBytes: 1 << 20 });
    try {
      const message = await new Promise<JsonRpcMessage>((resolve) => (upstream.onmessage = resolve));
      const env = (message as { params: Record<string, string> }).params;
      assert.equal(env.TERM, undefined);
      assert.equal(env.PATH, process.env.PATH);
    } finally {
      await upstream.close();
    }
  } finally {
    if (previousTerm === undefined) delete process.env.TERM;
    else process.env.TERM = previousTerm;
  }
});
