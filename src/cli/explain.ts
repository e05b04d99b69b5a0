/**
 * `toolgate explain <server> <tool>`: why a tool gets the rule it gets. Fetches the tool's
 * definition (from the live server, or a tools file), classifies it, and prints the effective
 * rule with the place in the config each part comes from.
 */
import { catalogEntry, formatRulePart, type CatalogEntry } from '../catalog/entry.js';
import { listServerTools } from '../catalog/node/list-tools.js';
import { readToolsFile } from '../catalog/node/tools-file.js';
import type { PinnableTool } from '../catalog/pins.js';
import { FINDING_LABEL, sourceLabel } from '../catalog/render-text.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { decide } from '../gateway/decide.js';
import type { Agent } from '../identity/agent.js';
import { compilePolicy } from '../policy/compile.js';
import type { Decision } from '../policy/types.js';
import { MemoryRateLimitStore } from '../store/memory-rate-limit-store.js';
import { editDistance } from '../config/suggest.js';
import { ToolgateError } from '../errors.js';
import { configuredAgent } from '../identity/local-agent.js';
import type { RateLimitRow } from '../admin/rate-limits.js';
import { adminClient, listenPort } from './admin-client.js';
import { explainer, knownServer } from './catalog.js';
import type { CommandArgs } from './command.js';

export async function explainCommand(args: CommandArgs): Promise<number> {
  const { positionals } = args;
  if (positionals.length !== 2) {
    throw new ToolgateError('invalid_request', `toolgate explain takes a server id and a tool name, e.g. \`toolgate explain aws-ecs build_and_push_image_to_ecr -c toolgate.yaml\` (see toolgate explain --help)`);
  }
  const [serverArg, toolName] = positionals;
  const config = await loadConfig(args.string('config')!);
  const server = knownServer(config, serverArg);
  const source = args.string('tools-json');
  const tools: PinnableTool[] = source === undefined ? (await listServerTools(server, config.servers[server])).tools : readToolsFile(source).tools;
  const tool = tools.find((t) => t.name === toolName);
  if (tool === undefined) throw unknownTool(server, toolName, tools, source);
  const name = args.string('agent');
  const agent = name === undefined ? undefined : configuredAgent(config.auth, name, args.strings('group'));
  const entry = catalogEntry(server, tool, explainer(config, agent));
  const forAgent = agent ? `For agent ${agent.id}${agent.groups.length ? ` (groups: ${agent.groups.join(', ')})` : ''}:\n` : '';
  const callArgs = args.string('args');
  const decided = callArgs === undefined ? undefined : await decideCall(config, server, tool, parseArgs(callArgs), agent);
  const port = args.string('port');
  if (port !== undefined) config.listen.port = listenPort(port);
  const spend = args.flag('spend') ? await budgetSpend(config, entry, agent) : undefined;
  const json = { ...entry, ...(agent ? { agent: { id: agent.id, groups: agent.groups } } : {}), ...(decided ? { call: decided } : {}), ...(spend ? { spend } : {}) };
  process.stdout.write(args.flag('json') ? `${JSON.stringify(json, null, 2)}\n` : forAgent + renderExplanation(entry) + (decided ? renderCall(decided) : '') + (spend ? renderSpend(spend) : ''));
  return 0;
}

/** Longest `--args` accepted: a call's arguments, not a data file. */
const MAX_ARGS_CHARS = 64 * 1024;

function parseArgs(text: string): Record<string, unknown> {
  if (text.length > MAX_ARGS_CHARS) throw new ToolgateError('invalid_request', `--args is longer than ${MAX_ARGS_CHARS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ToolgateError('invalid_request', `--args is not JSON (${(e as Error).message}); write the call's arguments as an object, e.g. --args '{"name": "shop"}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ToolgateError('invalid_request', `--args must be a JSON object of the call's arguments, e.g. --args '{"name": "shop"}'`);
  }
  return parsed as Record<string, unknown>;
}

interface DecidedCall {
  args: Record<string, unknown>;
  decision: Decision['kind'];
  rule: string;
  part: string;
  reason?: string;
}

/** What the policy decides for this exact call, as the gateway would decide its first such call. */
async function decideCall(config: Config, server: string, tool: PinnableTool, callArgs: Record<string, unknown>, agent: Agent | undefined): Promise<DecidedCall> {
  const store = new MemoryRateLimitStore();
  try {
    const call = { server, tool: tool.name, args: callArgs, session: 'explain', ...(agent ? { agent } : {}) };
    const { decision } = await decide(compilePolicy(config), call, store, Date.now(), tool);
    return { args: callArgs, decision: decision.kind, rule: decision.rule.pattern, part: decision.rule.part, ...('reason' in decision ? { reason: decision.reason } : {}) };
  } finally {
    await store.close();
  }
}

/** The live spend of the tool's budget, one row per scope key (agent, session, ...), from the running gateway. */
async function budgetSpend(config: Config, entry: CatalogEntry, agent: Agent | undefined): Promise<RateLimitRow[]> {
  const rule = entry.effectiveRule;
  if (rule.budget === undefined) {
    throw new ToolgateError('invalid_request', `--spend: no budget governs ${entry.name} on ${entry.server} (its rule: ${rule.summary})`);
  }
  const rows = (await adminClient(config)('GET', 'rate-limits')) as RateLimitRow[];
  return rows.filter(
    (row) =>
      row.kind === 'budget' &&
      row.rule === rule.source.key &&
      (row.server === undefined || row.server === entry.server) &&
      (row.tool === undefined || row.tool === entry.name) &&
      (agent === undefined || row.agent === undefined || row.agent === agent.id),
  );
}

function renderSpend(rows: readonly RateLimitRow[]): string {
  const lines = ['', 'Spent now (from the running gateway):'];
  if (rows.length === 0) lines.push('  nothing in the window');
  for (const row of rows) {
    const who = row.agent ?? row.session ?? row.tool ?? row.server ?? 'all servers';
    const frees = row.used > 0 ? `; frees ${row.nextFreeAmount.toLocaleString('en-US')} in ${row.nextFreeInS}s` : '';
    lines.push(`  ${row.scope} ${who}: ${row.used.toLocaleString('en-US')} of ${row.max.toLocaleString('en-US')} spent, ${Math.max(0, row.max - row.used).toLocaleString('en-US')} remaining${frees}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderCall(d: DecidedCall): string {
  const lines = ['', `This call (--args ${JSON.stringify(d.args)}): ${d.decision} — decided by ${d.rule} (${d.part})`];
  if (d.reason !== undefined) lines.push(`  ${d.reason}`);
  return `${lines.join('\n')}\n`;
}

export function renderExplanation(e: CatalogEntry): string {
  const rule = e.effectiveRule;
  const lines = [
    `${e.name} on server ${e.server}${e.title ? ` — ${e.title}` : ''}`,
    '',
    `  category  ${e.category} (${classifiedBy(e, 'category', e.classifier.category)})`,
    `  risk      ${e.risk} (${classifiedBy(e, 'risk', e.classifier.risk)})`,
    `  required  ${e.requiredParams.join(', ') || '(none)'}`,
    '',
    `Effective rule: ${rule.summary}`,
    `  governed by ${rule.source.where} [${sourceLabel(rule)}]`,
  ];
  // Category and risk are shown above, with their sources.
  const ruleParts = rule.parts.filter((p) => p.part !== 'category' && p.part !== 'risk');
  const width = Math.max(0, ...ruleParts.map((p) => p.part.length));
  for (const p of ruleParts) lines.push(`  ${p.part.padEnd(width)}  ${formatRulePart(p.part, p.value)}  — from ${p.from}`);
  lines.push('', 'Why (from the definition):');
  for (const r of e.rationale) lines.push(`  - ${r}`);
  if (e.rationale.length === 0) lines.push('  - no signal stood out');
  if (e.findings.length > 0) {
    lines.push('', 'Findings:');
    for (const f of e.findings) lines.push(`  - ${FINDING_LABEL[f.kind]}: ${f.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `classifier`, or `override at policies.x.tools.y; the classifier says Write`. */
function classifiedBy(e: CatalogEntry, part: 'category' | 'risk', classifier: string): string {
  const from = e.effectiveRule.parts.find((p) => p.part === part);
  if (from === undefined || from.from === 'classifier') return 'classifier';
  return from.value === classifier ? from.from : `${from.from}; the classifier says ${classifier}`;
}


/** The error for a tool the server does not list, naming the closest names it does. */
function unknownTool(server: string, name: string, tools: PinnableTool[], file: string | undefined): ToolgateError {
  const where = file === undefined ? `server "${server}"` : `${file}`;
  const lower = name.toLowerCase();
  const near = tools
    .map((t) => {
      const candidate = t.name.toLowerCase();
      const contains = candidate.includes(lower) || lower.includes(candidate);
      return { name: t.name, score: contains ? 0 : editDistance(lower, candidate) };
    })
    .filter((c) => c.score <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, 5)
    .map((c) => c.name);
  const hint = near.length > 0
    ? `near names: ${near.join(', ')}`
    : `it lists ${tools.length} tool(s)${tools.length > 0 ? `: ${tools.slice(0, 15).map((t) => t.name).join(', ')}${tools.length > 15 ? ', ...' : ''}` : ''}`;
  return new ToolgateError('invalid_request', `tool "${name}" is not listed by ${where}; ${hint}`, { data: { server, tool: name, near } });
}
