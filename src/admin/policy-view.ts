/**
 * The policy in force, as the dashboard shows it: per server, every rule as the gateway compiled
 * it (action, reason, limits, conditions) with the line of the config file it was written on, the
 * policy revision, and when it was loaded.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { ruleSummary } from '../catalog/entry.js';
import type { Config, ToolRuleConfig } from '../config/types.js';
import type { CompiledPolicy } from '../policy/compile.js';

export interface PolicyRuleView {
  pattern: string;
  action: string;
  summary: string;
  reason: string | null;
  conditions: Array<{ if: string; action: string; reason: string | null }>;
  rateLimit: { max: number; windowMs: number; scope: string } | null;
  category: string | null;
  risk: string | null;
  /** Line in the config file (1-based); null when the file cannot be read or the rule came from a profile. */
  line: number | null;
}

export interface PolicyView {
  revision: string;
  loadedAt: number;
  file: string | null;
  mode: string;
  servers: Array<{ id: string; mode: string; pinning: string; default: string; rules: PolicyRuleView[] }>;
  /** Rules by tool category for tools no rule names (`defaults:`), with their lines. */
  categories: PolicyRuleView[];
}

export function policyInForce(config: Config, policy: CompiledPolicy, loadedAt: number): PolicyView {
  const lines = sourceLines(config.file);
  const view = (pattern: string, rule: ToolRuleConfig, path: string[]): PolicyRuleView => ({
    pattern,
    action: rule.action,
    summary: ruleSummary({ action: rule.action, reason: rule.reason, rateLimit: rule.rateLimit, validate: rule.validate, conditions: rule.conditions.map((c) => ({ if: c.if, action: c.action, reason: c.reason })) }),
    reason: rule.reason ?? null,
    conditions: rule.conditions.map((c) => ({ if: c.if, action: c.action, reason: c.reason ?? null })),
    rateLimit: rule.rateLimit ?? null,
    category: rule.category ?? null,
    risk: rule.risk ?? null,
    line: lines(path),
  });
  return {
    revision: policy.revision,
    loadedAt,
    file: config.file ?? null,
    mode: config.mode,
    servers: Object.keys(config.servers).map((id) => {
      const own = config.policies[id];
      return {
        id,
        mode: policy.modeFor(id),
        pinning: policy.pinningFor(id),
        default: own?.default ?? 'allow',
        rules: Object.entries(own?.tools ?? {}).map(([pattern, rule]) => view(pattern, rule, ['policies', id, 'tools', pattern])),
      };
    }),
    categories: Object.entries(config.defaults?.categories ?? {}).map(([category, rule]) => view(category, rule, ['defaults', 'categories', category])),
  };
}

/** Finds the line of a map key in the config file; the file is read once per view. */
function sourceLines(file: string | undefined): (path: string[]) => number | null {
  if (!file) return () => null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return () => null; // moved or unreadable since it was loaded: the rules stand, without lines
  }
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter });
  return (path) => {
    const parent = document.getIn(path.slice(0, -1), true) as Node | undefined;
    if (!isMap(parent)) return null;
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === path[path.length - 1]);
    const offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    return offset === undefined ? null : counter.linePos(offset).line;
  };
}
