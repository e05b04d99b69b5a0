/**
 * `toolgate test CASES.yaml`: a policy's unit tests. Each case is a call — server, tool,
 * arguments, agent, session — and the decision it must get; the cases run in order against the
 * real compiled policy, offline (definitions from a tools file or listed once from the live
 * servers), through the same `decide` the gateway uses, so rate limits count across the cases as
 * they would across a burst of calls. A failing case prints what was expected, what came, the
 * rule and the reason; any failure exits 1, like `opa test`.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { listServerTools } from '../catalog/node/list-tools.js';
import { readToolsFile } from '../catalog/node/tools-file.js';
import type { ToolDefinition } from '../catalog/types.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import { decide } from '../gateway/decide.js';
import { configuredAgent } from '../identity/local-agent.js';
import { compilePolicy } from '../policy/compile.js';
import type { Decision } from '../policy/types.js';
import { MemoryRateLimitStore } from '../store/memory-rate-limit-store.js';
import { knownServer } from './catalog.js';
import type { CommandArgs } from './command.js';

const EXPECTATIONS = ['allow', 'deny', 'hide', 'hold', 'invalid', 'rate_limited', 'over_budget'] as const;
type Expectation = (typeof EXPECTATIONS)[number];

interface Case {
  name: string;
  server: string;
  tool: string;
  args: Record<string, unknown>;
  agent?: string;
  groups: string[];
  session: string;
  expect: Expectation;
  reason?: string;
}

/** A cases file larger than this is a mistake, not a test suite. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_CASES = 10_000;
/** The clock of the run: one millisecond per case, so every case lands inside the same windows. */
const START_MS = Date.UTC(2026, 0, 1);

export async function policyTestCommand(cli: CommandArgs): Promise<number> {
  if (cli.positionals.length !== 1) {
    throw new ToolgateError('invalid_request', 'toolgate test takes one cases file, e.g. `toolgate test policy-tests.yaml -c toolgate.yaml` (see toolgate test --help)');
  }
  const file = cli.positionals[0];
  const config = await loadConfig(cli.string('config')!);
  const cases = readCases(file, config);
  const definitions = await toolDefinitions(config, cases, cli.string('tools-json'));
  const policy = compilePolicy(config);
  const store = new MemoryRateLimitStore();
  let failed = 0;
  try {
    for (const [i, c] of cases.entries()) {
      const agent = c.agent === undefined ? undefined : configuredAgent(config.auth, c.agent, c.groups);
      const call = { server: c.server, tool: c.tool, args: c.args, session: c.session, ...(agent ? { agent } : {}) };
      const definition = definitions.get(c.server)?.find((t) => t.name === c.tool);
      const { decision } = await decide(policy, call, store, START_MS + i, definition);
      const problem = mismatch(c, decision);
      if (problem === undefined) {
        process.stdout.write(`ok    ${c.name}\n`);
        continue;
      }
      failed += 1;
      process.stdout.write(`FAIL  ${c.name}\n${problem}`);
    }
  } finally {
    await store.close();
  }
  process.stdout.write(`\n${cases.length - failed} passed, ${failed} failed (${file}, policy revision ${policy.revision})\n`);
  return failed === 0 ? 0 : 1;
}

/** What differs between the case and the decision, as indented lines, or undefined when nothing does. */
function mismatch(c: Case, d: Decision): string | undefined {
  const reason = 'reason' in d ? d.reason : undefined;
  const kindOk = d.kind === c.expect;
  const reasonOk = c.reason === undefined || (reason ?? '').includes(c.reason);
  if (kindOk && reasonOk) return undefined;
  const lines = [
    `      expected: ${c.expect}${c.reason === undefined ? '' : ` with a reason containing ${JSON.stringify(c.reason)}`}`,
    `      got:      ${d.kind} (rule ${d.rule.pattern}, part ${d.rule.part}${d.mode === 'monitor' ? ', monitor mode' : ''})`,
  ];
  if (reason !== undefined) lines.push(`      reason:   ${reason}`);
  return `${lines.join('\n')}\n`;
}

function readCases(file: string, config: Config): Case[] {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new ToolgateError('invalid_request', `${file} is larger than ${MAX_FILE_BYTES} bytes; split the cases into several files`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ToolgateError) throw e;
    throw new ToolgateError('invalid_request', `cannot read the cases file ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ToolgateError('invalid_request', `${file} is not valid YAML: ${(e as Error).message}`);
  }
  const list = isRecord(doc) && Array.isArray(doc.cases) ? doc.cases : doc;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ToolgateError('invalid_request', `${file} has no cases: write \`cases:\` with a list of { server, tool, args, expect }`);
  }
  if (list.length > MAX_CASES) throw new ToolgateError('invalid_request', `${file} has ${list.length} cases; at most ${MAX_CASES} in one file`);
  return list.map((raw, i) => oneCase(raw, `${file}: case ${i + 1}`, config));
}

function oneCase(raw: unknown, where: string, config: Config): Case {
  if (!isRecord(raw)) throw new ToolgateError('invalid_request', `${where} is not a mapping; write { server, tool, args, expect }`);
  const text = (key: string, required: boolean): string | undefined => {
    const v = raw[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') throw new ToolgateError('invalid_request', `${where}: \`${key}\` must be ${required ? 'a non-empty string' : 'a string when given'}`);
    return v;
  };
  const id = text('server', true)!;
  let server: string;
  try {
    server = knownServer(config, id);
  } catch (e) {
    throw new ToolgateError('invalid_request', `${where}: ${(e as Error).message}`);
  }
  const tool = text('tool', true)!;
  const expect = text('expect', true)!;
  if (!(EXPECTATIONS as readonly string[]).includes(expect)) {
    throw new ToolgateError('invalid_request', `${where}: \`expect: ${expect}\` is not a decision; use one of ${EXPECTATIONS.join(', ')}`);
  }
  const args = raw.args ?? {};
  if (!isRecord(args)) throw new ToolgateError('invalid_request', `${where}: \`args\` must be a mapping of the tool's arguments`);
  const groups = raw.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) throw new ToolgateError('invalid_request', `${where}: \`groups\` must be a list of group names`);
  const name = text('name', false) ?? `${server}/${tool} → ${expect}${raw.agent === undefined ? '' : ` (agent ${String(raw.agent)})`}`;
  return { name, server, tool, args, agent: text('agent', false), groups, session: text('session', false) ?? 'toolgate-test', expect: expect as Expectation, reason: text('reason', false) };
}

/** The definitions the cases' tools need: from the tools file for every server, or listed once per live server. */
async function toolDefinitions(config: Config, cases: Case[], toolsJson: string | undefined): Promise<Map<string, ToolDefinition[]>> {
  const servers = [...new Set(cases.map((c) => c.server))];
  const out = new Map<string, ToolDefinition[]>();
  if (toolsJson !== undefined) {
    const tools = readToolsFile(toolsJson).tools;
    for (const s of servers) out.set(s, tools);
    return out;
  }
  for (const s of servers) out.set(s, (await listServerTools(s, config.servers[s])).tools);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
