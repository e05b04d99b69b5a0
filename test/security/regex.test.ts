/**
 * Regexes from schemas cannot stall the gateway: an upstream publishes `pattern: "^(a|a)*$"`
 * (catastrophic for a backtracking engine) and an agent sends "aaaa…b". The gateway runs as its
 * own process, so a stall is seen from outside: the call and another session's call must both be
 * answered. Patterns the linear engine cannot run are refused with a reason, in upstream schemas
 * (at the call) and in the operator's schemas (at config load).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { SchemaCompiler, validationIssues } from '../../src/policy/validation.js';
import { CLI, RECORDING_SERVER, decisionOf, receivedToolCalls, resultText, tempDir } from '../helpers/harness.js';
import { childEnv, freePort, spawnReady, type RunningProcess } from '../helpers/processes.js';

describe('a catastrophic pattern in an upstream schema (gateway in its own process)', () => {
  let gateway: RunningProcess;
  let url: string;
  let recordFile: string;
  const clients: Client[] = [];
  const connect = async () => {
    const client = new Client({ name: 'regex-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    clients.push(client);
    return client;
  };

  before(async () => {
    const dir = tempDir();
    recordFile = join(dir, 'received.jsonl');
    const port = await freePort();
    const configFile = join(dir, 'toolgate.yaml');
    writeFileSync(
      configFile,
      `listen: { host: 127.0.0.1, port: ${port} }
data_dir: ${dir}/data
servers:
  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }
policies:
  app:
    tools:
      match_pattern: { validate: true }
`,
    );
    gateway = await spawnReady({ name: 'toolgate serve', command: process.execPath, args: [CLI, 'serve', '-c', configFile], env: childEnv(), ready: /listening on http/, timeoutMs: 60_000 });
    url = `http://127.0.0.1:${port}/mcp/app`;
  });
  after(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await gateway?.stop(500);
  });

  // The timeout bounds the failure (a stalled gateway never answers); it is not a speed goal.
  test('"aaaa…b" against ^(a|a)*$ is refused, and another session is answered meanwhile', { timeout: 120_000 }, async () => {
    const [attacker, bystander] = await Promise.all([connect(), connect()]);
    const evil = attacker.callTool({ name: 'match_pattern', arguments: { code: `${'a'.repeat(50_000)}b` } }, { timeout: 110_000 });
    const other = await bystander.callTool({ name: 'echo', arguments: { text: 'still served' } }, { timeout: 110_000 });
    assert.equal(resultText(other), 'still served');
    const refused = await evil;
    assert.equal(refused.isError, true);
    const decision = decisionOf(refused);
    assert.equal(decision?.decision, 'invalid', JSON.stringify(decision));
    assert.deepEqual(decision?.issues, [{ path: '/code', message: 'must match pattern "^(a|a)*$"' }]);
    // The gateway still answers after the refusal, and the refused call never reached the server.
    assert.equal(resultText(await bystander.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
    assert.equal(resultText(await attacker.callTool({ name: 'match_pattern', arguments: { code: 'aaa' } })), 'code 3', 'a matching value passes');
    assert.deepEqual(receivedToolCalls(recordFile).filter((name) => name === 'match_pattern').length, 1, 'only the valid call arrived');
  });
});

describe('patterns run by the linear engine', () => {
  const compiler = new SchemaCompiler('upstream');
  const cases: Array<{ pattern: string; valid: string[]; invalid: string[] }> = [
    { pattern: '^[\\u0041-\\u005A]+$', valid: ['ABC'], invalid: ['abc'] },
    { pattern: '^https?:\\/\\/', valid: ['https://x'], invalid: ['ftp://x'] },
    { pattern: '^\\p{Lu}', valid: ['Élan'], invalid: ['élan'] },
    { pattern: '^.$', valid: ['😀'], invalid: ['ab'] },
    { pattern: '[a-z]+@[a-z]+', valid: ['mail me at a@b'], invalid: ['a'.repeat(200_000)] },
  ];
  for (const { pattern, valid, invalid } of cases) {
    test(`pattern ${pattern}`, () => {
      const compiled = compiler.compile({ type: 'object', properties: { v: { type: 'string', pattern } } });
      assert.ok(compiled.ok, compiled.ok ? '' : compiled.error);
      for (const v of valid) assert.equal(validationIssues(compiled.validate, { v }), undefined, `${pattern} accepts ${v.slice(0, 20)}`);
      for (const v of invalid) assert.ok(validationIssues(compiled.validate, { v }), `${pattern} refuses ${v.slice(0, 20)}`);
    });
  }

  test('an upstream pattern the engine cannot run makes the schema unusable, with the reason', () => {
    for (const pattern of ['^(?!.*\\.\\.)', '(a)\\1', '(?<=x)y']) {
      const compiled = compiler.compile({ type: 'object', properties: { v: { type: 'string', pattern } } });
      assert.equal(compiled.ok, false, pattern);
      assert.match(compiled.ok ? '' : compiled.error, /cannot be used: .*RE2 has no lookahead, lookbehind or backreferences/);
    }
  });

  test('a validate.arguments pattern the engine cannot run is a config error at its line', async () => {
    const dir = tempDir();
    const file = join(dir, 'toolgate.yaml');
    writeFileSync(
      file,
      `servers:
  app: { command: node }
policies:
  app:
    tools:
      write_file:
        validate:
          arguments:
            properties:
              path: { type: string, pattern: "^(?!.*\\\\.\\\\.)/srv/" }
`,
    );
    const error = await loadConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError, String(error));
    const problem = error.problems.find((p) => p.message.includes('cannot be used'));
    assert.ok(problem, error.message);
    assert.equal(problem.line, 10, error.message);
    assert.match(problem.hint ?? '', /without lookaround/);
  });
});
