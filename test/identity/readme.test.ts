/** The README's "Agent identity" section: its configs load, and its commands do what it says, against a real gateway and a real provider. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { namedAgent } from '../../src/identity/agent.js';
import { CLI, FILESYSTEM_SERVER, REPO_ROOT, startGateway, tempDir } from '../helpers/harness.js';
import { childEnv } from '../helpers/processes.js';
import { startProvider } from './provider.js';

const run = promisify(execFile);
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Agent identity'), readme.indexOf('## Security: the trust boundary'));
const blocks = (language: string) => [...section.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const CI_BOT_KEY = 'ci-bot-key-of-the-readme-0123';
const bash = (script: string, env: Record<string, string> = {}) => run('bash', ['-c', script], { env: childEnv(env), encoding: 'utf8' });

test('the configs of the section load; the precedence it describes is what the policy does', () => {
  const [keys, oauth] = blocks('yaml');
  const config = parseConfig(keys, 'README.md', { CI_BOT_KEY });
  assert.equal(config.auth?.agents.alice.groups.join(), 'humans,oncall');
  const policy = compilePolicy(config);
  assert.equal(policy.evaluate({ server: 'files', tool: 'write_file', args: {}, agent: namedAgent('ci-bot', ['ci'], 'api_key') }).kind, 'allow');
  assert.equal(policy.evaluate({ server: 'files', tool: 'write_file', args: {}, agent: namedAgent('alice', ['humans'], 'api_key') }).kind, 'hold');
  assert.equal(policy.isHidden('files', 'move_file', undefined, namedAgent('alice', ['humans'], 'api_key')), true);
  const withOauth = parseConfig(oauth, 'README.md', {});
  assert.equal(withOauth.auth?.oauth?.agentClaim, 'azp');
});

test('`printf %s "$ALICE_KEY" | sha256sum` prints the key_sha256 the example holds', async () => {
  const { stdout } = await bash('printf %s "$ALICE_KEY" | sha256sum', { ALICE_KEY: 'test' });
  assert.ok(section.includes(`key_sha256: ${stdout.split(' ')[0]}`));
});

test('the curl commands: 401 with the challenge, and the metadata it names', async () => {
  const gw = await startGateway(`auth:\n  agents:\n    ci-bot: { key: "${CI_BOT_KEY}" }\nservers:\n  files: $RECORDING\n`);
  try {
    const [challenge, metadata] = blocks('sh')[0].trim().split('\n').map((line) => line.replaceAll('http://127.0.0.1:8787', gw.baseUrl));
    const refused = (await bash(challenge)).stdout;
    assert.match(refused, /^HTTP\/1\.1 401/);
    assert.match(refused, new RegExp(`www-authenticate: Bearer resource_metadata="${gw.baseUrl}/\\.well-known/oauth-protected-resource/mcp/files"`, 'i'));
    assert.equal(JSON.parse((await bash(metadata)).stdout).resource, `${gw.baseUrl}/mcp/files`);
  } finally {
    await gw.close();
  }
});

test('the OAuth commands get a token from the issuer and are let in with it', async () => {
  const idp = await startProvider([{ id: 'ci-bot', secret: 'ci-bot-secret-of-the-readme', scope: 'mcp:tools' }]);
  const gw = await startGateway(`auth:\n  oauth: { issuer: "${idp.issuer}", required_scopes: [mcp:tools] }\nservers:\n  files: $RECORDING\n`);
  try {
    const script = blocks('sh')[1].replaceAll('http://127.0.0.1:8787', gw.baseUrl);
    const { stdout } = await bash(script, { ISSUER: idp.issuer, CI_BOT_SECRET: 'ci-bot-secret-of-the-readme' });
    assert.match(stdout, /"protocolVersion":"2025-11-25"/);
    assert.equal(gw.gateway.sessionCount, 1);
  } finally {
    await gw.close();
    await idp.close();
  }
});

test('toolgate explain files write_file --agent ci-bot: the agent\'s own rule', async () => {
  const dir = tempDir();
  const yaml = blocks('yaml')[0].replace(/files: \{ command: npx[^\n]*/, `files: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM_SERVER)}, ${JSON.stringify(dir)}] }`);
  writeFileSync(join(dir, 'toolgate.yaml'), yaml);
  const command = /`toolgate (explain files write_file --agent ci-bot -c toolgate\.yaml)`/.exec(section)![1].split(' ');
  const { stdout } = await run(process.execPath, [CLI, ...command], { cwd: dir, env: childEnv({ CI_BOT_KEY }), encoding: 'utf8' });
  assert.match(stdout, /For agent ci-bot \(groups: ci\)/);
  assert.match(stdout, /governed by policies\.files\.agents\.ci-bot\.tools\."?write_file/);
});

test('the demo config knows one agent by a key it documents, serves anonymous callers, and lets that agent move files', async () => {
  const demo = readFileSync(join(REPO_ROOT, 'examples', 'demo.yaml'), 'utf8');
  const key = /Authorization: Bearer (\S+)/.exec(demo)![1];
  const config = parseConfig(demo, 'demo.yaml', {});
  assert.equal(config.auth?.anonymous, 'allow');
  const { stdout } = await bash(`printf %s "${key}" | sha256sum`);
  assert.equal(config.auth?.agents['demo-agent'].keySha256, stdout.split(' ')[0]);
  const policy = compilePolicy(config);
  assert.equal(policy.evaluate({ server: 'files', tool: 'move_file', args: {}, agent: namedAgent('demo-agent', ['trusted'], 'api_key') }).kind, 'allow');
  assert.equal(policy.evaluate({ server: 'files', tool: 'move_file', args: {} }).kind, 'deny');
});
