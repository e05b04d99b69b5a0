/** Valid files map to the `Config` contract; `loadConfig` reads files and resolves paths. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LIMIT_DEFAULTS } from '../../src/config/build.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import type { Config, ToolRuleConfig } from '../../src/config/types.js';
import { ConfigError, ToolgateError } from '../../src/errors.js';
import { yaml } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../../../test/config/fixtures/', import.meta.url));
const ENV = { EVERYTHING_TOKEN: 's3cret' };

const expectedFull: Config = {
  listen: { host: '127.0.0.1', port: 8787, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 4 * 1024 * 1024 },
  dataDir: './.toolgate',
  mode: 'enforce',
  log: { level: 'info' },
  pinning: 'block',
  limits: { ...LIMIT_DEFAULTS },
  servers: {
    'aws-ecs': {
      kind: 'stdio',
      command: 'uvx',
      args: ['awslabs.ecs-mcp-server@latest'],
      env: { ALLOW_WRITE: 'true', AWS_REGION: 'us-east-1' },
      cwd: './somewhere',
      sessions: 'per-session',
      mode: 'monitor',
    },
    'aws-serverless': {
      kind: 'stdio',
      command: 'uvx',
      args: ['awslabs.aws-serverless-mcp-server@latest'],
      env: {},
      sessions: 'shared',
    },
    everything: { kind: 'http', url: 'http://127.0.0.1:3001/mcp', headers: { Authorization: 'Bearer s3cret' } },
  },
  policies: {
    'aws-ecs': {
      default: 'allow',
      tools: {
        build_and_push_image_to_ecr: {
          action: 'allow',
          rateLimit: { max: 10, windowMs: 60_000, scope: 'session' },
          validate: { inputSchema: true },
          conditions: [],
        },
        'delete_*': { action: 'deny', reason: 'Apps are deleted by the platform team.', conditions: [] },
      },
    },
    'aws-serverless': {
      default: 'deny',
      tools: {
        deploy_webapp: {
          action: 'allow',
          validate: { inputSchema: true, arguments: { properties: { region: { enum: ['us-east-1', 'eu-west-1'] } } } },
          conditions: [{ if: 'args.project_root.startsWith("/etc")', action: 'deny', reason: 'Deploy only from a workspace.' }],
        },
        'get_*': { action: 'allow', conditions: [] },
      },
    },
  },
};

test('the full example parses to the expected Config', async () => {
  const text = await readFile(join(FIXTURES, 'full.yaml'), 'utf8');
  const config = parseConfig(text, 'full.yaml', ENV);
  assert.deepEqual(config, expectedFull);
  // Rule keys keep their order and spelling, globs included.
  assert.deepEqual(Object.keys(config.policies['aws-ecs'].tools), ['build_and_push_image_to_ecr', 'delete_*']);
});

test('defaults for a minimal file', () => {
  const config = parseConfig(yaml('servers:', '  fs: { command: npx }'), 'min.yaml', {});
  assert.deepEqual(config, {
    listen: { host: '127.0.0.1', port: 8787, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 4194304 },
    dataDir: './.toolgate',
    mode: 'enforce',
    log: { level: 'info' },
    pinning: 'block',
    limits: { maxSessions: 1000, maxSessionsPerServer: 256, maxProcessesPerServer: 16, sessionIdleMs: 300_000, maxLineBytes: 4194304, replayBufferBytes: 4194304, toolNameLength: 256, maxJsonDepth: 64 },
    servers: { fs: { kind: 'stdio', command: 'npx', args: [], env: {}, sessions: 'per-session' } },
    policies: {},
  });
});

test('limits map to numbers, durations in ms and sizes in bytes; unknown limits are refused', () => {
  const config = parseConfig(
    yaml(
      'limits:',
      '  max_sessions: 10',
      '  max_sessions_per_server: 5',
      '  max_processes_per_server: 2',
      '  session_idle_timeout: 90s',
      '  max_line_bytes: 1mb',
      '  replay_buffer: 65536',
      '  tool_name_length: 512',
      '  max_json_depth: 32',
      'servers:',
      '  fs: { command: npx }',
    ),
    'limits.yaml',
    {},
  );
  assert.deepEqual(config.limits, { maxSessions: 10, maxSessionsPerServer: 5, maxProcessesPerServer: 2, sessionIdleMs: 90_000, maxLineBytes: 1024 * 1024, replayBufferBytes: 65536, toolNameLength: 512, maxJsonDepth: 32 });
  assert.throws(() => parseConfig(yaml('limits: { max_json_depth: 1 }', 'servers:', '  fs: { command: npx }'), 'bad.yaml', {}), /max_json_depth/);
  assert.throws(() => parseConfig(yaml('limits: { max_sessions: 0 }', 'servers:', '  fs: { command: npx }'), 'bad.yaml', {}), /max_sessions/);
  assert.throws(() => parseConfig(yaml('limits: { max_fun: 3 }', 'servers:', '  fs: { command: npx }'), 'bad.yaml', {}), /max_fun/);
});

test('listen options map to camelCase with sizes in bytes', () => {
  const config = parseConfig(
    yaml(
      'listen:',
      '  host: 0.0.0.0',
      '  port: 0',
      '  allowed_hosts: [gateway.internal, "gateway.internal:8787"]',
      '  allowed_origins: ["http://localhost:5173", "https://app.example.com"]',
      '  max_body: 512kb',
      'mode: monitor',
      'log: { level: debug }',
      'servers: { a: { url: "https://mcp.example.com/mcp", mode: enforce } }',
    ),
    'c.yaml',
    {},
  );
  assert.deepEqual(config.listen, {
    host: '0.0.0.0',
    port: 0,
    allowedHosts: ['gateway.internal', 'gateway.internal:8787'],
    allowedOrigins: ['http://localhost:5173', 'https://app.example.com'],
    maxBodyBytes: 512 * 1024,
  });
  assert.equal(config.mode, 'monitor');
  assert.equal(config.log.level, 'debug');
  assert.deepEqual(config.servers.a, { kind: 'http', url: 'https://mcp.example.com/mcp', headers: {}, mode: 'enforce' });
});

const validateCases: { yaml: string; want: ToolRuleConfig['validate'] }[] = [
  { yaml: 'validate: true', want: { inputSchema: true } },
  { yaml: 'validate: false', want: undefined },
  { yaml: 'validate: { input_schema: true }', want: { inputSchema: true } },
  { yaml: 'validate: { arguments: { required: [x] } }', want: { inputSchema: false, arguments: { required: ['x'] } } },
  {
    yaml: 'validate: { input_schema: true, arguments: { required: [x] } }',
    want: { inputSchema: true, arguments: { required: ['x'] } },
  },
  {
    yaml: 'validate: { input_schema: false, arguments: { required: [x] } }',
    want: { inputSchema: false, arguments: { required: ['x'] } },
  },
];

for (const c of validateCases) {
  test(`rule mapping: ${c.yaml}`, () => {
    const config = parseConfig(yaml('servers: { a: { command: x } }', 'policies:', '  a:', '    tools:', `      t: { ${c.yaml} }`), 'v.yaml', {});
    const rule = config.policies.a.tools.t;
    assert.deepEqual(rule.validate, c.want);
    assert.equal('validate' in rule, c.want !== undefined, 'no `validate` key when nothing is validated');
  });
}

const rateLimitCases: { window: string; windowMs: number; scope?: string }[] = [
  { window: '60', windowMs: 60_000 },
  { window: '0.5', windowMs: 500 },
  { window: '"500ms"', windowMs: 500 },
  { window: '30s', windowMs: 30_000, scope: 'tool' },
  { window: '1m', windowMs: 60_000, scope: 'server' },
  { window: '1h', windowMs: 3_600_000, scope: 'global' },
  { window: '1d', windowMs: 86_400_000 },
];

for (const c of rateLimitCases) {
  test(`rate_limit window ${c.window}${c.scope ? ` scope ${c.scope}` : ''}`, () => {
    const scope = c.scope ? `, scope: ${c.scope}` : '';
    const config = parseConfig(
      yaml('servers: { a: { command: x } }', 'policies:', '  a:', '    tools:', `      "*": { rate_limit: { max: 5, window: ${c.window}${scope} } }`),
      'r.yaml',
      {},
    );
    assert.deepEqual(config.policies.a.tools['*'].rateLimit, { max: 5, windowMs: c.windowMs, scope: c.scope ?? 'session' });
  });
}

test('YAML anchors and aliases are followed', () => {
  const config = parseConfig(
    yaml(
      'servers:',
      '  a: { command: x }',
      'policies:',
      '  a:',
      '    tools:',
      '      delete_*: &refuse { action: deny, reason: "not here" }',
      '      drop_*: *refuse',
    ),
    'anchors.yaml',
    {},
  );
  assert.deepEqual(config.policies.a.tools['drop_*'], { action: 'deny', reason: 'not here', conditions: [] });
});

test('loadConfig sets the absolute file and resolves data_dir and cwd against its folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'toolgate-config-'));
  try {
    const file = join(dir, 'toolgate.yaml');
    await writeFile(file, yaml('data_dir: state', 'servers:', '  a: { command: x, cwd: ./work }', '  b: { command: y }', '  c: { url: "http://h/mcp" }'));
    const config = await loadConfig(file, {});
    assert.equal(config.file, file);
    assert.equal(config.dataDir, join(dir, 'state'));
    assert.equal(config.servers.a.kind === 'stdio' && config.servers.a.cwd, join(dir, 'work'));
    assert.ok(config.servers.b.kind === 'stdio' && !('cwd' in config.servers.b), 'no cwd stays no cwd');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('loadConfig resolves the default data_dir next to the file', async () => {
  const config = await loadConfig(join(FIXTURES, 'full.yaml'), ENV);
  assert.equal(config.file, join(FIXTURES, 'full.yaml'));
  assert.equal(config.dataDir, join(FIXTURES, '.toolgate'));
  assert.equal(config.servers['aws-ecs'].kind === 'stdio' && config.servers['aws-ecs'].cwd, join(FIXTURES, 'somewhere'));
});

test('loadConfig names the path of a file it cannot read', async () => {
  const missing = join(tmpdir(), 'toolgate-no-such-dir', 'toolgate.yaml');
  await assert.rejects(loadConfig(missing, {}), (e: unknown) => {
    assert.ok(e instanceof ToolgateError && !(e instanceof ConfigError));
    assert.equal(e.code, 'config_unreadable');
    assert.ok(e.message.includes(missing), e.message);
    assert.ok(e.message.includes('does not exist'), e.message);
    return true;
  });
  await assert.rejects(loadConfig(FIXTURES, {}), (e: unknown) => {
    assert.ok(e instanceof ToolgateError);
    assert.equal(e.code, 'config_unreadable');
    assert.ok(e.message.includes('is a directory'), e.message);
    return true;
  });
});

test('loadConfig reports every problem of a broken file, labelled with the path as given', async () => {
  const file = relative(process.cwd(), join(FIXTURES, 'broken.yaml'));
  await assert.rejects(loadConfig(file, {}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(
      e.message,
      [
        `${file}:2:50: /listen/max_body: \`4 megs\` is not a byte size (hint: write a number of bytes (4194304) or a size with a unit: "512kb", "4mb", "1gb" (1kb = 1024 bytes))`,
        `${file}:6:39: /servers/github/headers/Authorization: environment variable \`GITHUB_TOKEN\` is not set (hint: export GITHUB_TOKEN=... before starting toolgate, or write $\${ for a literal \${)`,
        `${file}:10:5: /servers/files/sesions: unknown key \`sesions\` (hint: did you mean \`sessions\`?)`,
        `${file}:16:41: /policies/github/tools/get_*/rate_limit/window: \`1 minute\` is not a duration (hint: write seconds as a number (60) or a string with a unit: "500ms", "30s", "1m", "1h", "1d")`,
        `${file}:19:3: /policies/file: policy for unknown server \`file\` (hint: did you mean \`files\`?)`,
        `${file}:24:21: /policies/file/tools/write_file/conditions/0/action: \`block\` is not one of \`allow\`, \`deny\`, \`hide\`, \`require_approval\``,
      ].join('\n'),
    );
    return true;
  });
});

test('examples/demo.yaml loads without any environment: its paths are relative to the file', async () => {
  const demo = fileURLToPath(new URL('../../../examples/demo.yaml', import.meta.url));
  const config = await loadConfig(demo, {});
  const folder = dirname(demo);
  assert.equal(config.dataDir, join(folder, 'state'));
  const files = config.servers.files;
  assert.ok(files.kind === 'stdio' && files.cwd === folder && files.args[0] === './files', 'the filesystem server runs in the config folder, on ./files');
  for (const id of Object.keys(config.policies)) assert.ok(id in config.servers, `policy ${id} names a server`);
});
