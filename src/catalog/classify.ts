/**
 * The offline tool classifier: from one MCP tool definition to a category, a risk level, the
 * reasons for both, and findings a reviewer should see (poisoning signs, annotations that
 * contradict the definition, descriptions too thin to judge).
 *
 * Pure and deterministic: no model, no network, no clock. The same definition always gives the
 * same classification, so a catalog can diff two `tools/list` snapshots and flag a tool whose
 * classification changed (a "rug pull") without noise.
 *
 * It works from general signals only (verbs, objects, parameter names, the server's field of
 * business), never from a list of known tools, so a server it has never seen is judged the
 * same way as one it has.
 */
import { annotationContradictions } from './annotations.js';
import { decideCategory } from './category.js';
import { gatherEvidence, type Evidence } from './evidence.js';
import { detectPoisoning } from './poisoning.js';
import { decideRisk } from './risk.js';
import { actionAsTool, actionSelector, worstAction } from './actions.js';
import {
  maxRisk,
  raiseRisk,
  type Category,
  type Classification,
  type Risk,
  type ToolAnnotations,
  type Finding,
  type ToolDefinition,
} from './types.js';
import { splitWords, wordCount } from './words.js';
import { FILLER_WORDS } from './signals.js';

export type { Category, Classification, Finding, Risk, ToolAnnotations, ToolDefinition } from './types.js';

export function classifyTool(tool: ToolDefinition, server?: string): Classification {
  const annotations = typeof tool.annotations === 'object' && tool.annotations !== null ? tool.annotations : undefined;
  const ev = gatherEvidence(tool, server);
  const verdict = judgeActions(tool, server) ?? judge(ev, annotations);
  const rationale = [...verdict.reasons];
  const findings: Finding[] = [];

  let level = verdict.risk;
  const poisoning = detectPoisoning(tool);
  if (poisoning.findings.length > 0) {
    findings.push(...poisoning.findings);
    const raised = poisoning.exfiltration ? 'Critical' : maxRisk(raiseRisk(level), 'High');
    rationale.push(
      poisoning.exfiltration
        ? 'The definition tries to get private data out (files, conversation or another address): risk raised to Critical.'
        : `The definition carries instructions or hidden text aimed at the model: risk raised from ${level} to ${raised}.`,
    );
    level = raised;
  }

  const contradictions = annotationContradictions(ev, verdict.category, annotations);
  for (const c of contradictions) rationale.push(c.message);
  findings.push(...contradictions);

  const thin = thinness(ev);
  if (thin) {
    findings.push({ kind: 'thin_description', message: thin });
    rationale.push(`${thin} The verdict rests on the name and parameters.`);
  }

  return { category: verdict.category, risk: level, requiredParams: ev.required, rationale, findings };
}

interface Verdict {
  category: Category;
  risk: Risk;
  reasons: string[];
}

/** Category by precedence, then risk from the category's base, ladder and modifiers. */
function judge(ev: Evidence, annotations: ToolAnnotations | undefined): Verdict {
  const category = decideCategory(ev, annotations);
  const risk = decideRisk(ev, category);
  return { category: category.category, risk: risk.risk, reasons: [...category.reasons, ...risk.reasons] };
}

/** A multi-action tool judged by its worst action (rubric §1), or undefined for a one-action tool. */
function judgeActions(tool: ToolDefinition, server: string | undefined): Verdict | undefined {
  const selector = actionSelector(tool);
  if (selector === undefined) return undefined;
  const whole = gatherEvidence({ ...tool, inputSchema: undefined }, server);
  // On a tool whose name says it reads (`list_adjustments`), an `action` enum only filters what is
  // read: the tool does one thing, and that thing is reading.
  if (whole.verbSource === 'name' && whole.verb?.cls === 'read') return undefined;
  const judged = selector.values.map((value) => {
    const v = judge(gatherEvidence(actionAsTool(tool, selector, value), server), undefined);
    return { action: value, ...v };
  });
  const primary = decideCategory(whole, undefined).category;
  const worst = worstAction<Verdict & { action: string }>(judged, primary);
  if (worst === undefined) return undefined;
  return {
    category: worst.category,
    risk: worst.risk,
    reasons: [
      `Multi-action tool (rubric §1): \`${selector.param}\` accepts ${selector.values.map((v) => `"${v}"`).join(', ')}; the worst is "${worst.action}", ${worst.category}/${worst.risk}, which sets the tool's class.`,
      ...worst.reasons,
    ],
  };
}

/** Explains why a description is too thin to judge the tool by, or returns undefined. */
function thinness(ev: Evidence): string | undefined {
  if (ev.description.length === 0) return 'The description is empty.';
  const words = wordCount(ev.description);
  if (words < 4) return `The description is thin (${words} word${words === 1 ? '' : 's'}).`;
  const name = new Set(ev.nameTokens);
  const withoutCode = ev.description.replace(/`[^`]*`/g, ' ');
  const informative = splitWords(withoutCode).filter((w) => !name.has(w) && !FILLER_WORDS.has(w) && w.length > 2);
  if (/`[^`]+`/.test(ev.description) && informative.length <= 4 && words <= 10) {
    return 'The description only restates the operation name.';
  }
  return undefined;
}
