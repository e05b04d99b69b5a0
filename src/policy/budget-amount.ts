/**
 * A budget's `amount`: a CEL expression over the call that says what the call spends. Compiled
 * once with the conditions' environment (same variables, same parse limits); evaluated per call.
 *
 * Only a finite number of at least 0 is an amount. Anything else (a missing argument, a string,
 * a negative number, NaN or an infinity, an error inside the expression) refuses the call: an
 * amount that cannot be read must not be counted as nothing.
 */
import { describe, parseChecked, summary, type ConditionInput } from './conditions.js';

export type AmountOutcome = { ok: true; amount: number } | { ok: false; problem: string };

export interface CompiledAmount {
  readonly source: string;
  of(input: ConditionInput): AmountOutcome;
}

const NUMERIC_TYPES = new Set(['double', 'int', 'uint', 'dyn']);

/** Parses and type-checks the expression; returns the error text instead of throwing, so every problem of a file is reported at once. */
export function compileAmount(source: string): CompiledAmount | { error: string } {
  const checked = parseChecked(source);
  if ('error' in checked) return checked;
  const { program } = checked;
  if (checked.type === undefined || !NUMERIC_TYPES.has(checked.type)) {
    return { error: `an amount must be a number, but this expression yields ${checked.type}` };
  }
  return Object.freeze({
    source,
    of(input: ConditionInput): AmountOutcome {
      let value: unknown;
      try {
        value = program(input);
      } catch (err) {
        return { ok: false, problem: summary(err) };
      }
      return amountFrom(value);
    },
  });
}

function amountFrom(value: unknown): AmountOutcome {
  // CEL ints are BigInts; JSON numbers in args are doubles.
  const amount = typeof value === 'bigint' ? Number(value) : value;
  if (typeof amount !== 'number') return { ok: false, problem: `it yielded ${describe(value)}, not a number` };
  if (Number.isNaN(amount)) return { ok: false, problem: 'it yielded NaN, not a number' };
  if (!Number.isFinite(amount)) return { ok: false, problem: `it yielded ${amount}, not a finite number` };
  if (amount < 0) return { ok: false, problem: `it yielded ${amount}, and an amount cannot be negative` };
  return { ok: true, amount: amount === 0 ? 0 : amount }; // -0 is 0
}
