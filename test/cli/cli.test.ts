import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { childEnv, freePort, httpReady, spawnReady } from '../helpers/processes.js';
import { CLI, RECORDING_SERVER, receivedToolCalls, resultText, tempDir } from '../helpers/harness.js';
import { printedStdioLaunches, toolsVia } from './snippets.js';

function toolgate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: childEnv(env), timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeConfig(text: string): { dir: string; file: string; recordFile: string } {
  const dir = tempDir();
  const recordFile = join(dir, 'received.jsonl');
  const file = join(dir, 'toolgate.yaml');
  writeFileSync(file, text.replaceAll('$RECORDING', `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }`));
  return { dir, file, recordFile };
}

describe('toolgate CLI', () => {
  test('validate exits 0 on a good file and 1 with every problem located on a broken one', () => {
    const good = writeConfig('servers:\n  app: $RECORDING\npolicies:\n  app:\n    tools:\n      delete_*: { action: deny }\n');
    const ok = toolgate(['validate', '-c', good.file]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /OK — 1 server\(s\) \(app\), policy revision [0-9a-f]{12}/);

    const broken = writeConfig(
      [
        'listen: { host: 127.0.0.1, prot: 8787 }',
        'servers:',
        '  app: $RECORDING',
        'policies:',
        '  app:',
        '    default: maybe',
        '    tools:',
        '      echo:',
        '        rate_limit: { max: 10, window: 1 fortnight }',
        '  ghost:',
        '    tools: {}',
        '',
      ].join('\n'),
    );
    const bad = toolgate(['validate', '-c', broken.file]);
    assert.equal(bad.code, 1);
    const lines = bad.stderr.split('\n').filter((line) => line.includes(broken.file));
    assert.ok(lines.length >= 4, bad.stderr);
    assert.match(bad.stderr, new RegExp(`toolgate.yaml:1:\\d+: .*prot.*port`));
    assert.match(bad.stderr, /toolgate.yaml:6:\d+: .*default/);
    assert.match(bad.stderr, /toolgate.yaml:9:\d+: .*window/);
    assert.match(bad.stderr, /toolgate.yaml:10:\d+: .*ghost/);
  });

  test('require_approval validates; an approval notifying an undefined channel is located', () => {
    const ok = writeConfig('servers:\n  app: $RECORDING\npolicies:\n  app:\n    tools:\n      deploy: { action: require_approval, approval: { timeout: 5m } }\n');
    assert.equal(toolgate(['validate', '-c', ok.file]).code, 0);
    const bad = writeConfig('servers:\n  app: $RECORDING\npolicies:\n  app:\n    tools:\n      deploy: { action: require_approval, approval: { notify: [webhook] } }\n');
    const result = toolgate(['validate', '-c', bad.file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /toolgate.yaml:6:\d+: .*notification channel `webhook` is not defined \(hint: add it under `notifications`/);
  });

  test('validate names a missing file', () => {
    const result = toolgate(['validate', '-c', '/nonexistent/toolgate.yaml']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\/nonexistent\/toolgate.yaml/);
  });

  test('schema prints a JSON Schema editors can use', () => {
    const result = toolgate(['schema']);
    assert.equal(result.code, 0);
    const schema = JSON.parse(result.stdout);
    assert.ok(schema.properties.servers);
    assert.ok(schema.properties.policies);
    assert.equal(schema.additionalProperties, false);
  });

  test('stdio: a desktop client launches the gateway; the policy applies and stdout carries only protocol', async () => {
    const config = writeConfig('log: { level: debug }\nservers:\n  app: $RECORDING\npolicies:\n  app:\n    tools:\n      delete_*: { action: deny, reason: "no" }\n');
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', 'app', '-c', config.file], env: childEnv() as Record<string, string>, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'desktop', version: '1' });
    await client.connect(transport);
    try {
      assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'via stdio' } })), 'via stdio');
      const denied = await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
      assert.equal(denied.isError, true);
      assert.deepEqual(receivedToolCalls(config.recordFile), ['echo']);
    } finally {
      await client.close();
    }
    assert.match(stderr, /"msg":"tool call refused"/, 'logs go to stderr');
  });

  test('serve prints the proxy URLs and client snippets, serves, and stops on SIGTERM', async () => {
    const port = await freePort();
    const config = writeConfig(`listen: { host: 127.0.0.1, port: ${port} }\nservers:\n  app: $RECORDING\n`);
    const gateway = await spawnReady({ name: 'toolgate serve', command: process.execPath, args: [CLI, 'serve', '-c', config.file], ready: httpReady(`http://127.0.0.1:${port}/healthz`) });
    try {
      assert.match(gateway.output(), new RegExp(`app\\s+http://127.0.0.1:${port}/mcp/app`));
      assert.match(gateway.output(), /"mcpServers"/);
      const launches = printedStdioLaunches(gateway.output());
      assert.deepEqual(Object.keys(launches), ['app']);
      assert.deepEqual(launches.app, { command: process.execPath, args: [CLI, 'stdio', 'app', '-c', config.file] });
      assert.ok((await toolsVia(launches.app)).includes('echo'), 'the printed stdio snippet runs as it is');
      const client = new Client({ name: 'c', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp/app`)));
      assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'served' } })), 'served');
      await client.close();
    } finally {
      await gateway.stop();
    }
  });

  test('a busy port is named with the fix, without a stack trace, for serve and demo', async () => {
    const occupier = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
    const port = (occupier.address() as AddressInfo).port;
    try {
      const expected = `toolgate: port ${port} is in use; use -p PORT (or listen.port in the config)\n`;
      const fromConfig = writeConfig(`listen: { host: 127.0.0.1, port: ${port} }\nservers:\n  app: $RECORDING\n`);
      const fromFlag = writeConfig('listen: { host: 127.0.0.1, port: 0 }\nservers:\n  app: $RECORDING\n');
      for (const [args, env] of [
        [['serve', '-c', fromConfig.file], {}],
        [['serve', '-c', fromFlag.file, '-p', String(port)], {}],
        [['demo', '-p', String(port)], { TOOLGATE_DEMO_DIR: tempDir('toolgate-demo-') }],
      ] as const) {
        const result = toolgate([...args], env);
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stderr, expected, args.join(' '));
      }
    } finally {
      occupier.close();
    }
  });
});
