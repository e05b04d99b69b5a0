/**
 * The starter policy `toolgate init` writes: the server entry, `defaults: recommended`, the
 * server's tools grouped by category as comments (risk, what the defaults do with each, the
 * classifier's reasons), and commented-out example rules for the riskier tools — a block that
 * loads as is once uncommented. Pure text building; the caller validates the result.
 */
import type { CatalogEntry } from './entry.js';
import { SUGGESTED_PER_MINUTE, argumentExample, yamlKey, yamlString, yamlValue } from './policy-snippets.js';
import { sourceLabel } from './render-text.js';
import type { Category, Risk } from './types.js';
import { riskIndex } from './types.js';

export interface StarterServer {
  id: string;
  /** `name version` or the title the server reported, for the heading. */
  label?: string;
  kind: 'stdio' | 'http';
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Written only when given (relative to the config file). */
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
}

const CATEGORY_ORDER: Category[] = ['Read', 'Write', 'Execute', 'Communication', 'Destructive', 'Financial', 'Admin'];
const COMMENT_WIDTH = 96;

/** The YAML of a server entry (indented under `servers:`). */
export function serverYaml(server: StarterServer): string {
  const lines = [`  ${yamlKey(server.id)}:`];
  if (server.kind === 'stdio') {
    lines.push(`    command: ${yamlValue(server.command ?? '')}`);
    if (server.args && server.args.length > 0) lines.push(`    args: [${server.args.map(yamlValue).join(', ')}]`);
    if (server.env && Object.keys(server.env).length > 0) lines.push(`    env: { ${Object.entries(server.env).map(([k, v]) => `${yamlKey(k)}: ${yamlString(v)}`).join(', ')} }`);
    if (server.cwd !== undefined) lines.push(`    cwd: ${yamlValue(server.cwd)}    # relative paths in args are taken from here`);
  } else {
    lines.push(`    url: ${yamlString(server.url ?? '')}`);
    if (server.headers && Object.keys(server.headers).length > 0) {
      lines.push(`    headers: { ${Object.entries(server.headers).map(([k, v]) => `${yamlKey(k)}: ${yamlString(v)}`).join(', ')} }`);
    }
  }
  return lines.join('\n');
}

export function starterPolicy(server: StarterServer, entries: CatalogEntry[], file: string): string {
  const out: string[] = [];
  const label = server.label ? ` (${server.label})` : '';
  out.push(
    `# toolgate policy for the MCP server "${oneLine(server.id)}"${oneLine(label)}, written by \`toolgate init\`.`,
    `#   toolgate validate -c ${file}     check it`,
    `#   toolgate catalog -c ${file}      every tool with the rule that applies to it`,
    `#   toolgate serve -c ${file}        start the gateway: the server is at http://127.0.0.1:8787/mcp/${oneLine(server.id)}`,
    '',
    'servers:',
    serverYaml(server),
    '',
    '# Rules by tool category, for every tool that no rule under `policies` names: reads pass;',
    '# writes, executes and messages have their arguments validated and are rate-limited per agent',
    '# session; destructive, financial and admin tools wait for a person\'s approval.',
    'defaults: recommended',
    '',
    '# A tool whose definition changes after it was first seen (a new description, a new parameter)',
    '# is withheld until you accept the change: `toolgate pins list|diff|accept`. Default: block.',
    '# pinning: block',
    '',
  );
  out.push(...catalogComments(server.id, entries), '');
  out.push(...exampleRules(server.id, entries));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function catalogComments(id: string, entries: CatalogEntry[]): string[] {
  const out = [`# The ${entries.length} tool${entries.length === 1 ? '' : 's'} of "${oneLine(id)}", by category, as toolgate's offline classifier sees them`, '# (risk, then what the policy above does with each, then why).'];
  if (entries.length === 0) out.push('# The server lists no tools.');
  for (const category of CATEGORY_ORDER) {
    const group = entries.filter((e) => e.category === category);
    if (group.length === 0) continue;
    out.push('#', `# ${category} (${group.length})`);
    for (const e of group) {
      out.push(`#   ${oneLine(e.name)} — ${e.risk} risk — ${oneLine(e.effectiveRule.summary)} [${oneLine(sourceLabel(e.effectiveRule))}]`);
      const findings = e.findings.filter((f) => f.kind !== 'thin_description').map((f) => `WARNING: ${f.message}`);
      for (const line of wrap([...findings, ...e.rationale].join(' '), COMMENT_WIDTH - 7)) out.push(`#       ${line}`);
    }
  }
  return out;
}

/** Tools worth a rule of their own: medium risk and up, anything that runs, sends, deletes, pays or administers, and poisoned definitions. */
function risky(e: CatalogEntry): boolean {
  return riskIndex(e.risk) >= riskIndex('Medium') || (e.category !== 'Read' && e.category !== 'Write') || e.findings.some((f) => f.kind === 'poisoning');
}

function exampleRules(id: string, entries: CatalogEntry[]): string[] {
  const candidates = entries.filter(risky).sort((a, b) => riskIndex(b.risk) - riskIndex(a.risk) || a.name.localeCompare(b.name));
  if (candidates.length === 0) {
    return ['# No tool here needs more than the defaults. To change one, add it under', `# policies: { ${oneLine(yamlKey(id))}: { tools: { NAME: { ... } } } } — see README.md.`];
  }
  const out = [
    '# Example rules for the riskier tools. Uncomment the block (the `policies:` line too), keep',
    '# what you want and adjust it. A rule that names a tool replaces its category default.',
    '#',
    '# policies:',
    `#   ${yamlKey(id)}:`,
    '#     default: allow               # tools no rule or default covers; `deny` allows only what is named',
    '#     tools:',
  ];
  for (const e of candidates) {
    out.push(`#       ${yamlKey(e.name)}:${' '.repeat(Math.max(1, 30 - yamlKey(e.name).length))}# ${e.category}, ${e.risk} risk`);
    for (const line of exampleRule(e)) out.push(`#         ${line}`);
  }
  return out;
}

function exampleRule(e: CatalogEntry): string[] {
  const perMinute = SUGGESTED_PER_MINUTE[e.risk];
  switch (e.category) {
    case 'Read':
      return ['action: deny', `reason: ${yamlString('Agents here do not need it, and it can reach data they should not see.')}`];
    case 'Write':
    case 'Execute':
    case 'Communication': {
      // Stricter than the default for its category: one budget for all sessions, and an argument
      // constraint of your own on top of the tool's schema.
      const lines = [`rate_limit: { max: ${Math.max(1, Math.floor(perMinute / 2))}, window: 1m, scope: tool }`];
      const example = argumentExample(e.params);
      if (example === undefined) return [...lines, 'validate: true'];
      return [...lines, 'validate:', '  input_schema: true', '  arguments:', '    properties:', `      ${yamlKey(example.param)}: ${example.schema}   # ${example.why.replace(/`/g, '')}`];
    }
    case 'Financial': {
      // A tool that says how much it moves can be capped by that amount instead of refused.
      const amount = amountParam(e.params);
      if (amount !== undefined) {
        return [
          `budget: { amount: ${yamlString(`args.${amount}`)}, max: 50000, window: 1d, scope: agent }   # at most this much of ${amount} per agent per day (in its unit)`,
          'validate: true',
        ];
      }
      return ['action: deny', `reason: ${yamlString(denyReason(e.category, e.risk))}`];
    }
    case 'Destructive':
    case 'Admin':
      // The recommended default already holds these for approval; the example shows the stricter choice.
      return ['action: deny', `reason: ${yamlString(denyReason(e.category, e.risk))}`];
  }
}

/** A numeric parameter named like an amount of money (`amount`, `amount_cents`, `total`, `price`), when the tool has one. */
function amountParam(params: CatalogEntry['params']): string | undefined {
  const numeric = params.filter((p) => (p.type === 'number' || p.type === 'integer') && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name));
  return numeric.find((p) => /amount/i.test(p.name))?.name ?? numeric.find((p) => /^(total|price|cost|value|sum)(_|$)/i.test(p.name))?.name;
}

function denyReason(category: Category, risk: Risk): string {
  const what = category === 'Destructive' ? 'Deleting' : category === 'Financial' ? 'Moving money' : 'Changing permissions and configuration';
  return `${what} is done by people, not agents (${risk.toLowerCase()} risk).`;
}

/** Comment text must stay on its line: a newline would end the comment and break the YAML. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029\u0085]+/g, ' ');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of oneLine(text).split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
