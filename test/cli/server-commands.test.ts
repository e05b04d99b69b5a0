/**
 * Every MCP server command the README, the examples and the docs show is the one that server's own
 * README gives. npm servers are checked against the installed package; PyPI servers (not
 * installable here) against the command lines their READMEs give, copied below with the source.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitCommandLine } from '../../src/cli/init.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { childEnv } from '../helpers/processes.js';
import { CLI, REPO_ROOT, tempDir } from '../helpers/harness.js';

/** PyPI servers: the words their READMEs' client configurations run (uvx + args), then the options they document. */
const PYPI_SERVERS = [
  {
    // https://github.com/awslabs/mcp/blob/main/src/ecs-mcp-server/README.md, "Configuration":
    // "command": "uvx", "args": ["--from", "awslabs-ecs-mcp-server", "ecs-mcp-server"]. The
    // package's script is ecs-mcp-server (pyproject [project.scripts]); `uvx awslabs.ecs-mcp-server`
    // looks for a command of the package's own name and starts nothing.
    command: ['uvx', '--from', 'awslabs-ecs-mcp-server', 'ecs-mcp-server'],
    options: [],
  },
  {
    // https://github.com/awslabs/mcp/blob/main/src/aws-serverless-mcp-server/README.md, "Installation":
    // "command": "uvx", "args": ["awslabs.aws-serverless-mcp-server@latest", "--allow-write", "--allow-sensitive-data-access"].
    command: ['uvx', 'awslabs.aws-serverless-mcp-server@latest'],
    options: ['--allow-write', '--allow-sensitive-data-access'],
  },
];

/** npm servers installed with toolgate: the bin the package declares, or `npx -y <package>`. */
const NPM_SERVERS = ['@modelcontextprotocol/server-everything', '@modelcontextprotocol/server-filesystem'];

function npmForms(pkg: string): string[][] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return [...Object.keys(manifest.bin).map((bin) => [bin]), ['npx', '-y', pkg], ['npx', pkg]];
}

/** Whether `words` is a known server's command line: its documented start, then documented options (PyPI) or any arguments (npm: modes, folders). */
function known(words: string[]): boolean {
  if (PYPI_SERVERS.some((s) => s.command.every((w, i) => words[i] === w) && words.slice(s.command.length).every((w) => s.options.includes(w)))) return true;
  return NPM_SERVERS.some((pkg) => npmForms(pkg).some((form) => form.every((w, i) => words[i] === w)));
}

/** Every stdio server's command line in the config files and YAML blocks the project shows. */
async function shownCommandLines(): Promise<Array<{ where: string; words: string[] }>> {
  const lines: Array<{ where: string; words: string[] }> = [];
  const collect = (where: string, servers: Record<string, { kind: string; command?: string; args?: string[] }>) => {
    for (const [id, server] of Object.entries(servers)) {
      if (server.kind === 'stdio') lines.push({ where: `${where} servers.${id}`, words: [server.command!, ...server.args!] });
    }
  };
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const reference = /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Configuration reference')))![1];
  collect('README.md configuration reference', parseConfig(reference, 'README.md', { EVERYTHING_TOKEN: 't', TOOLGATE_ADMIN_TOKEN: 'an-admin-token-of-32-characters!' }).servers);
  for (const example of ['aws.yaml', 'demo.yaml']) collect(`examples/${example}`, (await loadConfig(join(REPO_ROOT, 'examples', example))).servers);
  for (const doc of ['README.md', 'docs/catalog.md']) {
    for (const match of readFileSync(join(REPO_ROOT, doc), 'utf8').matchAll(/toolgate init --server "([^"]+)"/g)) lines.push({ where: `${doc}: toolgate init`, words: splitCommandLine(match[1]) });
  }
  return lines;
}

test('every server command shown is the one the server documents', async () => {
  const lines = await shownCommandLines();
  assert.ok(lines.some((l) => l.words.includes('ecs-mcp-server')), 'the ECS server is among them');
  assert.ok(lines.length >= 6, JSON.stringify(lines));
  for (const { where, words } of lines) assert.ok(known(words), `${where}: \`${words.join(' ')}\` is not how that server is started`);
  assert.ok(!known(['uvx', 'awslabs.ecs-mcp-server@latest']), 'the form that starts nothing is not accepted');
});

test("a tools file named after the PyPI package is matched to the server that runs it (PyPI's name normalisation)", () => {
  const dir = tempDir();
  const file = join(dir, 'awslabs.ecs-mcp-server.json');
  writeFileSync(file, JSON.stringify({ tools: [{ name: 'delete_app', description: 'Deletes an ECS app and its infrastructure.', inputSchema: { type: 'object' } }] }));
  const result = spawnSync(process.execPath, [CLI, 'catalog', '--tools-json', file, '-c', join(REPO_ROOT, 'examples', 'aws.yaml'), '--format', 'json'], { encoding: 'utf8', env: childEnv() });
  assert.equal(result.status, 0, result.stderr);
  const [entry] = JSON.parse(result.stdout) as Array<{ server: string; effectiveRule: { action: string } }>;
  assert.equal(entry.server, 'aws-ecs');
  assert.equal(entry.effectiveRule.action, 'deny', "examples/aws.yaml's delete_app rule applies");
});
