/**
 * The path constraint the HTML catalog and `toolgate init` suggest for path arguments, compiled by
 * the gateway's own ajv (through the policy), refuses every way out of the folder through `..`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { catalogEntry } from '../../src/catalog/entry.js';
import { argumentExample, policySnippets, WORKSPACE_PATH_PATTERN } from '../../src/catalog/policy-snippets.js';
import { starterPolicy } from '../../src/catalog/starter-policy.js';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { REPO_ROOT } from '../helpers/harness.js';

const tool = {
  name: 'write_report',
  description: 'Writes a report file to disk.',
  inputSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] },
};

const INSIDE = ['/srv/workspace/a/b.txt', '/srv/workspace/report.md', '/srv/workspace/.env', '/srv/workspace/./a', '/srv/workspace/my..notes/x', '/srv/workspace/..hidden', '/srv/workspace/a/b/', '/srv/workspace/'];
const OUTSIDE = ['/srv/workspace/../../etc/passwd', '/srv/workspace/a/../../x', '/srv/workspace/..', '/srv/workspace/a/..', '/srv/workspace/../', '/srv/workspace', '/etc/passwd', 'srv/workspace/a', '/srv/workspacex/a'];

test('examples/aws.yaml constrains its path arguments with the same pattern', () => {
  const text = readFileSync(join(REPO_ROOT, 'examples', 'aws.yaml'), 'utf8');
  assert.equal(text.split(`pattern: ${JSON.stringify(WORKSPACE_PATH_PATTERN)}`).length - 1, 3);
});

test('the catalog page\'s "validate its arguments" snippet, loaded as a config, refuses .. and lets the folder through', () => {
  const entry = catalogEntry('reports', tool);
  const snippet = policySnippets(entry).find((s) => s.id === 'validate')!;
  assert.ok(snippet.yaml.includes(argumentExample(entry.params)!.schema), snippet.yaml);
  const policy = compilePolicy(parseConfig(`servers:\n  reports: { command: node }\n${snippet.yaml}`, 'snippet.yaml', {}));
  const verdict = (path: string) => policy.evaluate({ server: 'reports', tool: 'write_report', args: { path, content: 'x' } }, tool);
  for (const path of INSIDE) assert.equal(verdict(path).kind, 'allow', path);
  for (const path of OUTSIDE) {
    const refused = verdict(path);
    assert.equal(refused.kind, 'invalid', path);
    if (refused.kind === 'invalid') assert.match(refused.issues.map((i) => `${i.path} ${i.message}`).join('; '), /\/path must match pattern/, path);
  }
});

test('toolgate init suggests the same pattern, in a block that loads once uncommented', () => {
  const entry = catalogEntry('reports', tool);
  assert.equal(entry.category, 'Write', 'a Write tool gets the argument example');
  const text = starterPolicy({ id: 'reports', kind: 'stdio', command: 'node' }, [entry], 'toolgate.yaml');
  // The example block, from its `# policies:` line on, uncommented as the file tells the reader to.
  const lines = text.split('\n');
  const start = lines.indexOf('# policies:');
  assert.ok(start > 0, text);
  const uncommented = lines.map((line, i) => (i >= start && line.startsWith('# ') ? line.slice(2) : line)).join('\n');
  const config = parseConfig(uncommented, 'toolgate.yaml', {});
  const schema = config.policies.reports.tools.write_report.validate?.arguments as { properties: { path: { pattern: string } } };
  assert.equal(schema.properties.path.pattern, WORKSPACE_PATH_PATTERN);
  const policy = compilePolicy(config);
  assert.equal(policy.evaluate({ server: 'reports', tool: 'write_report', args: { path: '/srv/workspace/../../etc/passwd', content: 'x' } }, tool).kind, 'invalid');
  assert.equal(policy.evaluate({ server: 'reports', tool: 'write_report', args: { path: '/srv/workspace/a/b.txt', content: 'x' } }, tool).kind, 'allow');
});
