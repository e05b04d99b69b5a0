import type { Category } from '../catalog/types.js';

/**
 * The sentences a refused call carries. They reach the agent (and through it, a person), so each
 * says what happened and, where the operator can change it, how.
 */

export function ruleDenies(pattern: string): string {
  return `Rule "${pattern}" denies this tool.`;
}

/** How a reason names the rule it comes from: `Rule "delete_*"`, `The Execute category default`. */
export function ruleLabel(pattern: string, category: Category | undefined): string {
  return category === undefined ? `Rule "${pattern}"` : `The ${category} category default`;
}

export function conditionMatched(label: string, index: number, source: string): string {
  return `${label} condition ${index} matched: ${source}`;
}

export function conditionFailed(label: string, index: number, source: string, error: string): string {
  return (
    `${label} condition ${index} (${source}) could not be evaluated: ${error}. ` +
    'The call is refused because a guard that fails must not let calls through; ' +
    'guard optional fields with has(args.field) or args.?field.orValue(default).'
  );
}

export function defaultDenies(server: string, tool: string): string {
  return (
    `Server "${server}" denies every tool that no rule names (its policy default is deny), ` +
    `and no rule names "${tool}". To allow it, add under policies.${server}.tools: ` +
    `${JSON.stringify(tool)}: { action: allow }`
  );
}

export function invalidArguments(tool: string, issues: string): string {
  return `Invalid arguments for tool "${tool}": ${issues}`;
}

export function schemaMissing(server: string, tool: string, category?: Category): string {
  const who = category === undefined ? `The rule for tool "${tool}"` : `The ${category} category default, which governs tool "${tool}",`;
  return (
    `${who} validates arguments against the tool's input schema, but server ` +
    `"${server}" did not publish one for this tool, so the arguments cannot be checked and the call is refused.`
  );
}

export function schemaUnusable(server: string, tool: string, error: string): string {
  return (
    `The input schema server "${server}" published for tool "${tool}" cannot be compiled (${error}), ` +
    'so the arguments cannot be checked and the call is refused.'
  );
}

/** How the tool got its category, for the reasons below: `as toolgate classified its definition`. */
export function categoryOrigin(override: string | undefined): string {
  return override === undefined ? 'as toolgate classified its definition' : `as set at ${override}`;
}

function allowHint(server: string, tool: string): string {
  const key = JSON.stringify(tool);
  return (
    `To allow the tool, add a rule of its own under policies.${server}.tools, e.g. ${key}: { action: allow }; ` +
    `if the category is wrong, correct it there instead, e.g. ${key}: { category: Read }.`
  );
}

export function categoryDenies(server: string, tool: string, category: Category, where: string, override: string | undefined): string {
  return (
    `Tool "${tool}" is in category ${category} (${categoryOrigin(override)}), and ${where} denies ${category} tools ` +
    `that no rule names. ${allowHint(server, tool)}`
  );
}

export function categoryUnknown(server: string, tool: string): string {
  const key = JSON.stringify(tool);
  return (
    `Category defaults apply to the tools of server "${server}", and the category of tool "${tool}" cannot be ` +
    `determined: the server did not list the tool in tools/list, and no rule sets its category. A rule that ` +
    `cannot be chosen does not let the call through. Add a rule for it under policies.${server}.tools, ` +
    `e.g. ${key}: { action: allow }, or set its category, e.g. ${key}: { category: Read }.`
  );
}

export function amountUnreadable(label: string, source: string, problem: string): string {
  return (
    `${label} budget amount (${source}) could not be read: ${problem}. ` +
    'The call is refused because an amount that cannot be read must not be counted as nothing; ' +
    'send the amount as a number of at least 0.'
  );
}
