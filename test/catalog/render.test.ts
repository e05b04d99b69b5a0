/**
 * The pure catalog pieces, table-driven: parameter types, rule summaries, YAML quoting (read back
 * by the real loader), the starter policy with hostile tool definitions, Markdown escaping.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { catalogEntry, describeParams, formatWindow, ruleSummary } from '../../src/catalog/entry.js';
import { policySnippets, yamlKey, yamlString, yamlValue } from '../../src/catalog/policy-snippets.js';
import { renderMarkdown } from '../../src/catalog/render-text.js';
import { starterPolicy } from '../../src/catalog/starter-policy.js';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';

describe('describeParams', () => {
  const cases: Array<[string, unknown, string]> = [
    ['plain', { type: 'string' }, 'string'],
    ['nullable (anyOf)', { anyOf: [{ type: 'string' }, { type: 'null' }] }, 'string | null'],
    ['type list', { type: ['integer', 'null'] }, 'integer | null'],
    ['enum', { enum: ['a', 'b'] }, '"a" | "b"'],
    ['long enum', { enum: [1, 2, 3, 4, 5, 6, 7] }, '1 | 2 | 3 | 4 | 5 | 6 | …'],
    ['array of', { type: 'array', items: { type: 'string' } }, 'string[]'],
    ['array of union', { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } }, '(string | number)[]'],
    ['format', { type: 'string', format: 'uri' }, 'string (uri)'],
    ['ref', { $ref: '#/$defs/BackendConfiguration' }, 'BackendConfiguration'],
    ['object without type', { properties: { a: {} } }, 'object'],
    ['nothing', {}, 'any'],
    ['const', { const: 'x' }, '"x"'],
  ];
  for (const [name, schema, type] of cases) {
    test(name, () => assert.equal(describeParams({ type: 'object', properties: { p: schema } })[0].type, type));
  }
  test('required marks, descriptions, defaults; junk schemas give no parameters', () => {
    assert.deepEqual(describeParams({ properties: { a: { type: 'string', description: 'A.' }, b: { type: 'number', default: 3 } }, required: ['b', 7] }), [
      { name: 'a', type: 'string', required: false, description: 'A.' },
      { name: 'b', type: 'number', required: true, default: 3 },
    ]);
    for (const junk of [undefined, null, 'x', [], { properties: [] }, { properties: null }]) assert.deepEqual(describeParams(junk), []);
  });
});

describe('rule summaries', () => {
  const cases: Array<[Parameters<typeof ruleSummary>[0], string]> = [
    [{ action: 'allow', conditions: [] }, 'allow'],
    [{ action: 'deny', reason: 'No.', conditions: [] }, 'deny: "No."'],
    [{ action: 'deny', conditions: [] }, 'deny'],
    [{ action: 'hide', conditions: [] }, 'hide'],
    [{ action: 'require_approval', conditions: [] }, 'require approval'],
    [{ action: 'allow', conditions: [{ if: 'true', action: 'deny' }], validate: { inputSchema: true }, rateLimit: { max: 3, windowMs: 600_000, scope: 'tool' } }, 'allow, 1 condition, validated (input schema), at most 3 per 10m per tool'],
    [{ action: 'allow', conditions: [], validate: { inputSchema: false, arguments: {} } }, 'allow, validated (extra schema)'],
  ];
  for (const [rule, text] of cases) test(text, () => assert.equal(ruleSummary(rule), text));
  test('windows in the config\'s own units', () => {
    for (const [ms, text] of [[500, '500ms'], [1000, '1s'], [90_000, '90s'], [60_000, '1m'], [3_600_000, '1h'], [86_400_000, '1d'], [1500, '1500ms']] as const) {
      assert.equal(formatWindow(ms), text);
    }
  });
});

describe('YAML quoting', () => {
  const strings = ['plain', 'delete_*', 'get-env', 'true', 'null', 'No', '123', '1.5', '@scope/pkg', 'a: b', 'a #b', '"q"', "it's", 'line\nbreak', '${HOME}', '$${x}', '-flag', '', ' lead', 'ünïcode', 'tab\there', '[x]', '{x}', '*alias', '&anchor', '!tag', '%p', '`b`', '|', '>'];
  test('keys and values read back as the same string, and ${ is never expanded', () => {
    for (const s of strings) {
      // Keys are read as written (the loader never expands them).
      const doc = `${yamlKey(s)}: 1\n`;
      assert.deepEqual(Object.keys(parse(doc) as object), [s], `key ${JSON.stringify(s)} in ${doc}`);
      if (s !== '' && !/[[\]{}]|^!|^\s|\s$/.test(s)) {
        // As a tool rule key (names with brackets, braces or a leading ! cannot be rule keys at all).
        const tools = parseConfig(`servers:\n  s: { command: x }\npolicies:\n  s:\n    tools:\n      ${yamlKey(s)}: {}\n`, 't.yaml', {});
        assert.deepEqual(Object.keys(tools.policies.s.tools), [s]);
      }
      // The loader expands ${VAR}; the quoting writes $${ so the text survives it.
      const config = parseConfig(`servers:\n  s: { command: ${yamlValue(s === '' ? 'x' : s)}, args: [${yamlString(s)}] }\n`, 't.yaml', {});
      assert.equal(config.servers.s.kind === 'stdio' && config.servers.s.args[0], s, `value ${JSON.stringify(s)}`);
    }
  });
});

describe('policy snippets and the starter policy', () => {
  const hostile = [
    { name: 'delete_everything', description: 'Deletes every record.\npolicies: { x: 1 }', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
    { name: 'odd\nname: "x" # y', description: 'Sends a payment to the given IBAN.\n\n# not a comment', inputSchema: { type: 'object', properties: { amount: { type: 'number' } } } },
    { name: 'true', description: 'Runs the shell command.', inputSchema: { type: 'object', properties: { command: { type: 'string' } } } },
    { name: 'echo', description: 'Echoes the message.' },
  ];
  test('every snippet of every tool loads as a policies fragment for its server', () => {
    for (const tool of hostile) {
      const entry = catalogEntry('my-server', tool);
      for (const snippet of policySnippets(entry)) {
        const config = parseConfig(`servers:\n  my-server: { command: x }\n${snippet.yaml}`, 'snippet.yaml', {});
        assert.ok(config.policies['my-server'].tools[tool.name], `${snippet.id} names ${JSON.stringify(tool.name)}`);
        compilePolicy(config);
      }
    }
  });

  test('the starter policy loads with hostile names and descriptions, and so does its example block uncommented', () => {
    const config = parseConfig('servers:\n  s: { command: x }\ndefaults: recommended\n', 'base.yaml', {});
    const policy = compilePolicy(config);
    const entries = hostile.map((t) => catalogEntry('s', t, (server, tool, def) => policy.explain(server, tool, def)));
    const text = starterPolicy({ id: 's', label: 'Evil\nServer: 1', kind: 'stdio', command: 'node', args: ['server.js', '--flag'], env: { TOKEN: '${NOT_EXPANDED}' } }, entries, 'toolgate.yaml');
    const loaded = parseConfig(text, 'starter.yaml', {});
    assert.deepEqual(Object.keys(loaded.servers), ['s']);
    assert.equal(loaded.servers.s.kind === 'stdio' && loaded.servers.s.env.TOKEN, '${NOT_EXPANDED}');
    assert.deepEqual(loaded.policies, {}, 'the examples stay comments');
    const lines = text.split('\n');
    const start = lines.indexOf('# policies:');
    const uncommented = lines.map((l, i) => (i >= start && l.startsWith('# ') ? l.slice(2) : l)).join('\n');
    const withExamples = parseConfig(uncommented, 'examples.yaml', {});
    compilePolicy(withExamples);
    assert.deepEqual(Object.keys(withExamples.policies.s.tools).sort(), ['delete_everything', 'odd\nname: "x" # y', 'true'].sort());
  });

  test('markdown cells cannot break the table', () => {
    const entry = catalogEntry('s', { name: 'a|b', description: 'x' });
    entry.effectiveRule.summary = 'deny: "no | pipes\nor lines"';
    const md = renderMarkdown([{ server: 's|x', entries: [entry] }], [{ server: 'down', message: 'failed\nbadly | here' }]);
    const row = md.split('\n').find((l) => l.startsWith('| `'))!;
    assert.equal(row.split(/(?<!\\)\|/).length, 8, row);
    assert.match(md, /^- \*\*down\*\*: failed badly \\\| here$/m);
  });
});
