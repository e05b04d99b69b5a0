/**
 * `toolgate catalog` end to end: offline on the real tool definitions in the dataset, and live
 * against server-everything and server-filesystem started from npm, with a policy whose rules,
 * category defaults and overrides must show in the output.
 */
import assert from 'node:assert/strict';
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CatalogEntry } from '../../src/catalog/entry.js';
import { EVERYTHING_YAML, dataset, filesystemYaml, toolgate, toolgateAsync, writeConfig } from './cli-helpers.js';
import { REPO_ROOT, tempDir } from '../helpers/harness.js';
import { freePort } from '../helpers/processes.js';

const FILESYSTEM_TOOLS = 'modelcontextprotocol__server-filesystem.json';
const PAGED_SERVER = join(REPO_ROOT, 'dist', 'test', 'catalog', 'fixtures', 'paged-server.js');

describe('toolgate catalog --tools-json (offline)', () => {
  test('JSON: one object per tool with the documented fields; without a config every rule is "allow (no policy)"', () => {
    const result = toolgate(['catalog', '--tools-json', dataset(FILESYSTEM_TOOLS), '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const entries = JSON.parse(result.stdout) as CatalogEntry[];
    assert.equal(entries.length, 14);
    for (const e of entries) {
      for (const field of ['server', 'name', 'category', 'risk', 'requiredParams', 'rationale', 'findings', 'effectiveRule', 'overridden'] as const) {
        assert.ok(field in e, `${e.name} has ${field}`);
      }
      assert.equal(e.server, '@modelcontextprotocol/server-filesystem', 'the file\'s own server name');
      assert.equal(e.effectiveRule.summary, 'allow (no policy)');
      assert.equal(e.overridden, false);
    }
    const write = entries.find((e) => e.name === 'write_file')!;
    assert.equal(write.category, 'Write');
    assert.deepEqual(write.requiredParams, ['path', 'content']);
    assert.ok(write.rationale.length > 0);
    assert.deepEqual(write.params.map((p) => [p.name, p.type, p.required]), [['path', 'string', true], ['content', 'string', true]]);
  });

  test('--server names the tools\' server; a bare array and a tools/list result are read too', () => {
    const dir = tempDir();
    const tools = [{ name: 'delete_repo', description: 'Deletes a repository and all of its issues permanently.', inputSchema: { type: 'object', properties: { repo: { type: 'string' } }, required: ['repo'] } }];
    const arrayFile = `${dir}/array.json`;
    const listFile = `${dir}/list.json`;
    writeFileSync(arrayFile, JSON.stringify(tools));
    writeFileSync(listFile, JSON.stringify({ tools, nextCursor: undefined }));
    for (const file of [arrayFile, listFile]) {
      const result = toolgate(['catalog', '--tools-json', file, '--server', 'gh', '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const [entry] = JSON.parse(result.stdout) as CatalogEntry[];
      assert.equal(entry.server, 'gh');
      assert.equal(entry.category, 'Destructive');
      assert.deepEqual(entry.requiredParams, ['repo']);
    }
  });

  test('markdown: a table per server, cells escaped', () => {
    const result = toolgate(['catalog', '--tools-json', dataset(FILESYSTEM_TOOLS), '--format', 'markdown']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^## @modelcontextprotocol\/server-filesystem$/m);
    assert.match(result.stdout, /^\| Tool \| Category \| Risk \| Required parameters \| Effective rule \| Notes \|$/m);
    assert.match(result.stdout, /^\| `write_file` \| Write \| \w+ \| `path`, `content` \| allow \(no policy\) \| +\|$/m);
    const rows = result.stdout.split('\n').filter((l) => l.startsWith('| `'));
    assert.equal(rows.length, 14);
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 8, `six cells: ${row}`);
  });

  test('table: aligned columns, no colour when not a terminal', () => {
    const result = toolgate(['catalog', '--tools-json', dataset(FILESYSTEM_TOOLS)]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /\x1b\[/);
    const lines = result.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('TOOL'));
    assert.ok(header > 0, result.stdout);
    const column = lines[header].indexOf('CATEGORY');
    for (const line of lines.slice(header + 1, header + 15)) {
      assert.match(line.slice(column), /^(Read|Write|Execute|Destructive|Financial|Communication|Admin)\b/, `aligned: ${line}`);
    }
  });

  test('bad input names the file and what to give instead', () => {
    const dir = tempDir();
    writeFileSync(`${dir}/x.json`, '{"server": "s"}');
    const none = toolgate(['catalog', '--tools-json', `${dir}/x.json`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /x\.json holds no tools \(hint: give a tools\/list result/);
    const format = toolgate(['catalog', '--tools-json', `${dir}/x.json`, '--format', 'yaml']);
    assert.equal(format.code, 1);
    assert.match(format.stderr, /--format takes table, json or markdown, not "yaml"/);
    const unknownServer = writeConfig(`servers:\n  everything: ${EVERYTHING_YAML}\n`);
    const server = toolgate(['catalog', '--tools-json', dataset(FILESYSTEM_TOOLS), '-c', unknownServer.file]);
    assert.equal(server.code, 1);
    assert.match(server.stderr, /from "@modelcontextprotocol\/server-filesystem", which is not a server id .*--server; configured servers: everything/);
  });
});

describe('toolgate catalog (live servers)', () => {
  test('lists every configured server with effective rules from tool rules, category defaults and overrides', async () => {
    const root = tempDir('toolgate-files-');
    const { file } = writeConfig(
      [
        'servers:',
        `  everything: ${EVERYTHING_YAML}`,
        `  files: ${filesystemYaml(root)}`,
        'defaults: recommended',
        'policies:',
        '  everything:',
        '    tools:',
        '      get-env: { action: deny, reason: "Environment variables may hold secrets." }',
        '      toggle-*: { action: hide }',
        '      echo: { category: Write, risk: Medium }',
        '  files:',
        '    tools:',
        '      move_file: { action: deny, reason: "No moving." }',
        '',
      ].join('\n'),
    );
    const result = await toolgateAsync(['catalog', '-c', file, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const entries = JSON.parse(result.stdout) as CatalogEntry[];
    const byName = new Map(entries.map((e) => [`${e.server}/${e.name}`, e]));
    assert.equal(entries.filter((e) => e.server === 'everything').length, 13, 'every page of tools/list');
    assert.equal(entries.filter((e) => e.server === 'files').length, 14);

    const env = byName.get('everything/get-env')!;
    assert.equal(env.effectiveRule.action, 'deny');
    assert.equal(env.effectiveRule.source.kind, 'tool_rule');
    assert.equal(env.effectiveRule.reason, 'Environment variables may hold secrets.');
    assert.equal(byName.get('everything/toggle-simulated-logging')!.effectiveRule.source.key, 'toggle-*');

    const echo = byName.get('everything/echo')!;
    assert.equal(echo.overridden, true);
    assert.equal(echo.category, 'Write');
    assert.equal(echo.classifier.category, 'Read');
    assert.equal(echo.effectiveRule.source.kind, 'category_default', 'the override moves it under the Write default');
    assert.equal(echo.effectiveRule.source.key, 'Write');
    assert.ok(echo.effectiveRule.rateLimit, 'the Write default limits it');

    const write = byName.get('files/write_file')!;
    assert.equal(write.category, 'Write');
    assert.equal(write.effectiveRule.source.kind, 'category_default');
    assert.equal(byName.get('files/read_text_file')!.effectiveRule.source.kind, 'server_default');
    assert.equal(byName.get('files/move_file')!.effectiveRule.action, 'deny');

    const table = await toolgateAsync(['catalog', '-c', file, '--server', 'everything']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^everything — 13 tools \(mcp-servers\/everything [\d.]+\)$/m);
    assert.match(table.stdout, /^echo +Write\* +Medium +message +allow, .*\[defaults: Write\]/m);
    assert.match(table.stdout, /^get-env .*deny: "Environment variables may hold secrets\." \[rule "get-env"\]/m);
    assert.match(table.stdout, /^\* category or risk set in the config/m);
    assert.doesNotMatch(table.stdout, /^files/m, '--server lists one server');
  });

  test('colour only on a terminal and without NO_COLOR (checked through the renderer)', async () => {
    const { renderTable } = await import('../../src/catalog/render-text.js');
    const { catalogEntry } = await import('../../src/catalog/entry.js');
    const group = { server: 's', entries: [catalogEntry('s', { name: 'delete_everything', description: 'Deletes every record permanently.' })] };
    assert.match(renderTable([group], true), /\x1b\[36mDestructive\x1b\[0m/);
    assert.doesNotMatch(renderTable([group], false), /\x1b\[/);
  });

  test('a server that cannot be reached is named with the reason; the others are listed; exit 1', async () => {
    const closedPort = await freePort();
    const { file } = writeConfig(
      [
        'servers:',
        `  everything: ${EVERYTHING_YAML}`,
        '  ghost: { command: toolgate-no-such-command-anywhere }',
        `  crashy: { command: ${JSON.stringify(process.execPath)}, args: ["-e", "console.error('cannot find AWS credentials'); process.exit(3)"] }`,
        `  down: { url: "http://127.0.0.1:${closedPort}/mcp" }`,
        '',
      ].join('\n'),
    );
    const json = await toolgateAsync(['catalog', '-c', file, '--format', 'json', '--timeout', '20']);
    assert.equal(json.code, 1);
    const entries = JSON.parse(json.stdout) as CatalogEntry[];
    assert.deepEqual([...new Set(entries.map((e) => e.server))], ['everything'], 'stdout stays valid JSON with the reachable servers');
    assert.match(json.stderr, /server "ghost" \(toolgate-no-such-command-anywhere\) could not be listed: command "toolgate-no-such-command-anywhere" was not found/);
    assert.match(json.stderr, /server "crashy" .*could not be listed: exited with code 3; its last stderr lines: cannot find AWS credentials$/m);
    assert.match(json.stderr, new RegExp(`server "down" \\(http://127\\.0\\.0\\.1:${closedPort}/mcp\\) could not be listed: cannot connect .*ECONNREFUSED`));

    const markdown = await toolgateAsync(['catalog', '-c', file, '--format', 'markdown', '--timeout', '20']);
    assert.equal(markdown.code, 1);
    assert.match(markdown.stdout, /^## everything$/m);
    assert.match(markdown.stdout, /^## Servers that could not be listed$/m);
    assert.match(markdown.stdout, /^- \*\*ghost\*\*: /m);
  });

  test('--server with an unknown id suggests the near one', () => {
    const { file } = writeConfig(`servers:\n  everything: ${EVERYTHING_YAML}\n`);
    const result = toolgate(['catalog', '-c', file, '--server', 'everythin']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /server "everythin" is not in .*toolgate\.yaml \(did you mean `everything`\?\)/);
  });
});

describe('toolgate catalog (stdio start-up like the gateway)', () => {
  test('every page is listed; the server gets its cwd and env, and not the caller\'s environment', async () => {
    const workdir = tempDir('toolgate-cwd-');
    const { file } = writeConfig(
      [
        'servers:',
        `  paged: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(PAGED_SERVER)}], env: { FIXTURE_MARK: marked }, cwd: ${JSON.stringify(workdir)} }`,
        '',
      ].join('\n'),
    );
    const result = await toolgateAsync(['catalog', '-c', file, '--format', 'json'], { env: { FIXTURE_SECRET: 'leaked' } });
    assert.equal(result.code, 0, result.stderr);
    const entries = JSON.parse(result.stdout) as CatalogEntry[];
    assert.equal(entries.length, 25, 'three pages of tools/list');
    const where = entries.find((e) => e.name === 'where_am_i')!;
    assert.match(where.description, new RegExp(`cwd=${realpathSync(workdir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    assert.match(where.description, /mark=marked /);
    assert.match(where.description, /secret=\(unset\)/, 'the caller\'s own environment is not passed on');
    assert.ok(entries.filter((e) => e.name.startsWith('delete_record_')).every((e) => e.category === 'Destructive'));
  });
});
