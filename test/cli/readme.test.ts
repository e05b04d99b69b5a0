import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { stdioLaunch } from '../../src/admin/snippets.js';
import { childEnv } from '../helpers/processes.js';
import { REPO_ROOT, tempDir } from '../helpers/harness.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

test("the README's configuration reference is a config toolgate accepts", () => {
  const section = readme.slice(readme.indexOf('## Configuration reference'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  const config = parseConfig(yaml, 'README.md', { EVERYTHING_TOKEN: 'token', TOOLGATE_ADMIN_TOKEN: 'an-admin-token-of-32-characters!' });
  assert.deepEqual(Object.keys(config.servers), ['aws-ecs', 'aws-serverless', 'everything']);
  const policy = compilePolicy(config);
  assert.equal(policy.ruleFor('aws-ecs', 'delete_service').pattern, 'delete_*');
  assert.equal(policy.ruleFor('aws-ecs', 'build_and_push_image_to_ecr').pattern, 'build_and_push_image_to_ecr');
});

test('the README names both set-up commands and every CLI command', () => {
  assert.match(readme, /npm install && npm run demo/);
  assert.match(readme, /^npm test\b/m);
  for (const command of COMMANDS) assert.match(readme, new RegExp(`toolgate ${command.name}\\b`), `README documents toolgate ${command.name}`);
});

test('no snippet or text runs `npx toolgate`: toolgate is not on npm, and that name could be taken by anyone', () => {
  const files = [join(REPO_ROOT, 'README.md'), ...sourceFiles(join(REPO_ROOT, 'src')), ...readdirSync(join(REPO_ROOT, 'docs')).map((f) => join(REPO_ROOT, 'docs', f)).filter((f) => f.endsWith('.md'))];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /npx\s+(-y\s+)?toolgate\b/, file);
    assert.doesNotMatch(text, /"command":\s*"npx",\s*"args":\s*\[\s*"toolgate"/, file);
  }
});

test("the README's Claude Desktop snippet has the shape toolgate serve prints: a Node and the CLI by absolute path", () => {
  const row = readme.split('\n').find((line) => line.startsWith('| Claude Desktop'))!;
  const snippet = JSON.parse(/`(\{.*\})`/.exec(row)![1]) as { mcpServers: Record<string, { command: string; args: string[] }> };
  const printed = stdioLaunch('files', '/abs/path/toolgate.yaml');
  const { command, args } = snippet.mcpServers.files;
  assert.ok(isAbsolute(command) && /node$/.test(command), command);
  assert.match(args[0], /^\/.*\/dist\/src\/cli\/main\.js$/);
  assert.ok(printed.args[0].endsWith('/dist/src/cli/main.js'));
  assert.deepEqual(args.slice(1), printed.args.slice(1));
});

test('`npm link` in the clone puts a working toolgate on the PATH (README, Commands)', () => {
  assert.match(readme, /In a clone, `npm link` puts `toolgate` on your PATH/);
  const prefix = tempDir('toolgate-npm-link-');
  // A private global prefix, and no scripts: the link must not rebuild dist/ under other tests.
  const link = spawnSync('npm', ['link', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: REPO_ROOT, encoding: 'utf8', env: childEnv({ npm_config_prefix: prefix }), timeout: 120_000 });
  assert.equal(link.status, 0, link.stderr);
  const version = spawnSync(join(prefix, 'bin', 'toolgate'), ['--version'], { encoding: 'utf8', env: childEnv() });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout, `${JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version}\n`);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|html|css)$/.test(entry.name))
    .map((entry) => join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
}

test('the README\'s Commands block names only real commands, and its --help examples run', () => {
  const block = /## Commands[\s\S]*?```text\n([\s\S]*?)```/.exec(readme)![1];
  const names = [...block.matchAll(/^toolgate (\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(names, COMMANDS.map((c) => c.name).filter((n) => names.includes(n)), 'in registry order');
  assert.deepEqual([...names].sort(), COMMANDS.map((c) => c.name).sort(), 'every command, once');
  const helps = [...readme.matchAll(/`toolgate ([a-z ]+--help)`/g)].map((m) => m[1].split(' '));
  assert.ok(helps.length >= 2, 'toolgate approvals --help, toolgate approvals approve --help');
  for (const args of helps) {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), ...args], { encoding: 'utf8', env: childEnv() });
    assert.equal(result.status, 0, `toolgate ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^Usage:\\n  toolgate ${args.slice(0, -1).join(' ')}\\b`));
  }
});
