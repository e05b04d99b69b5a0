import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { childEnv, freePort, httpReady, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { spawnSync } from 'node:child_process';
import { CLI, eventually, resultText, tempDir } from '../helpers/harness.js';
import { printedStdioLaunches, toolsVia } from './snippets.js';

describe('the demo: real npm MCP servers (everything, filesystem) behind the demo policy', () => {
  let demo: RunningProcess;
  let demoDir: string;
  let base: string;
  let port: number;
  const clients: Client[] = [];
  const connect = async (id: string) => {
    const client = new Client({ name: 'demo-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp/${id}`)));
    clients.push(client);
    return client;
  };

  before(async () => {
    port = await freePort();
    demoDir = tempDir('toolgate-demo-');
    base = `http://127.0.0.1:${port}`;
    demo = await spawnReady({
      name: 'toolgate demo',
      command: process.execPath,
      args: [CLI, 'demo', '--port', String(port)],
      env: childEnv({ TOOLGATE_DEMO_DIR: demoDir }),
      ready: httpReady(`${base}/healthz`),
    });
  });
  after(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await demo.stop();
  });

  test('prints both proxy URLs and ready client snippets', () => {
    assert.match(demo.output(), new RegExp(`everything\\s+${base}/mcp/everything`));
    assert.match(demo.output(), new RegExp(`files\\s+${base}/mcp/files`));
    assert.match(demo.output(), /Cursor/);
    assert.match(demo.output(), /VS Code/);
    assert.match(demo.output(), /Claude Desktop/);
  });

  test('the printed Claude Desktop snippet works on its own: its exact command, no TOOLGATE_DEMO_DIR, no PATH', async () => {
    const launches = printedStdioLaunches(demo.output());
    assert.deepEqual(Object.keys(launches), ['everything', 'files']);
    assert.deepEqual(launches.files, { command: process.execPath, args: [CLI, 'stdio', 'files', '-c', join(demoDir, 'toolgate.yaml')] });
    const everything = await toolsVia(launches.everything);
    assert.ok(everything.includes('echo'));
    assert.ok(!everything.some((name) => name.startsWith('toggle-')), 'the demo policy applies: toggle-* is hidden');
    assert.ok((await toolsVia(launches.files)).includes('read_text_file'));
  });

  test('everything: deny, hide and validation act; other tools pass', async () => {
    const client = await connect('everything');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes('echo'));
    assert.ok(!names.some((name) => name.startsWith('toggle-')), 'toggle-* is hidden');
    assert.match(resultText(await client.callTool({ name: 'get-env', arguments: {} })), /^Policy violation: .*secrets/);
    assert.match(resultText(await client.callTool({ name: 'get-sum', arguments: { a: 5000000, b: 1 } })), /\/a must be <= 1000000/);
    assert.equal(resultText(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } })), 'The sum of 2 and 3 is 5.');
  });

  test('files: default deny, conditions on the path, and real writes when allowed', async () => {
    const client = await connect('files');
    const root = join(demoDir, 'files');
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'hello.txt') } });
    assert.match(resultText(read), /Hello from the toolgate demo/);
    const script = await client.callTool({ name: 'write_file', arguments: { path: join(root, 'run.sh'), content: 'rm -rf /' } });
    assert.match(resultText(script), /Scripts and env files are written by people/);
    assert.equal(existsSync(join(root, 'run.sh')), false, 'the denied write never happened');
    const note = await client.callTool({ name: 'write_file', arguments: { path: join(root, 'note.md'), content: 'agent note' } });
    assert.equal(note.isError, undefined, resultText(note));
    assert.equal(readFileSync(join(root, 'note.md'), 'utf8'), 'agent note');
    const moved = await client.callTool({ name: 'move_file', arguments: { source: join(root, 'note.md'), destination: join(root, 'moved.md') } });
    assert.match(resultText(moved), /Moving files is not allowed/);
    const created = await client.callTool({ name: 'create_directory', arguments: { path: join(root, 'sub') } });
    assert.match(resultText(created), /default/, 'create_directory is not named, so the default deny applies');
  });

  test('files: an edit is held until a person approves it with toolgate approvals', async () => {
    const client = await connect('files');
    const root = join(demoDir, 'files');
    const approvals = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'approvals', ...args, '-c', join(demoDir, 'toolgate.yaml'), '-p', String(port)], { encoding: 'utf8', env: childEnv() });
    const edit = client.callTool({ name: 'edit_file', arguments: { path: join(root, 'hello.txt'), edits: [{ oldText: 'Hello', newText: 'Hi' }] } });
    const listed = await eventually(() => {
      const lines = approvals('list', '--json').stdout.split('\n').filter(Boolean);
      return lines.length ? lines.map((line) => JSON.parse(line) as { id: string; tool: string; arguments: { path: string } }) : undefined;
    }, 20_000, 'the held edit to be listed by toolgate approvals list'); // each check starts the CLI: generous on a busy machine
    assert.ok(listed, 'the held edit is listed');
    assert.equal(listed[0].tool, 'edit_file');
    assert.equal(readFileSync(join(root, 'hello.txt'), 'utf8'), 'Hello from the toolgate demo.\n', 'nothing changed while held');
    const approved = approvals('approve', listed[0].id, '--as', 'demo-test');
    assert.equal(approved.status, 0, approved.stderr);
    assert.match(approved.stdout, /approved .*edit_file on files/);
    const result = await edit;
    assert.equal(result.isError, undefined, resultText(result));
    assert.equal(readFileSync(join(root, 'hello.txt'), 'utf8'), 'Hi from the toolgate demo.\n');
  });
});
