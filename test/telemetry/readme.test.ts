/** The README's Observability section: its config is accepted, and its commands run against a real gateway. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { REPO_ROOT, startGateway, type StartedGateway } from '../helpers/harness.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Observability'), readme.indexOf('### Monitor mode'));

describe("README: Observability", () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
policies:
  app:
    tools:
      delete_*: { action: deny, reason: "no" }
`);
    const client = await gw.connect('app');
    await client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await client.callTool({ name: 'delete_app', arguments: {} });
    await gw.gateway.audit!.flush();
  });
  after(() => gw.close());

  test('the telemetry config is one toolgate accepts', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const config = parseConfig(`${yaml}servers:\n  app: { url: "http://127.0.0.1:9/mcp" }\n`, 'README.md', { OTLP_API_KEY: 'k' });
    assert.deepEqual(config.telemetry, { serviceName: 'toolgate', otlp: { endpoint: 'http://127.0.0.1:4318', headers: { 'x-api-key': 'k' } } });
  });

  test('every curl command works against a running gateway', async () => {
    const commands = /```sh\n([\s\S]*?)```/.exec(section)![1].trim().split('\n');
    assert.equal(commands.length, 4);
    const outputs: string[] = [];
    // Run asynchronously: the gateway answering them lives in this process.
    for (const command of commands) {
      const run = await promisify(execFile)('bash', ['-c', command.replaceAll('http://127.0.0.1:8787', gw.baseUrl)], { cwd: gw.dir, env: { ...process.env, TOOLGATE_ADMIN_TOKEN: gw.gateway.admin!.token.token }, encoding: 'utf8' });
      outputs.push(run.stdout);
    }
    assert.deepEqual(JSON.parse(outputs[0]).records.map((r: { tool: string }) => r.tool), ['delete_app']);
    const csv = join(gw.dir, 'denied.csv');
    assert.ok(existsSync(csv));
    assert.equal(readFileSync(csv, 'utf8').trim().split('\r\n').length, 2);
    assert.equal(JSON.parse(outputs[2]).range, 'day');
    assert.match(outputs[3], /^toolgate_decisions_total\{server="app",tool="_other",agent="anonymous",outcome="denied"\} 1$/m, "delete_app was never listed: _other");
  });
});
