/**
 * The sentences a refused call carries. They reach the agent (and through it, a person), so each
 * says what happened and, where the operator can change it, how.
 */

export function ruleDenies(pattern: string): string {
  return `Rule "${pattern}" denies this tool.`;
}

export function conditionMatched(pattern: string, index: number, source: string): string {
  return `Rule "${pattern}" condition ${index} matched: ${source}`;
}

export function conditionFailed(pattern: string, index: number, source: string, error: string): string {
  return (
    `Rule "${pattern}" condition ${index} (${source}) could not be evaluated: ${error}. ` +
    'The call is refused because a guard that fails must not let calls through; ' +
    'guard optional fields with has(args.field) or args.?field.orValue(default).'
  );
}

export function approvalUnavailable(pattern: string): string {
  return (
    `Rule "${pattern}" requires human approval for this call, and this toolgate version cannot ` +
    'ask for approval yet, so the call is refused. Use action allow or deny for now.'
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

export function schemaMissing(server: string, tool: string): string {
  return (
    `The rule for tool "${tool}" validates arguments against the tool's input schema, but server ` +
    `"${server}" did not publish one for this tool, so the arguments cannot be checked and the call is refused.`
  );
}

export function schemaUnusable(server: string, tool: string, error: string): string {
  return (
    `The input schema server "${server}" published for tool "${tool}" cannot be compiled (${error}), ` +
    'so the arguments cannot be checked and the call is refused.'
  );
}
