/**
 * A call held by a `toolgate stdio` process (the gateway a desktop client launches) is decided
 * by a person from another terminal: `toolgate approvals approve|deny <id> -c FILE` decides it in
 * the shared data_dir, and the stdio process that holds the call learns of it. Everything is a
 * real process: the SDK client launches `toolgate stdio`, the CLI runs as its own process, and
 * the recording upstream logs what reached it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { childEnv } from '../helpers/processes.js';
import { CLI, RECORDING_SERVER, decisionOf, receivedMessages, resultText, tempDir } from '../helpers/harness.js';
import { until } from '../security/gateway-process.js';

interface Setup {
  configFile: string;
  recordFile: string;
  client: Client;
  /** Calls a tool; a call still running when the test ends is settled by `close`. */
  call(name: string, args: Record<string, unknown>): ReturnType<Client['callTool']>;
  stderr: () => string;
  close(): Promise<void>;
}

/** A config with a held tool, and an SDK client that launched `toolgate stdio files -c FILE`. */
async function stdioGateway(): Promise<Setup> {
  const dir = tempDir('toolgate-stdio-approval-');
  const recordFile = join(dir, 'received.jsonl');
  const configFile = join(dir, 'toolgate.yaml');
  writeFileSync(
    configFile,
    [
      // No gateway listens on this port: the CLI must not need one.
      'listen: { host: 127.0.0.1, port: 9 }',
      'servers:',
      `  files: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }`,
      'policies:',
      '  files:',
      '    tools:',
      '      deploy_webapp: { action: require_approval, approval: { timeout: 10m } }',
      '',
    ].join('\n'),
  );
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', 'files', '-c', configFile], env: childEnv() as Record<string, string>, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'desktop', version: '1' });
  await client.connect(transport);
  const running: Array<Promise<unknown>> = [];
  return {
    configFile,
    recordFile,
    client,
    call(name, args) {
      const call = client.callTool({ name, arguments: args }, { timeout: 120_000 });
      running.push(call);
      return call;
    },
    stderr: () => stderr,
    async close() {
      await client.close();
      await Promise.allSettled(running);
    },
  };
}

function toolgate(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: childEnv(), timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The pending approval of `project_root`, as `toolgate approvals list --json -c FILE` shows it. */
async function listedPending(configFile: string, projectRoot: string): Promise<{ id: string; arguments: Record<string, unknown>; status: string }> {
  return until(`the held call of ${projectRoot} in toolgate approvals list`, () => {
    const listed = toolgate(['approvals', 'list', '--json', '-c', configFile]);
    assert.equal(listed.code, 0, listed.stderr);
    return listed.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((approval) => approval.arguments?.project_root === projectRoot);
  });
}

const deployCalls = (recordFile: string) =>
  receivedMessages(recordFile).filter((entry) => entry.message.method === 'tools/call' && entry.message.params?.name === 'deploy_webapp');

describe('require_approval under toolgate stdio is decided from the CLI', () => {
  test('approve: the held call completes with the upstream result, and the upstream got exactly the held arguments', async () => {
    const setup = await stdioGateway();
    try {
      const args = { project_root: '/srv/site', region: 'eu-west-1', replicas: 3 };
      const call = setup.call('deploy_webapp', args);
      const held = await listedPending(setup.configFile, '/srv/site');
      assert.equal(held.status, 'pending');
      assert.deepEqual(held.arguments, args);
      assert.deepEqual(deployCalls(setup.recordFile), [], 'nothing reaches the upstream while held');

      const approved = toolgate(['approvals', 'approve', held.id, '--as', 'alice', '-c', setup.configFile]);
      assert.equal(approved.code, 0, approved.stderr);
      assert.match(approved.stdout, new RegExp(`approved ${held.id}: deploy_webapp on files`));

      const result = await call;
      assert.equal(resultText(result), 'deployed /srv/site to eu-west-1');
      const forwarded = deployCalls(setup.recordFile);
      assert.equal(forwarded.length, 1);
      assert.deepEqual(forwarded[0].message.params?.arguments, args);

      const decided = toolgate(['approvals', 'list', '--all', '--json', '-c', setup.configFile]);
      const stored = decided.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((approval) => approval.id === held.id);
      assert.equal(stored.status, 'approved');
      assert.equal(stored.decidedBy, 'alice');

      const again = toolgate(['approvals', 'approve', held.id, '-c', setup.configFile]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already approved \(by alice\)/);
    } finally {
      await setup.close();
    }
  });

  test('deny: the agent reads the reason and the upstream never sees the call', async () => {
    const setup = await stdioGateway();
    try {
      const call = setup.call('deploy_webapp', { project_root: '/etc', region: 'us-east-1' });
      const held = await listedPending(setup.configFile, '/etc');
      const denied = toolgate(['approvals', 'deny', held.id, '--reason', 'Not from /etc, please.', '--as', 'bob', '-c', setup.configFile]);
      assert.equal(denied.code, 0, denied.stderr);
      const result = await call;
      assert.equal(result.isError, true);
      assert.match(resultText(result), /deploy_webapp.*held for approval.*bob refused it: Not from \/etc, please\./);
      assert.equal(decisionOf(result)?.decision, 'refused');
      assert.equal(decisionOf(result)?.approvalId, held.id);
      // The stdio process answered after the decision; a call after it proves the upstream log is complete.
      assert.equal(resultText(await setup.call('echo', { text: 'after' })), 'after');
      assert.deepEqual(deployCalls(setup.recordFile), []);
    } finally {
      await setup.close();
    }
  });
});
