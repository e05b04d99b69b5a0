/**
 * CEL conditions of a tool rule. Expressions are parsed and type-checked once when the policy is
 * compiled; a call only runs the prepared function.
 *
 * Arguments arrive as JSON, so every number in `args` is a CEL `double`: comparisons with int
 * literals work (`args.count > 5`), arithmetic needs a double literal (`args.count + 1.0`).
 * Optional fields can be read with `has(args.force)` or `args.?force.orValue(false)`.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';

/**
 * The variables every condition can read. `session` is `""` when the transport has none; `agent`
 * is the verified caller (`{ id: "anonymous", groups: [], claims: {} }` without one).
 */
export interface ConditionInput {
  args: Record<string, unknown>;
  tool: string;
  server: string;
  session: string;
  agent: { id: string; groups: readonly string[]; claims: Readonly<Record<string, unknown>> };
}

export type ConditionOutcome =
  | { kind: 'match' }
  | { kind: 'no_match' }
  | { kind: 'error'; message: string };

const MATCH: ConditionOutcome = Object.freeze({ kind: 'match' });
const NO_MATCH: ConditionOutcome = Object.freeze({ kind: 'no_match' });

let environment: Environment | undefined;

/**
 * Built on first use: setting up an Environment is the expensive part of the CEL library. Shared
 * by conditions and budget amounts, so both read the same variables under the same parse limits.
 */
export function celEnvironment(): Environment {
  environment ??= new Environment({ enableOptionalTypes: true })
    .registerVariable('args', 'map')
    .registerVariable('tool', 'string')
    .registerVariable('server', 'string')
    .registerVariable('session', 'string')
    .registerVariable('agent', 'map');
  return environment;
}

export interface CompiledCondition {
  readonly source: string;
  test(input: ConditionInput): ConditionOutcome;
}

/**
 * Parses and type-checks one expression. Returns the error text instead of throwing so the
 * compiler can collect every broken expression of a file into one ConfigError.
 */
export function compileCondition(source: string): CompiledCondition | { error: string } {
  const checked = parseChecked(source);
  if ('error' in checked) return checked;
  const { program } = checked;
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { error: `a condition must be true or false, but this expression yields ${checked.type}` };
  }
  return Object.freeze({
    source,
    test(input: ConditionInput): ConditionOutcome {
      let value: unknown;
      try {
        value = program(input);
      } catch (err) {
        return { kind: 'error', message: summary(err) };
      }
      if (value === true) return MATCH;
      if (value === false) return NO_MATCH;
      // A `dyn` expression such as `args.flag` can yield anything at run time.
      return { kind: 'error', message: `expression yielded ${describe(value)}, not true or false` };
    },
  });
}

/** Parses and type-checks an expression in the shared environment; the error text on failure. */
export function parseChecked(source: string): { program: ParseResult; type: string | undefined } | { error: string } {
  let program: ParseResult;
  try {
    program = celEnvironment().parse(source);
  } catch (err) {
    return { error: `CEL syntax error: ${summary(err)}` };
  }
  const checked = program.check();
  if (!checked.valid) {
    return { error: `CEL type error: ${checked.error ? summary(checked.error) : 'expression does not type-check'}` };
  }
  return { program, type: checked.type };
}

/** The first line of a CEL error, for problems and reasons. */
export function summary(err: unknown): string {
  if (err && typeof err === 'object') {
    const s = (err as { summary?: unknown }).summary;
    if (typeof s === 'string' && s !== '') return s;
    const m = (err as { message?: unknown }).message;
    if (typeof m === 'string') return m.split('\n')[0];
  }
  return String(err);
}

/** How a value a CEL expression yielded is named in a reason. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'bigint' || typeof value === 'number') return `the number ${String(value)}`;
  return `a value of type ${Array.isArray(value) ? 'list' : typeof value}`;
}
