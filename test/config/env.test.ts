/** `${VAR}` expansion: the string rules, and how it applies across a config file. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandEnv } from '../../src/config/env.js';
import { parseConfig } from '../../src/config/load.js';
import { assertProblem, problemsOf, yaml } from './helpers.js';

const ENV = { TOKEN: 't0k', EMPTY: '', HOST: 'h.example', PORT: '9000' };

const cases: { input: string; value: string; issues?: string[] }[] = [
  { input: 'plain', value: 'plain' },
  { input: 'Bearer ${TOKEN}', value: 'Bearer t0k' },
  { input: '${HOST}:${PORT}', value: 'h.example:9000' },
  { input: 'x${EMPTY}y', value: 'xy' },
  { input: 'cost: $5 and $HOME', value: 'cost: $5 and $HOME' },
  { input: 'literal $${TOKEN}', value: 'literal ${TOKEN}' },
  { input: '$${', value: '${' },
  { input: '$$${TOKEN}', value: '$${TOKEN}' },
  { input: '${NOPE}', value: '${NOPE}', issues: ['environment variable `NOPE` is not set'] },
  { input: '${NOPE} ${TOKEN} ${ALSO}', value: '${NOPE} t0k ${ALSO}', issues: ['`NOPE` is not set', '`ALSO` is not set'] },
  { input: '${constructor}', value: '${constructor}', issues: ['`constructor` is not set'] },
  { input: '${A B}', value: '${A B}', issues: ['`${A B}` is not a valid environment variable reference'] },
  { input: '${}', value: '${}', issues: ['`${}` is not a valid'] },
  { input: 'open ${TOKEN', value: 'open ${TOKEN', issues: ['`${` is not closed'] },
];

for (const c of cases) {
  test(`expandEnv ${JSON.stringify(c.input)}`, () => {
    const { value, issues } = expandEnv(c.input, ENV);
    assert.equal(value, c.value);
    assert.equal(issues.length, c.issues?.length ?? 0, JSON.stringify(issues));
    c.issues?.forEach((want, i) => assert.ok(issues[i].message.includes(want), issues[i].message));
  });
}

test('expansion applies to every string value, in servers, policies and schemas, but not to keys', () => {
  const config = parseConfig(
    yaml(
      'listen: { host: "${HOST}" }',
      'data_dir: "${HOME_DIR}/state"',
      'servers:',
      '  a:',
      '    command: "${BIN}"',
      '    args: ["--token", "${TOKEN}"]',
      '    env: { "${TOKEN}": "${TOKEN}" }',
      'policies:',
      '  a:',
      '    tools:',
      '      t:',
      '        reason: "ask ${OWNER}"',
      '        validate: { arguments: { properties: { host: { const: "${HOST}" } } } }',
    ),
    'e.yaml',
    { HOST: '0.0.0.0', HOME_DIR: '/srv', BIN: 'node', TOKEN: 'abc', OWNER: 'ops' },
  );
  assert.equal(config.listen.host, '0.0.0.0');
  assert.equal(config.dataDir, '/srv/state');
  assert.deepEqual(config.servers.a, {
    kind: 'stdio',
    command: 'node',
    args: ['--token', 'abc'],
    env: { '${TOKEN}': 'abc' },
    sessions: 'per-session',
  });
  assert.equal(config.policies.a.tools.t.reason, 'ask ops');
  assert.deepEqual(config.policies.a.tools.t.validate?.arguments, { properties: { host: { const: '0.0.0.0' } } });
});

test('an expanded value is still checked: a URL from the environment must be http(s)', () => {
  const problems = problemsOf(yaml('servers:', '  a: { url: "${UPSTREAM}" }'), { UPSTREAM: 'file:///etc/passwd' });
  assert.equal(problems.length, 1);
  assertProblem(problems[0], { line: 2, column: 13, path: '/servers/a/url', message: '`file:///etc/passwd` is not an http:// or https:// URL' });
});

test('each missing variable is reported at its own reference', () => {
  const problems = problemsOf(
    yaml('servers:', '  a:', '    command: x', '    args:', '      - "--user=${DB_USER}"', '      - --password=${DB_PASS}'),
    {},
  );
  assert.equal(problems.length, 2);
  assertProblem(problems[0], { line: 5, column: 17, path: '/servers/a/args/0', message: '`DB_USER` is not set', hint: 'export DB_USER=' });
  assertProblem(problems[1], { line: 6, column: 20, path: '/servers/a/args/1', message: '`DB_PASS` is not set', hint: 'export DB_PASS=' });
});

test('the environment defaults to process.env', () => {
  process.env.TOOLGATE_CONFIG_TEST_VAR = 'from-process';
  try {
    const config = parseConfig(yaml('servers: { a: { command: "${TOOLGATE_CONFIG_TEST_VAR}" } }'), 'p.yaml');
    assert.equal(config.servers.a.kind === 'stdio' && config.servers.a.command, 'from-process');
  } finally {
    delete process.env.TOOLGATE_CONFIG_TEST_VAR;
  }
});
