/**
 * Budgets held in Redis across a fleet: three gateways share one budget through the Redis
 * rate-limit store, each with its own payments fixture writing to one execution log, so the log
 * proves what the whole fleet executed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { decisionOf, REPO_ROOT, startGateway, tempDir, type StartedGateway } from '../helpers/harness.js';
import { dropKeys, REDIS_URL, testPrefix } from '../store/redis.js';

const PREFIX = testPrefix();
after(() => dropKeys(PREFIX));

test('three gateways on one Redis: 30 simultaneous refunds of 5,000 against 50,000 execute exactly 10, across the fleet', async () => {
  const log = join(tempDir(), 'executed.jsonl');
  const fixture = join(REPO_ROOT, 'dist', 'test', 'fixtures', 'payments-server.js');
  const yaml = `
state:
  backend: redis
  redis: { url: "${REDIS_URL}", prefix: "${PREFIX}" }
servers:
  payments: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(fixture)}], env: { EXEC_LOG: ${JSON.stringify(log)} } }
policies:
  payments:
    tools:
      create_refund:
        budget: { amount: args.amount, max: 50000, window: 1d, scope: server }
`;
  const gateways: StartedGateway[] = [];
  try {
    for (let i = 0; i < 3; i++) gateways.push(await startGateway(yaml));
    const clients: Client[] = await Promise.all(gateways.map((gw) => gw.connect('payments')));
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => clients[i % 3].callTool({ name: 'create_refund', arguments: { amount: 5_000 } })));
    assert.equal(results.filter((r) => !r.isError).length, 10);
    assert.equal(results.filter((r) => r.isError === true && decisionOf(r)?.decision === 'over_budget').length, 20);
    const executed = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    assert.equal(executed.length, 10, 'the fleet executed exactly what fits');
  } finally {
    await Promise.allSettled(gateways.map((gw) => gw.close()));
  }
});
