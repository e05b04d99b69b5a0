/**
 * `toolgate init` against real servers from npm: the starter policy passes `toolgate validate`,
 * groups the tools by category with reasons, and its commented-out example block loads too once
 * uncommented. An existing file is never overwritten without --force.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WORKSPACE_PATH_PATTERN } from '../../src/catalog/policy-snippets.js';
import { splitCommandLine, serverId } from '../../src/cli/init.js';
import { FILESYSTEM_SERVER, REPO_ROOT, tempDir } from '../helpers/harness.js';
import { toolgateAsync } from './cli-helpers.js';

const EVERYTHING_COMMAND = 'node node_modules/@modelcontextprotocol/server-everything/dist/index.js stdio';

/** The example rules block with its `# ` prefixes removed. */
function uncommentExamples(text: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf('# policies:');
  assert.ok(start > 0, 'the example block starts with "# policies:"');
  return lines.map((line, i) => (i >= start && line.startsWith('# ') ? line.slice(2) : line)).join('\n');
}

describe('toolgate init', () => {
  test('server-everything: a starter policy that passes toolgate validate', async () => {
    const dir = tempDir();
    const out = join(dir, 'toolgate.yaml');
    const result = await toolgateAsync(['init', '--server', EVERYTHING_COMMAND, '-o', out], { cwd: REPO_ROOT });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Wrote .*toolgate\.yaml: server "everything" with 13 tool\(s\)/);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^servers:\n {2}everything:\n {4}command: node\n {4}args: \[node_modules\/@modelcontextprotocol\/server-everything\/dist\/index\.js, stdio\]\n {4}cwd: /m);
    assert.match(text, /^defaults: recommended$/m);
    assert.match(text, /^# Read \(\d+\)$/m);
    assert.match(text, /^# Write \(\d+\)$/m);
    // get-env is Read/High: the profile's High row validates it and limits it per agent.
    assert.match(text, /^# {3}get-env — High risk — allow, validated \(input schema\), at most 30 per 1m per agent \[defaults: Read\]\n(?:# {7}.*\n)*?# {7}.*environment variables/m, 'each tool with its risk, rule and why');
    assert.match(text, /^# {7}get-env: +# Read, High risk\n# {9}action: deny$/m, 'an example rule for the risky tool');

    const validate = await toolgateAsync(['validate', '-c', out]);
    assert.equal(validate.code, 0, validate.stderr);

    const examples = join(dir, 'examples.yaml');
    writeFileSync(examples, uncommentExamples(text));
    const withExamples = await toolgateAsync(['validate', '-c', examples]);
    assert.equal(withExamples.code, 0, `the uncommented examples load too:\n${withExamples.stderr}\n${uncommentExamples(text)}`);

    // The written file is usable as is: the catalog connects with it from any directory.
    const catalog = await toolgateAsync(['catalog', '-c', out, '--format', 'json'], { cwd: dir });
    assert.equal(catalog.code, 0, catalog.stderr);
    assert.equal(JSON.parse(catalog.stdout).length, 13);
  });

  test('server-filesystem with --id: write tools get example rules with an argument constraint', async () => {
    const root = tempDir('toolgate-files-');
    const out = join(tempDir(), 'files.yaml');
    const result = await toolgateAsync(['init', '--server', `"${process.execPath}" "${FILESYSTEM_SERVER}" "${root}"`, '--id', 'files', '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^ {2}files:\n {4}command: /m);
    assert.doesNotMatch(text, /cwd:/, 'absolute paths need no cwd');
    assert.match(text, /^# {7}write_file: +# Write, Medium risk\n# {9}rate_limit: \{ max: 15, window: 1m, scope: tool \}\n# {9}validate:\n# {11}input_schema: true/m);
    assert.ok(text.includes(`path: { pattern: ${JSON.stringify(WORKSPACE_PATH_PATTERN)} }`), 'the path constraint that refuses .. (test/catalog/path-pattern.test.ts)');
    const examples = `${out}.examples.yaml`;
    writeFileSync(examples, uncommentExamples(text));
    const validate = await toolgateAsync(['validate', '-c', examples]);
    assert.equal(validate.code, 0, validate.stderr);
  });

  test('an existing file is kept unless --force', async () => {
    const out = join(tempDir(), 'toolgate.yaml');
    writeFileSync(out, '# mine\n');
    const refused = await toolgateAsync(['init', '--server', EVERYTHING_COMMAND, '-o', out], { cwd: REPO_ROOT });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /toolgate\.yaml already exists; toolgate init does not overwrite it \(hint: choose another file with -o, or pass --force/);
    assert.equal(readFileSync(out, 'utf8'), '# mine\n');
    const forced = await toolgateAsync(['init', '--server', EVERYTHING_COMMAND, '-o', out, '--force'], { cwd: REPO_ROOT });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(out, 'utf8'), /^defaults: recommended$/m);
  });

  test('a server that cannot start writes nothing and says why; usage errors are named', async () => {
    const out = join(tempDir(), 'toolgate.yaml');
    const dead = await toolgateAsync(['init', '--server', 'toolgate-no-such-command --flag', '-o', out]);
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /command "toolgate-no-such-command" was not found/);
    assert.equal(existsSync(out), false);
    const neither = await toolgateAsync(['init', '-o', out]);
    assert.match(neither.stderr, /needs exactly one of --server "<command line>" \(a stdio server\) or --url URL/);
    const unquoted = await toolgateAsync(['init', '--server', 'node', 'server.js']);
    assert.match(unquoted.stderr, /quote the server's command line as one: --server "server\.js"/);
  });
});

describe('init helpers', () => {
  test('splitCommandLine splits like a shell for the simple cases', () => {
    const cases: Array<[string, string[]]> = [
      ['uvx awslabs.ecs-mcp-server@latest', ['uvx', 'awslabs.ecs-mcp-server@latest']],
      ['  node   a.js  ', ['node', 'a.js']],
      [`node "/path with spaces/a.js" 'it''s'`, ['node', '/path with spaces/a.js', 'its']],
      ['echo "a \\"quoted\\" word" back\\ slash', ['echo', 'a "quoted" word', 'back slash']],
      ['cmd "" x', ['cmd', '', 'x']],
      ['', []],
    ];
    for (const [line, words] of cases) assert.deepEqual(splitCommandLine(line), words, line);
    assert.throws(() => splitCommandLine('node "unclosed'), /unclosed double quote/);
  });

  test('serverId makes a valid id from a server or package name', () => {
    const cases: Array<[string, string]> = [
      ['mcp-servers/everything', 'everything'],
      ['@modelcontextprotocol/server-filesystem', 'server-filesystem'],
      ['awslabs.ecs-mcp-server@latest', 'awslabs.ecs-mcp-server'],
      ['secure-filesystem-server', 'secure-filesystem-server'],
      ['/usr/bin/node', 'node'],
      ['server.py', 'server'],
      ['My Server!', 'My-Server-'],
      ['???', 'server'],
    ];
    for (const [name, id] of cases) assert.equal(serverId(name), id, name);
  });
});
