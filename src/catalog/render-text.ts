/**
 * The catalog as a terminal table, as Markdown, and as JSON. Pure string building: whether to
 * colour is the caller's decision (a TTY without `NO_COLOR`).
 */
import type { CatalogEntry, EffectiveRule } from './entry.js';
import type { FindingKind, Risk } from './types.js';

/** A server that could not be listed, shown in place of its tools. */
export interface CatalogFailure {
  server: string;
  message: string;
}

export interface CatalogGroup {
  server: string;
  /** `name version` the server reported, when it was listed live. */
  serverInfo?: string;
  entries: CatalogEntry[];
}

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', magenta: '\x1b[35m', cyan: '\x1b[36m' };

const RISK_COLOUR: Record<Risk, string> = { Low: ANSI.green, Medium: ANSI.yellow, High: ANSI.red, Critical: ANSI.bold + ANSI.magenta };
const ACTION_COLOUR: Record<string, string> = { allow: ANSI.green, deny: ANSI.red, hide: ANSI.dim, require_approval: ANSI.yellow };

export const FINDING_LABEL: Record<FindingKind, string> = {
  poisoning: 'poisoning',
  annotation_contradiction: 'annotations disagree',
  thin_description: 'thin description',
};

/** Where a rule came from, in a few words: `rule "delete_*"`, `defaults: Execute`, `server default`. */
export function sourceLabel(rule: EffectiveRule): string {
  switch (rule.source.kind) {
    case 'tool_rule':
      return `rule "${rule.source.key}"`;
    case 'category_default':
      return `defaults: ${rule.source.key}`;
    case 'server_default':
      return rule.parts.length === 0 && rule.summary.endsWith('(no policy)') ? 'no policy' : 'server default';
  }
}

/** Servers that could not be listed are not in the table: the caller reports them on stderr. */
export function renderTable(groups: CatalogGroup[], colour: boolean): string {
  const paint = (code: string, text: string) => (colour && text !== '' ? `${code}${text}${ANSI.reset}` : text);
  const header = ['TOOL', 'CATEGORY', 'RISK', 'REQUIRED', 'EFFECTIVE RULE', 'NOTES'];
  type Cell = { text: string; shown: string };
  const cell = (text: string, code?: string): Cell => ({ text, shown: code ? paint(code, text) : text });
  const rows = new Map<string, Cell[][]>();
  let anyOverride = false;
  for (const group of groups) {
    rows.set(
      group.server,
      group.entries.map((e) => {
        anyOverride ||= e.overridden;
        const rule = e.effectiveRule;
        const ruleText = rule.summary.endsWith('(no policy)') ? rule.summary : `${rule.summary} [${sourceLabel(rule)}]`;
        return [
          cell(e.name, ANSI.bold),
          cell(e.category + (e.overridden ? '*' : ''), ANSI.cyan),
          cell(e.risk, RISK_COLOUR[e.risk]),
          cell(e.requiredParams.join(', ') || '-'),
          cell(ruleText, ACTION_COLOUR[rule.action]),
          cell([...new Set(e.findings.map((f) => FINDING_LABEL[f.kind]))].join(', '), e.findings.some((f) => f.kind === 'poisoning') ? ANSI.red : ANSI.yellow),
        ];
      }),
    );
  }
  const widths = header.map((h, i) => Math.max(h.length, ...[...rows.values()].flat().map((r) => r[i].text.length)));
  const line = (cells: Cell[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c.shown : c.shown + ' '.repeat(widths[i] - c.text.length)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  for (const group of groups) {
    const count = `${group.entries.length} tool${group.entries.length === 1 ? '' : 's'}`;
    out.push(paint(ANSI.bold, `${group.server}`) + paint(ANSI.dim, ` — ${count}${group.serverInfo ? ` (${group.serverInfo})` : ''}`));
    if (group.entries.length > 0) {
      out.push(paint(ANSI.dim, line(header.map((h) => cell(h)))));
      for (const row of rows.get(group.server)!) out.push(line(row));
    }
    out.push('');
  }
  if (anyOverride) out.push('* category or risk set in the config (a `category:`/`risk:` override), not by the classifier', '');
  return out.join('\n');
}

export function renderMarkdown(groups: CatalogGroup[], failures: CatalogFailure[]): string {
  const out: string[] = [];
  for (const group of groups) {
    out.push(`## ${mdText(group.server)}`, '');
    if (group.serverInfo) out.push(`${mdText(group.serverInfo)} — ${group.entries.length} tools`, '');
    if (group.entries.length === 0) {
      out.push('No tools.', '');
      continue;
    }
    out.push('| Tool | Category | Risk | Required parameters | Effective rule | Notes |', '| --- | --- | --- | --- | --- | --- |');
    for (const e of group.entries) {
      const rule = e.effectiveRule;
      const ruleText = rule.summary.endsWith('(no policy)') ? rule.summary : `${rule.summary} (${sourceLabel(rule)})`;
      const cells = [
        `\`${mdCode(e.name)}\``,
        e.category + (e.overridden ? ' (override)' : ''),
        e.risk,
        e.requiredParams.map((p) => `\`${mdCode(p)}\``).join(', ') || '—',
        mdText(ruleText),
        mdText([...new Set(e.findings.map((f) => FINDING_LABEL[f.kind]))].join(', ')),
      ];
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  if (failures.length > 0) {
    out.push('## Servers that could not be listed', '');
    for (const f of failures) out.push(`- **${mdText(f.server)}**: ${mdText(f.message)}`);
    out.push('');
  }
  return out.join('\n');
}

export function renderJson(groups: CatalogGroup[]): string {
  return `${JSON.stringify(groups.flatMap((g) => g.entries), null, 2)}\n`;
}

/** Text safe inside a Markdown table cell: no pipes, no line breaks, no HTML. */
function mdText(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/** Text inside a code span in a table cell: pipes still end the cell. */
function mdCode(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/`/g, "'").replace(/\|/g, '\\|');
}
