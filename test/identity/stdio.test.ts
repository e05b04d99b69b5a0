/** `toolgate stdio --agent NAME`: stdio carries no credentials, so the agent is the one the command line names, with its configured groups. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { childEnv } from '../helpers/processes.js';
import { CLI, RECORDING_SERVER, receivedToolCalls, resultText, tempDir } from '../helpers/harness.js';

const run = promisify(execFile);

test('a stdio client calls as --agent NAME: its group override applies, and the audit names it', async () => {
  const dir = tempDir();
  const recordFile = join(dir, 'received.jsonl');
  const configFile = join(dir, 'toolgate.yaml');
  writeFileSync(configFile, `
data_dir: ${JSON.stringify(join(dir, 'state'))}
auth:
  agents:
    night-bot: { key: "night-bot-key-0123456789", groups: [ops] }
servers:
  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }
policies:
  app:
    tools:
      admin_reset: { action: deny, reason: "ops only" }
    groups:
      ops: { tools: { admin_reset: {} } }
`);
  const callAs = async (agent: string) => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', 'app', '-c', configFile, '--agent', agent], env: childEnv() as Record<string, string>, stderr: 'pipe' });
    const client = new Client({ name: 'stdio-identity-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      return await client.callTool({ name: 'admin_reset', arguments: {} });
    } finally {
      await client.close();
    }
  };
  assert.equal(resultText(await callAs('night-bot')), 'reset');
  assert.match(resultText(await callAs('someone-else')), /ops only/);
  assert.deepEqual(receivedToolCalls(recordFile), ['admin_reset'], 'only night-bot\'s call arrived');
  const { stdout } = await run(process.execPath, [CLI, 'audit', '-c', configFile, '--agent', 'night-bot', '--json'], { env: childEnv(), encoding: 'utf8' });
  const records = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(records.map((r) => [r['enduser.id'], r.decision]), [['night-bot', 'allowed']]);
});
