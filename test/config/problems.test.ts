/** Each kind of bad input is reported at the exact line and column, with a useful message. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { assertProblem, problemsOf, yaml, type Expected } from './helpers.js';

const SERVER = ['servers:', '  a:', '    command: uvx'];
/** A valid config with one server `a`, then `lines`: policy cases start on line 4. */
const withServer = (...lines: string[]) => yaml(...SERVER, ...lines);
/** Rule `t` of server `a`, whose body starts on line 7. */
const withRule = (...lines: string[]) => withServer('policies:', '  a:', '    tools:', '      t:', ...lines);

const cases: { name: string; text: string; env?: Record<string, string>; want: Expected }[] = [
  {
    name: 'YAML syntax error',
    text: yaml('servers:', '  a: [1, 2', 'mode: enforce'),
    want: { line: 3, column: 1, path: '/servers/a', message: 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ]', hint: 'indented' },
  },
  {
    name: 'tab indentation',
    text: yaml('servers:', '\ta:', '    command: x'),
    want: { line: 2, column: 1, path: '', message: 'YAML: Tabs are not allowed as indentation', hint: 'indent with spaces' },
  },
  {
    name: 'duplicate key, reported at the second one',
    text: yaml('mode: enforce', ...SERVER, 'mode: monitor'),
    want: { line: 5, column: 1, path: '/mode', message: 'duplicate key `mode` (first defined on line 1)' },
  },
  {
    name: 'empty file',
    text: '',
    want: { line: 1, column: 1, path: '', message: 'the config file is empty', hint: 'examples/demo.yaml' },
  },
  {
    name: 'unknown top-level key with a near miss',
    text: yaml(...SERVER, 'polices: {}'),
    want: { line: 4, column: 1, path: '/polices', message: 'unknown key `polices`', hint: 'did you mean `policies`?' },
  },
  {
    name: 'unknown key: camelCase spelling of a snake_case key',
    text: withRule('        rateLimit: { max: 1, window: 1 }'),
    want: { line: 8, column: 9, path: '/policies/a/tools/t/rateLimit', message: 'unknown key `rateLimit`', hint: 'did you mean `rate_limit`?' },
  },
  {
    name: 'unknown key with no near miss lists the allowed keys',
    text: withServer('    colour: blue'),
    want: { line: 4, column: 5, path: '/servers/a/colour', message: 'unknown key `colour`', hint: 'allowed keys here: `command`, `args`' },
  },
  {
    name: 'tool rule written directly under the policy',
    text: withServer('policies:', '  a:', '    delete_app: { action: deny }'),
    want: { line: 6, column: 5, path: '/policies/a/delete_app', message: 'unknown key `delete_app`', hint: 'rules for tools go under `tools:`' },
  },
  {
    name: 'missing servers',
    text: yaml('mode: enforce'),
    want: { line: 1, column: 1, path: '', message: 'missing required key `servers`' },
  },
  {
    name: 'no servers',
    text: yaml('servers: {}'),
    want: { line: 1, column: 1, path: '/servers', message: 'no servers configured', hint: 'add at least one server' },
  },
  {
    name: 'wrong type: string for a port',
    text: yaml('listen:', '  port: "8080"', ...SERVER),
    want: { line: 2, column: 9, path: '/listen/port', message: 'expected a whole number, got `8080`', hint: 'without quotes' },
  },
  {
    name: 'port out of range',
    text: yaml('listen: { port: 70000 }', ...SERVER),
    want: { line: 1, column: 17, path: '/listen/port', message: 'must be a whole number from 0 to 65535, got 70000' },
  },
  {
    name: 'wrong type: boolean env value',
    text: withServer('    env: { ALLOW_WRITE: true }'),
    want: { line: 4, column: 25, path: '/servers/a/env/ALLOW_WRITE', message: 'expected a string, got true', hint: 'quote it to make it a string: "true"' },
  },
  {
    name: 'wrong type: an empty value where a mapping belongs, located at its key',
    text: withRule('        rate_limit:'),
    want: { line: 8, column: 9, path: '/policies/a/tools/t/rate_limit', message: 'expected a mapping, got nothing', hint: '{}' },
  },
  {
    name: 'bad enum lists the allowed values',
    text: yaml('mode: enforcing', ...SERVER),
    want: { line: 1, column: 7, path: '/mode', message: '`enforcing` is not one of `enforce`, `monitor`', hint: 'did you mean `enforce`?' },
  },
  {
    name: 'bad action lists the allowed actions',
    text: withRule('        action: reject'),
    want: { line: 8, column: 17, path: '/policies/a/tools/t/action', message: '`reject` is not one of `allow`, `deny`, `hide`, `require_approval`', hint: null },
  },
  {
    name: 'bad rate-limit scope',
    text: withRule('        rate_limit: { max: 1, window: 1, scope: user }'),
    want: { line: 8, column: 49, path: '/policies/a/tools/t/rate_limit/scope', message: '`user` is not one of `session`, `tool`, `server`, `global`' },
  },
  {
    name: 'bad duration',
    text: withRule('        rate_limit: { max: 1, window: 10x }'),
    want: { line: 8, column: 39, path: '/policies/a/tools/t/rate_limit/window', message: '`10x` is not a duration', hint: '"30s"' },
  },
  {
    name: 'zero duration',
    text: withRule('        rate_limit: { max: 1, window: 0 }'),
    want: { line: 8, column: 39, path: '/policies/a/tools/t/rate_limit/window', message: 'must be greater than zero, got 0', hint: '"1m"' },
  },
  {
    name: 'max zero',
    text: withRule('        rate_limit: { max: 0, window: 1m }'),
    want: { line: 8, column: 28, path: '/policies/a/tools/t/rate_limit/max', message: 'must be a positive integer, got 0' },
  },
  {
    name: 'max fractional',
    text: withRule('        rate_limit: { max: 2.5, window: 1m }'),
    want: { line: 8, column: 28, path: '/policies/a/tools/t/rate_limit/max', message: 'must be a positive integer, got 2.5' },
  },
  {
    name: 'rate limit without a window',
    text: withRule('        rate_limit: { max: 3 }'),
    want: { line: 8, column: 9, path: '/policies/a/tools/t/rate_limit', message: 'missing required key `window`', hint: 'seconds' },
  },
  {
    name: 'bad max_body',
    text: yaml('listen: { max_body: 4 megs }', ...SERVER),
    want: { line: 1, column: 21, path: '/listen/max_body', message: '`4 megs` is not a byte size', hint: '"4mb"' },
  },
  {
    name: 'allowed origin with a path',
    text: yaml('listen:', '  allowed_origins: [http://localhost:5173/app]', ...SERVER),
    want: { line: 2, column: 21, path: '/listen/allowed_origins/0', message: 'is not a browser origin', hint: 'scheme://host[:port]' },
  },
  {
    name: 'policy for an unknown server suggests the near one',
    text: withServer('  aws-ecs: { command: x }', 'policies:', '  aws-esc: {}'),
    want: { line: 6, column: 3, path: '/policies/aws-esc', message: 'policy for unknown server `aws-esc`', hint: 'did you mean `aws-ecs`?' },
  },
  {
    name: 'policy for an unknown server lists the known ids',
    text: withServer('  b: { url: "http://h/mcp" }', 'policies:', '  github: {}'),
    want: { line: 6, column: 3, path: '/policies/github', message: 'policy for unknown server `github`', hint: 'configured servers: `a`, `b`' },
  },
  {
    name: 'server with both command and url',
    text: yaml('servers:', '  a:', '    command: x', '    url: http://h/mcp'),
    want: { line: 2, column: 3, path: '/servers/a', message: 'server `a` has both `command` and `url`', hint: 'keep one' },
  },
  {
    name: 'server with neither command nor url',
    text: yaml('servers:', '  a:', '    args: [x]'),
    want: { line: 2, column: 3, path: '/servers/a', message: 'server `a` needs `command`', hint: 'url: http://' },
  },
  {
    name: 'stdio-only key on an HTTP server',
    text: yaml('servers:', '  a:', '    url: http://h/mcp', '    env: { A: b }'),
    want: { line: 4, column: 5, path: '/servers/a/env', message: '`env` applies only to stdio servers', hint: 'remove `env`' },
  },
  {
    name: 'non-http url',
    text: yaml('servers:', '  a: { url: "ftp://h/mcp" }'),
    want: { line: 2, column: 13, path: '/servers/a/url', message: '`ftp://h/mcp` is not an http:// or https:// URL', hint: '`command`' },
  },
  {
    name: 'bad server id',
    text: yaml('servers:', '  a: { command: x }', '  my/server: { command: x }'),
    want: { line: 3, column: 3, path: '/servers/my~1server', message: '`my/server` is not a valid server id', hint: '/mcp/<id>' },
  },
  {
    name: 'empty tool rule key',
    text: withServer('policies:', '  a:', '    tools:', '      "": {}'),
    want: { line: 7, column: 7, path: '/policies/a/tools/', message: 'a tool rule key must not be empty' },
  },
  {
    name: 'glob with brackets',
    text: withServer('policies:', '  a:', '    tools:', '      "get_[ab]": {}'),
    want: { line: 7, column: 7, path: '/policies/a/tools/get_[ab]', message: '`get_[ab]` is not a valid tool name or glob', hint: '`*` matches' },
  },
  {
    name: 'a rule left empty instead of {}',
    text: withRule(),
    want: { line: 7, column: 7, path: '/policies/a/tools/t', message: 'expected a mapping, got nothing', hint: 'write {}' },
  },
  {
    name: 'validate that checks nothing',
    text: withRule('        validate: { input_schema: false }'),
    want: { line: 8, column: 9, path: '/policies/a/tools/t/validate', message: '`validate` checks nothing', hint: 'validate: true' },
  },
  {
    name: 'validate.arguments: invalid JSON Schema at the offending keyword',
    text: withRule('        validate:', '          arguments:', '            properties:', '              region: { enum: us-east-1 }'),
    want: { line: 11, column: 31, path: '/policies/a/tools/t/validate/arguments/properties/region/enum', message: 'invalid JSON Schema: `enum` must be array' },
  },
  {
    name: 'validate.arguments: misspelt keyword',
    text: withRule('        validate:', '          arguments:', '            type: object', '            requried: [region]'),
    want: { line: 11, column: 13, path: '/policies/a/tools/t/validate/arguments/requried', message: 'unknown JSON Schema keyword `requried`', hint: 'did you mean `required`?' },
  },
  {
    name: 'validate.arguments: unknown format',
    text: withRule('        validate:', '          arguments:', '            properties:', '              to: { type: string, format: emial }'),
    want: { line: 11, column: 43, path: '/policies/a/tools/t/validate/arguments/properties/to/format', message: 'unknown format `emial`', hint: 'did you mean `email`?' },
  },
  {
    name: 'validate.arguments: not an object schema',
    text: withRule('        validate:', '          arguments: { type: array }'),
    want: { line: 9, column: 30, path: '/policies/a/tools/t/validate/arguments/type', message: 'tool arguments are always an object' },
  },
  {
    name: 'validate.arguments: unresolvable $ref',
    text: withRule('        validate:', '          arguments:', '            properties:', '              x: { $ref: "#/$defs/nope" }'),
    want: { line: 11, column: 26, path: '/policies/a/tools/t/validate/arguments/properties/x/$ref', message: "can't resolve reference #/$defs/nope", hint: '$ref' },
  },
  {
    name: 'empty if',
    text: withRule('        conditions:', "          - if: ''", '            action: deny'),
    want: { line: 9, column: 17, path: '/policies/a/tools/t/conditions/0/if', message: '`if` must not be empty' },
  },
  {
    name: 'blank if',
    text: withRule('        conditions:', "          - if: '   '", '            action: deny'),
    want: { line: 9, column: 17, path: '/policies/a/tools/t/conditions/0/if', message: '`if` must not be empty' },
  },
  {
    name: 'CEL syntax error, pointed at the character',
    text: withRule('        conditions:', "          - if: 'args.x == && true'", '            action: deny'),
    want: { line: 9, column: 28, path: '/policies/a/tools/t/conditions/0/if', message: 'CEL syntax error', hint: 'cel.dev' },
  },
  {
    name: 'CEL unknown variable',
    text: withRule('        conditions:', '          - if: user == "bob"', '            action: deny'),
    want: { line: 9, column: 17, path: '/policies/a/tools/t/conditions/0/if', message: 'Unknown variable: user' },
  },
  {
    name: 'condition without action',
    text: withRule('        conditions:', '          - if: tool == "x"'),
    want: { line: 9, column: 13, path: '/policies/a/tools/t/conditions/0', message: 'missing required key `action`' },
  },
  {
    name: 'approval on a rule that holds nothing',
    text: withRule('        approval: { timeout: 5m }'),
    want: { line: 8, column: 9, path: '/policies/a/tools/t/approval', message: '`approval` has no effect', hint: 'set `action: require_approval`' },
  },
  {
    name: 'approval with an unknown way to ask',
    text: withRule('        action: require_approval', '        approval: { via: email }'),
    want: { line: 9, column: 26, path: '/policies/a/tools/t/approval/via', message: '`email` is not one of `dashboard`, `elicitation`' },
  },
  {
    name: 'unset environment variable, pointed at the reference',
    text: yaml('servers:', '  a:', '    url: http://h/mcp', '    headers: { Authorization: "Bearer ${TOKEN}" }'),
    want: { line: 4, column: 39, path: '/servers/a/headers/Authorization', message: 'environment variable `TOKEN` is not set', hint: 'export TOKEN=' },
  },
  {
    name: 'malformed environment reference',
    text: withServer('    args: ["${A:-x}"]'),
    want: { line: 4, column: 13, path: '/servers/a/args/0', message: '`${A:-x}` is not a valid environment variable reference', hint: '$${' },
  },
];

for (const c of cases) {
  test(`problem: ${c.name}`, () => {
    const problems = problemsOf(c.text, c.env);
    assert.equal(problems.length, 1, ConfigError.format(problems));
    assertProblem(problems[0], c.want);
  });
}

test('every problem in a file is reported together, in file order, each with its own location', () => {
  const text = yaml(
    'listen: { port: high }', //                       1
    'mode: enforcing', //                              2 (shadowed by line 17: only the duplicate is reported)
    'lgo: { level: info }', //                         3
    'servers:', //                                     4
    '  a:', //                                         5
    '    comand: uvx', //                              6
    '  b:', //                                         7
    '    url: http://h/mcp', //                        8
    '    headers: { X: "${MISSING}" }', //             9
    'policies:', //                                    10
    '  c: {}', //                                      11
    '  b:', //                                         12
    '    tools:', //                                   13
    '      x:', //                                     14
    '        action: require_approval', //             15
    '        rate_limit: { max: -1, window: 1w }', //  16
    'mode: monitor', //                                17
  );
  const problems = problemsOf(text);
  const expected: Expected[] = [
    { line: 1, column: 17, path: '/listen/port', message: 'expected a whole number, got `high`' },
    { line: 3, column: 1, path: '/lgo', message: 'unknown key `lgo`', hint: 'did you mean `log`?' },
    // No "needs command or url" for `a`: the misspelling already explains it.
    { line: 6, column: 5, path: '/servers/a/comand', message: 'unknown key `comand`', hint: 'did you mean `command`?' },
    { line: 9, column: 20, path: '/servers/b/headers/X', message: 'environment variable `MISSING` is not set' },
    { line: 11, column: 3, path: '/policies/c', message: 'policy for unknown server `c`', hint: 'configured servers: `a`, `b`' },
    { line: 16, column: 28, path: '/policies/b/tools/x/rate_limit/max', message: 'must be a positive integer, got -1' },
    { line: 16, column: 40, path: '/policies/b/tools/x/rate_limit/window', message: '`1w` is not a duration' },
    { line: 17, column: 1, path: '/mode', message: 'duplicate key `mode` (first defined on line 2)' },
  ];
  assert.equal(problems.length, expected.length, ConfigError.format(problems));
  expected.forEach((want, i) => assertProblem(problems[i], want));
});

test('ConfigError.format prints file:line:col: path: message (hint: ...)', () => {
  const problems = problemsOf(yaml('servers:', '  a: { command: x, sesions: shared }'));
  assert.equal(
    ConfigError.format(problems),
    'toolgate.yaml:2:20: /servers/a/sesions: unknown key `sesions` (hint: did you mean `sessions`?)',
  );
});

test('YAML syntax errors are all reported, and nothing is checked past them', () => {
  const problems = problemsOf(yaml('servers:', '  a: { command: x', 'mode: "open', 'bogus: 1'));
  assert.ok(problems.length >= 1);
  for (const p of problems) assert.ok(p.message.startsWith('YAML: '), ConfigError.format(problems));
});
