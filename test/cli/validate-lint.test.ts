/**
 * `toolgate validate` with the servers' tools: warnings, at the rule, for what can never take
 * effect — from a tools file, and from a real server listed live. Observed through the exit code
 * and the output, as a CI job would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { childEnv, freePort } from '../helpers/processes.js';
import { CLI, RECORDING_SERVER, tempDir } from '../helpers/harness.js';

function toolgate(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: childEnv(), timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const RECORDING = `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}] }`;

/** A config (its lines numbered from 1 as written) and a tools file beside it. */
function setup(lines: string[], tools?: unknown[]): { file: string; tools: string } {
  const dir = tempDir();
  const file = join(dir, 'toolgate.yaml');
  writeFileSync(file, `${lines.join('\n').replaceAll('$RECORDING', RECORDING)}\n`);
  const toolsFile = join(dir, 'app.json');
  if (tools) writeFileSync(toolsFile, JSON.stringify({ tools }));
  return { file, tools: toolsFile };
}

const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

const TOOLS = [
  { name: 'deploy_app', inputSchema: object({ name: { type: 'string' }, env: { type: 'string' } }) },
  { name: 'delete_app', inputSchema: object({ name: { type: 'string' } }, { additionalProperties: false }) },
  { name: 'delete_logs', inputSchema: object({ app: { type: 'string' } }) },
  { name: 'run_query', inputSchema: { type: 'object' } },
  { name: 'set_labels', inputSchema: object({ app: { type: 'string' } }, { additionalProperties: { type: 'string' } }) },
];

const warningLines = (stdout: string) => stdout.split('\n').filter((line) => line.includes(': warning: '));

describe('toolgate validate --tools-json', () => {
  const config = [
    'servers:', //                                                  1
    '  app: $RECORDING', //                                         2
    'policies:', //                                                 3
    '  app:', //                                                    4
    '    tools:', //                                                5
    '      deploy_ap: { action: deny }', //                         6
    '      backup_*: { action: hide }', //                          7
    '      deploy_app:', //                                         8
    '        conditions:', //                                       9
    '          - if: \'args.env == "prod" && args.nmae != "x"\'', // 10
    '            action: deny', //                                  11
    '          - if: \'tool == "args.region"\'', //                 12
    '            action: deny', //                                  13
    '      delete_*:', //                                           14
    '        action: require_approval', //                          15
    '        budget: { amount: args.name.size(), max: 10, window: 1h, scope: agent }', // 16
    '        validate:', //                                         17
    '          arguments:', //                                      18
    '            properties:', //                                   19
    '              name: { maxLength: 10 }', //                     20
    '            required: [force]', //                             21
    '      run_query:', //                                          22
    '        conditions: [{ if: "args.sql.contains(\'DROP\')", action: deny }]', // 23
    '      set_labels:', //                                         24
    '        conditions: [{ if: "has(args.owner)", action: deny }]', // 25
  ];

  test('each rule that can never take effect is a warning at its line and column, with a hint; the exit code stays 0', () => {
    const { file, tools } = setup(config, TOOLS);
    const result = toolgate(['validate', '-c', file, '--tools-json', tools]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /OK — 1 server\(s\) \(app\)/);
    const warnings = warningLines(result.stdout);
    assert.deepEqual(
      warnings.map((line) => line.replace(/^.*toolgate\.yaml:/, '').replace(/: warning: .*$/, '')),
      ['6:7', '7:7', '10:40', '16:27', '20:15', '21:24'],
      result.stdout,
    );
    assert.match(warnings[0], /server `app` has no tool `deploy_ap`: this rule never applies \(hint: did you mean `deploy_app`\?\)$/);
    assert.match(warnings[1], /`backup_\*` matches no tool of server `app`.*hint: server `app` lists 5 tool\(s\): `deploy_app`, `delete_app`/);
    assert.match(warnings[2], /\/policies\/app\/tools\/deploy_app\/conditions\/0\/if: condition 1 names the argument `nmae`, which the tool `deploy_app` does not declare \(hint: did you mean `name`\?\)$/);
    assert.match(warnings[3], /budget amount names the argument `name`, which 1 of the 2 tools the rule matches do not declare \(`delete_logs`\) \(hint: `delete_logs` takes `app`\)$/);
    assert.match(warnings[4], /properties\/name: `validate.arguments` names the argument `name`, which 1 of the 2 tools/);
    assert.match(warnings[5], /`validate.arguments` \(required\) names the argument `force`, which none of the 2 tools the rule matches declares/);
    assert.doesNotMatch(result.stdout, /region|sql|owner/, 'a string that spells args.x, a schema without properties and an open one are not warned about');
    assert.match(result.stdout, /^Checked the rules of app against the listed tools\.$/m);
    assert.match(result.stdout, /^6 warning\(s\) \(they fail the command with --strict\)$/m);
  });

  test('--strict fails on warnings, and passes a config that has none', () => {
    const { file, tools } = setup(config, TOOLS);
    assert.equal(toolgate(['validate', '-c', file, '--tools-json', tools, '--strict']).code, 1);
    const clean = setup(['servers:', '  app: $RECORDING', 'policies:', '  app:', '    tools:', '      delete_*: { action: deny }'], TOOLS);
    const result = toolgate(['validate', '-c', clean.file, '--tools-json', clean.tools, '--strict']);
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(warningLines(result.stdout), []);
  });

  test('--json: one object with the located warnings, or with the problems of a config that does not load', () => {
    const { file, tools } = setup(config, TOOLS);
    const result = toolgate(['validate', '-c', file, '--tools-json', tools, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { ok: boolean; servers: string[]; toolsChecked: string[]; warnings: { line: number; column: number; code: string; path: string; hint: string }[] };
    assert.equal(report.ok, true);
    assert.deepEqual(report.toolsChecked, ['app']);
    assert.deepEqual(report.warnings.map((w) => [w.line, w.code]), [[6, 'unmatched_rule'], [7, 'unmatched_rule'], [10, 'unknown_argument'], [16, 'unknown_argument'], [20, 'unknown_argument'], [21, 'unknown_argument']]);
    assert.equal(report.warnings[2].path, '/policies/app/tools/deploy_app/conditions/0/if');
    assert.equal(JSON.parse(toolgate(['validate', '-c', file, '--tools-json', tools, '--json', '--strict']).stdout).ok, false);

    const broken = setup(['servers:', '  app: $RECORDING', 'policies:', '  app:', '    default: maybe']);
    const bad = toolgate(['validate', '-c', broken.file, '--json']);
    assert.equal(bad.code, 1);
    const problems = JSON.parse(bad.stdout) as { ok: boolean; problems: { line: number; message: string }[] };
    assert.equal(problems.ok, false);
    assert.equal(problems.problems[0].line, 5);
  });

  test("a server's tool names reach the terminal with their control characters escaped", () => {
    const { file, tools } = setup(['servers:', '  app: $RECORDING', 'policies:', '  app:', '    tools:', '      backup_*: {}'], [{ name: 'deploy\u001b[2J', inputSchema: object({}) }]);
    const result = toolgate(['validate', '-c', file, '--tools-json', tools]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /`backup_\*` matches no tool.*lists 1 tool\(s\): `deploy\\u001b\[2J`\)$/m);
    assert.doesNotMatch(result.stdout, /\u001b/);
  });

  test('the tools file names its server, or --server does; a file for no configured server is refused', () => {
    const { file, tools } = setup(['servers:', '  app: $RECORDING', '  other: $RECORDING', 'policies:', '  other:', '    tools:', '      nope: {}'], TOOLS);
    const result = toolgate(['validate', '-c', file, '--tools-json', tools]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Checked the rules of app against the listed tools \(not other\)\.$/m, 'app.json is for app');
    assert.deepEqual(warningLines(result.stdout), []);
    const other = toolgate(['validate', '-c', file, '--tools-json', tools, '--server', 'other']);
    assert.match(other.stdout, /toolgate\.yaml:7:7: warning: .*no tool `nope`/);
    const unknown = toolgate(['validate', '-c', file, '--tools-json', tools, '--server', 'ghost']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /server "ghost" is not in/);
  });
});

describe('toolgate validate without tools', () => {
  test('says in one line that tool names need --tools-json or --live, and still checks overrides against auth.agents', () => {
    const { file } = setup([
      'servers:', //                                1
      '  app: $RECORDING', //                       2
      'auth:', //                                   3
      '  agents:', //                               4
      '    ci-bot: { key_sha256: f3458e741ade386f7b1b3993cc7965baa97585dc85ecf917ff5a60c626946113, groups: [deployers] }', // 5
      'policies:', //                               6
      '  app:', //                                  7
      '    agents:', //                             8
      '      ci-bto: { tools: { "*": {} } }', //    9
      '      ci-bot: { tools: { "*": {} } }', //    10
      '    groups:', //                             11
      '      deployer: { tools: { "*": {} } }', //  12
      '      deployers: { tools: { "*": {} } }', // 13
    ]);
    const result = toolgate(['validate', '-c', file]);
    assert.equal(result.code, 0, result.stderr);
    const warnings = warningLines(result.stdout);
    assert.equal(warnings.length, 2, result.stdout);
    assert.match(warnings[0], /toolgate\.yaml:9:7: warning: .*no agent in auth\.agents is named `ci-bto`.*did you mean `ci-bot`/);
    assert.match(warnings[1], /toolgate\.yaml:12:7: warning: .*in the group `deployer`.*did you mean `deployers`/);
    assert.equal(result.stdout.split('\n').filter((line) => /needs? --tools-json|give --tools-json FILE or --live/.test(line)).length, 1);
  });

  test('a config with no auth.agents has no override warnings (stdio agents are named by whoever starts them)', () => {
    const { file } = setup(['servers:', '  app: $RECORDING', 'policies:', '  app:', '    agents:', '      alice: { tools: { "*": {} } }']);
    const result = toolgate(['validate', '-c', file, '--strict']);
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(warningLines(result.stdout), []);
  });

  test('--tools-json and --live together are a usage error', () => {
    const { file, tools } = setup(['servers:', '  app: $RECORDING'], TOOLS);
    const result = toolgate(['validate', '-c', file, '--tools-json', tools, '--live']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /give --tools-json or --live, not both/);
  });
});

describe('toolgate validate --live', () => {
  test('lists the real server and warns about its rules; an unreachable server is named and exits 1', async () => {
    const lines = [
      'servers:', //                                       1
      '  app: $RECORDING', //                              2
      'policies:', //                                      3
      '  app:', //                                         4
      '    tools:', //                                     5
      '      echo:', //                                    6
      "        conditions: [{ if: 'args.txt == \"\"', action: deny }]", // 7
      '      transfer_fund: { action: deny }', //          8
      '      deploy_*: {}', //                             9
    ];
    const live = setup(lines);
    const result = toolgate(['validate', '-c', live.file, '--live']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const warnings = warningLines(result.stdout);
    assert.equal(warnings.length, 2, result.stdout);
    assert.match(warnings[0], /toolgate\.yaml:7:\d+: warning: .*condition 1 names the argument `txt`, which the tool `echo` does not declare \(hint: did you mean `text`\?\)/);
    assert.match(warnings[1], /toolgate\.yaml:8:7: warning: .*no tool `transfer_fund`.*did you mean `transfer_funds`/);
    assert.match(result.stdout, /^Checked the rules of app against the listed tools\.$/m);

    const port = await freePort();
    const down = setup([...lines.slice(0, 2), `  gone: { url: "http://127.0.0.1:${port}/mcp" }`, ...lines.slice(2)]);
    const partial = toolgate(['validate', '-c', down.file, '--live', '--timeout', '5']);
    assert.equal(partial.code, 1, partial.stdout);
    assert.match(partial.stderr, /server "gone" .* could not be listed/);
    assert.equal(warningLines(partial.stdout).length, 2, 'the reachable server is still checked');
    assert.match(partial.stdout, /Checked the rules of app against the listed tools \(not gone\)/);
  });
});
