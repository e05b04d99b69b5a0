/**
 * Finding 7 (in part): a tool name is client input and gets a bound. A tools/call whose name is
 * longer than `limits.tool_name_length` (default 256) is refused with -32602 before any rule,
 * cache or metric sees the name; its audit record keeps a bounded prefix.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { auditFile } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { adminFetch } from '../admin/helpers.js';
import { receivedMessages, receivedToolCalls, resultText, startGateway, tempDir } from '../helpers/harness.js';

const CASES = [
  { name: 'the default bound (256)', limits: '', bound: 256 },
  { name: 'limits.tool_name_length: 40', limits: 'limits: { tool_name_length: 40 }\n', bound: 40 },
];

describe('an over-long tool name is refused before the policy sees it', () => {
  for (const { name, limits, bound } of CASES) {
    test(name, async () => {
      const gw = await startGateway(`${limits}servers:\n  app: $RECORDING\n`);
      try {
        const client = await gw.connect('app');
        const longName = `z${'x'.repeat(bound)}`; // one character past the bound
        await assert.rejects(client.callTool({ name: longName, arguments: {} }), (error: Error & { code?: number }) => {
          assert.equal(error.code, -32602);
          assert.match(error.message, new RegExp(`${bound + 1} characters long; toolgate accepts at most ${bound} \\(limits\\.tool_name_length\\)`));
          return true;
        });
        const atBound = 'y'.repeat(bound);
        const unknown = await client.callTool({ name: atBound, arguments: {} }).then(
          (result) => result.isError === true,
          () => true,
        );
        assert.ok(unknown, 'a name at the bound goes on to the policy and the upstream, which does not know it');
        assert.equal(resultText(await client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');

        const calls = receivedToolCalls(gw.recordFile);
        assert.ok(calls.includes('echo') && calls.includes(atBound), calls.join(', '));
        assert.ok(!receivedMessages(gw.recordFile).some((entry) => JSON.stringify(entry.message).includes(longName)), 'the long name never reached the upstream');

        const refused = gw.decisions.filter((event) => event.decision.rule.pattern === 'limits');
        assert.equal(refused.length, 1);
        const prefix = `${longName.slice(0, Math.min(64, bound))}…`;
        assert.equal(refused[0].call.tool, prefix, 'decided and audited under a prefix of at most 64 characters');
        assert.ok(!gw.decisions.some((event) => event.call.tool === longName));
        const metrics = (await adminFetch(gw, '/metrics')).text;
        assert.ok(!metrics.includes(longName.slice(0, 65)), 'no metric carries more than the prefix');

        await gw.gateway.audit!.flush();
        const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
        try {
          const [record] = (await store.query({})).filter((r) => r.rulePattern === 'limits');
          assert.deepEqual(
            { tool: record.tool, decision: record.decision, errorType: record.errorType, forwarded: record.forwarded, rulePart: record.rulePart },
            { tool: prefix, decision: 'denied', errorType: '-32602', forwarded: false, rulePart: 'tool_name_length' },
          );
        } finally {
          await store.close();
        }
      } finally {
        await gw.close();
      }
    });
  }

  test('a bad limits.tool_name_length is a config error at its line', async () => {
    for (const [value, message] of [
      ['0', /got 0/],
      ['"long"', /must be a positive integer, got `long`/],
    ] as const) {
      const file = join(tempDir(), 'toolgate.yaml');
      writeFileSync(file, `servers:\n  app: { command: node }\nlimits:\n  tool_name_length: ${value}\n`);
      const error = await loadConfig(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ConfigError, `${value}: ${String(error)}`);
      assert.equal(error.problems[0].line, 4, error.message);
      assert.match(error.problems[0].message, message);
    }
  });
});
