#!/usr/bin/env node
/**
 * The policy decision alone: `decide()` from dist/src/gateway with the in-memory rate-limit store,
 * at 10, 1,000 and 10,000 rules, every decision timed on its own so p50 and p99 are real.
 * Run in its own process (the harness starts it) so the load tests' heaps do not disturb it.
 *
 *   node dist/bench/policy-bench.js [--quick]      prints one JSON object on stdout
 *
 * Each policy mixes exact names (some rate-limited, some validated against an extra schema, a
 * few with CEL conditions) with globs. Three call mixes are timed:
 * - `echo`: the realistic rule of the load test (session rate limit that never trips, plus the
 *   tool's own inputSchema), the same tool every time, as in a busy session;
 * - `mixed`: 100 tool names, hitting exact rules, globs and the default, each cached after its
 *   first call;
 * - `first call`: a new tool name every time, so the rule is resolved from scratch (globs
 *   searched) - what an agent inventing names costs.
 */
import { parseArgs } from 'node:util';
import type { ToolDefinition } from '../src/catalog/types.js';
import { parseConfig } from '../src/config/load.js';
import type { Config, ToolRuleConfig } from '../src/config/types.js';
import { compilePolicy, type CompiledPolicy } from '../src/policy/compile.js';
import { decide } from '../src/gateway/decide.js';
import type { ToolCall } from '../src/policy/types.js';
import { MemoryRateLimitStore } from '../src/store/memory-rate-limit-store.js';
import { ECHO_TOOL } from './echo-protocol.js';
import { timeEach } from './timed.js';

export interface DecisionTiming {
  decisions: number;
  p50Micros: number;
  p99Micros: number;
  meanMicros: number;
}

export interface PolicyBenchRow {
  rules: number;
  compileMs: number;
  echo: DecisionTiming;
  mixed: DecisionTiming;
  firstCall: DecisionTiming;
}

const SERVER = 'srv';

/** The rule shapes a generated policy repeats, as written in YAML; `echo` is the load test's realistic rule. */
const SHAPES: Record<string, Record<string, unknown>> = {
  echo: { rate_limit: { max: 1_000_000_000, window: 60 }, validate: true },
  deny: { action: 'deny', reason: 'namespace closed' },
  hide: { action: 'hide' },
  limited: { rate_limit: { max: 100, window: 60, scope: 'tool' } },
  checked: { validate: { arguments: { type: 'object', properties: { region: { enum: ['eu', 'us'] } } } } },
  conditional: { conditions: [{ if: 'args.region == "us"', action: 'deny', reason: 'EU only' }] },
  refused: { action: 'deny' },
  plain: {},
};

/** Rule i of a policy: its pattern and which shape it takes; the mix repeats every 10 rules. */
function ruleAt(i: number): [pattern: string, shape: string] {
  switch (i % 10) {
    case 0:
      return [`ns${i}_*`, 'deny'];
    case 1:
      return [`tool_${i}_*_admin`, 'hide'];
    case 2:
      return [`tool_${i}`, 'limited'];
    case 3:
      return [`tool_${i}`, 'checked'];
    case 4:
      return [`tool_${i}`, i % 100 === 4 ? 'conditional' : 'refused'];
    default:
      return [`tool_${i}`, 'plain'];
  }
}

/**
 * The shapes go through the real config loader (JSON is YAML), so each rule is exactly what a
 * user's file would give, and the benchmark keeps working when the config gains keys with
 * defaults. The generated rules then reuse those loaded shapes: loading thousands of rules
 * would measure the loader, not the decision.
 */
function policyConfig(count: number): Config {
  const raw = {
    log: { level: 'silent' },
    servers: { [SERVER]: { url: 'http://127.0.0.1:9/mcp' } },
    policies: { [SERVER]: { default: 'allow', tools: SHAPES } },
  };
  const config = parseConfig(JSON.stringify(raw), 'policy-bench.yaml');
  const loaded = config.policies[SERVER].tools;
  const tools: Record<string, ToolRuleConfig> = { echo: loaded.echo };
  for (let i = 0; i < count - 1; i++) {
    const [pattern, shape] = ruleAt(i);
    tools[pattern] = structuredClone(loaded[shape]);
  }
  config.policies[SERVER].tools = tools;
  return config;
}

/** 100 calls that hit exact rules, globs and the default in turn. */
function mixedCalls(count: number): ToolCall[] {
  const calls: ToolCall[] = [];
  const span = Math.max(count - 1, 1);
  for (let k = 0; k < 100; k++) {
    const i = Math.floor((k * span) / 100);
    const session = `session-${k % 16}`;
    if (k % 5 === 0) calls.push({ server: SERVER, tool: `unknown_${k}`, args: {}, session });
    else if (i % 10 === 0) calls.push({ server: SERVER, tool: `ns${i}_delete`, args: {}, session });
    else calls.push({ server: SERVER, tool: `tool_${i}`, args: { region: 'eu' }, session });
  }
  return calls;
}

async function time(iterations: number, next: (i: number) => Promise<unknown>): Promise<DecisionTiming> {
  return { decisions: iterations, ...(await timeEach(iterations, next)) };
}

async function benchRules(count: number, iterations: number): Promise<PolicyBenchRow> {
  const config = policyConfig(count);
  const t0 = performance.now();
  const policy: CompiledPolicy = compilePolicy(config);
  const compileMs = performance.now() - t0;
  const store = new MemoryRateLimitStore();
  // The injected clock moves 1 ms per decision, so the never-tripping limit's log stays bounded by its window.
  let now = 1_700_000_000_000;
  const definition = structuredClone(ECHO_TOOL) as ToolDefinition;
  const echoCall: ToolCall = { server: SERVER, tool: 'echo', args: { text: 'hello' }, session: 'session-1' };
  const mixed = mixedCalls(count);
  const run = (call: ToolCall) => decide(policy, call, store, now++, call.tool === 'echo' ? definition : undefined);

  // Warm-up: JIT, Ajv compilation of the upstream schema, resolution caches.
  for (let i = 0; i < Math.min(iterations, 20_000); i++) {
    await run(echoCall);
    await run(mixed[i % mixed.length]);
  }
  const echo = await time(iterations, () => run(echoCall));
  const mixedTiming = await time(iterations, (i) => run(mixed[i % mixed.length]));
  // Fewer, since each one adds a cached resolution (the cache is bounded at 10,000 anyway).
  const firstCall = await time(Math.min(iterations, 5_000), (i) => run({ server: SERVER, tool: `fresh_${count}_${i}`, args: {}, session: 's' }));
  await store.close();
  return { rules: count, compileMs, echo, mixed: mixedTiming, firstCall };
}

export async function policyBench(quick: boolean): Promise<PolicyBenchRow[]> {
  const iterations = quick ? 10_000 : 200_000;
  const rows: PolicyBenchRow[] = [];
  for (const count of [10, 1_000, 10_000]) rows.push(await benchRules(count, iterations));
  return rows;
}

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
process.stdout.write(`${JSON.stringify(await policyBench(values.quick!))}\n`);
