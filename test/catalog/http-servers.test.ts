/**
 * The catalog and `toolgate init` over HTTP: server-everything as a Streamable HTTP server and as
 * a legacy HTTP+SSE server, both started from npm, and a server that speaks only MCP 2026-07-28.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CatalogEntry } from '../../src/catalog/entry.js';
import { listServerTools } from '../../src/catalog/node/list-tools.js';
import { EVERYTHING_SERVER, tempDir } from '../helpers/harness.js';
import { startFixture } from '../protocol/helpers.js';
import { childEnv, freePort, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { toolgateAsync, writeConfig } from './cli-helpers.js';

describe('catalog and init over HTTP', () => {
  const servers: RunningProcess[] = [];
  let streamable = '';
  let legacy = '';

  before(async () => {
    const port = await freePort();
    servers.push(await spawnReady({ name: 'server-everything (streamableHttp)', command: process.execPath, args: [EVERYTHING_SERVER, 'streamableHttp'], env: childEnv({ PORT: String(port) }), ready: /listening on port/i }));
    streamable = `http://127.0.0.1:${port}/mcp`;
    const ssePort = await freePort();
    servers.push(await spawnReady({ name: 'server-everything (sse)', command: process.execPath, args: [EVERYTHING_SERVER, 'sse'], env: childEnv({ PORT: String(ssePort) }), ready: /running on port/i }));
    legacy = `http://127.0.0.1:${ssePort}/sse`;
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('catalog lists a Streamable HTTP server and a legacy SSE server', async () => {
    const { file } = writeConfig(`servers:\n  modern: { url: "${streamable}" }\n  legacy: { url: "${legacy}" }\npolicies:\n  modern:\n    tools:\n      get-env: { action: deny }\n`);
    const result = await toolgateAsync(['catalog', '-c', file, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const entries = JSON.parse(result.stdout) as CatalogEntry[];
    assert.equal(entries.filter((e) => e.server === 'modern').length, 13);
    assert.ok(entries.filter((e) => e.server === 'legacy').length >= 10);
    assert.equal(entries.find((e) => e.server === 'modern' && e.name === 'get-env')!.effectiveRule.action, 'deny');
  });

  test('a server that speaks only MCP 2026-07-28 is listed, with what it says of itself', async () => {
    const fixture = await startFixture(tempDir(), '--modern-only', 'modern-only');
    try {
      const listing = await listServerTools('next', { kind: 'http', url: fixture.url, headers: {} });
      assert.deepEqual(listing.info, { name: 'toolgate-conformance-fixture', version: '1.0.0' });
      assert.ok(listing.tools.some((tool) => tool.name === 'test_simple_text'));
      assert.ok(listing.tools.some((tool) => tool.name === 'test_input_required_result_elicitation'));
    } finally {
      await fixture.process.stop();
    }
  });

  test('init --url writes an http server entry with its headers, and the file validates', async () => {
    const out = join(tempDir(), 'toolgate.yaml');
    const result = await toolgateAsync(['init', '--url', streamable, '--header', 'X-Team: platform', '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, new RegExp(`^ {2}everything:\\n {4}url: "${streamable.replace(/[.]/g, '\\.')}"\\n {4}headers: \\{ X-Team: "platform" \\}$`, 'm'));
    const validate = await toolgateAsync(['validate', '-c', out]);
    assert.equal(validate.code, 0, validate.stderr);
  });
});
