/**
 * The catalog's vocabulary: what a tool definition looks like as an MCP server lists it, and
 * what the offline classifier says about it. Everything here is plain data so a classification
 * can be stored, diffed between two `tools/list` snapshots, and shown on the dashboard as is.
 */

export type Category = 'Read' | 'Write' | 'Execute' | 'Destructive' | 'Financial' | 'Communication' | 'Admin';
export type Risk = 'Low' | 'Medium' | 'High' | 'Critical';

/**
 * MCP tool annotations. They come from the server, so the classifier treats them as the server's
 * claim about itself: weak evidence, compared against the definition, never the verdict.
 */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/**
 * A tool as `tools/list` returns it. The shape is deliberately loose (`inputSchema` is any JSON
 * object) because real servers send whatever their framework emits and the classifier must not
 * throw on any of it.
 */
export interface ToolDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: { [key: string]: unknown };
  annotations?: ToolAnnotations;
}

export type FindingKind = 'poisoning' | 'annotation_contradiction' | 'thin_description';

export interface Finding {
  kind: FindingKind;
  message: string;
}

export interface Classification {
  category: Category;
  risk: Risk;
  /** `inputSchema.required`, in the server's order (strings only). */
  requiredParams: string[];
  /** Plain sentences naming the signals that decided the category and the risk. */
  rationale: string[];
  findings: Finding[];
}

export const RISKS: readonly Risk[] = ['Low', 'Medium', 'High', 'Critical'];

export function riskIndex(risk: Risk): number {
  return RISKS.indexOf(risk);
}

/** The higher of two risks. */
export function maxRisk(a: Risk, b: Risk): Risk {
  return riskIndex(a) >= riskIndex(b) ? a : b;
}

/** `risk` raised by `steps` levels, capped at Critical. */
export function raiseRisk(risk: Risk, steps = 1): Risk {
  return RISKS[Math.min(RISKS.length - 1, riskIndex(risk) + steps)];
}
