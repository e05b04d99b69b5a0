import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiscoverCache, discoverFromInitialize, discoverFromUpstream, withCacheHints, type DiscoverResult } from '../../src/protocol/discover.js';

const discover = (overrides: Partial<DiscoverResult> = {}): DiscoverResult => ({
  resultType: 'complete',
  supportedVersions: ['2026-07-28'],
  capabilities: { tools: {} },
  ttlMs: 1000,
  cacheScope: 'public',
  ...overrides,
});

test('discover built from a 2025 initialize result: its capabilities and identity, toolgate versions, cacheable', () => {
  const built = discoverFromInitialize({
    protocolVersion: '2025-11-25',
    capabilities: { tools: { listChanged: true }, logging: {}, tasks: { list: {} } },
    serverInfo: { name: 'files', version: '1.2.3' },
    instructions: 'Use read_file first.',
  });
  assert.deepEqual(built, {
    resultType: 'complete',
    supportedVersions: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
    capabilities: { tools: { listChanged: true }, logging: {} },
    instructions: 'Use read_file first.',
    ttlMs: 300_000,
    cacheScope: 'public',
    _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'files', version: '1.2.3' } },
  });
});

test("a 2026 upstream's discover keeps its capabilities, identity and hints; the versions are toolgate's", () => {
  const upstream = { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { prompts: {} }, ttlMs: -5, cacheScope: 'weird', _meta: { x: 1 } };
  assert.deepEqual(discoverFromUpstream(upstream), {
    resultType: 'complete',
    supportedVersions: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
    capabilities: { prompts: {} },
    ttlMs: 0,
    cacheScope: 'private',
    _meta: { x: 1 },
  });
});

test('cache hints are added to cacheable results only, and a caller-chosen scope wins', () => {
  const table: Array<[method: string, result: Record<string, unknown>, scope: 'public' | 'private' | undefined, expected: Record<string, unknown>]> = [
    ['tools/list', { tools: [] }, undefined, { tools: [], ttlMs: 0, cacheScope: 'private' }],
    ['tools/list', { tools: [], ttlMs: 5000, cacheScope: 'public' }, undefined, { tools: [], ttlMs: 5000, cacheScope: 'public' }],
    ['tools/list', { tools: [], ttlMs: 5000, cacheScope: 'public' }, 'private', { tools: [], ttlMs: 5000, cacheScope: 'private' }],
    ['resources/read', { contents: [], ttlMs: -1 }, undefined, { contents: [], ttlMs: 0, cacheScope: 'private' }],
    ['tools/call', { content: [] }, 'private', { content: [] }],
  ];
  for (const [method, result, scope, expected] of table) assert.deepEqual(withCacheHints(method, result, scope), expected, `${method} ${JSON.stringify(result)}`);
});

test('the discover cache: public answers are shared, private ones stay with their authorization context, all expire', () => {
  let now = 0;
  const cache = new DiscoverCache({ now: () => now, maxEntries: 3 });
  cache.set('a', 'alice', discover({ cacheScope: 'private', instructions: 'for alice' }));
  cache.set('b', 'alice', discover({ cacheScope: 'public', instructions: 'for all' }));
  cache.set('c', 'alice', discover({ ttlMs: 0 }));
  assert.equal(cache.get('a', 'alice')?.instructions, 'for alice');
  assert.equal(cache.get('a', 'bob'), undefined, "bob never sees alice's private answer");
  assert.equal(cache.get('b', 'bob')?.instructions, 'for all');
  assert.equal(cache.get('c', 'alice'), undefined, 'ttlMs 0 is never cached');
  now = 1000;
  assert.equal(cache.get('a', 'alice'), undefined, 'expired');
  cache.set('a', 'alice', discover());
  cache.forget('a');
  assert.equal(cache.get('a', 'alice'), undefined, 'forgotten on reconfiguration');
  for (const server of ['s1', 's2', 's3', 's4']) cache.set(server, 'x', discover());
  assert.equal(cache.get('s1', 'x'), undefined, 'the oldest entry makes room');
  assert.ok(cache.get('s4', 'x'));
});
