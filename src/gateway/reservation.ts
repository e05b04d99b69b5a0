/**
 * What a call took from its counters before it was forwarded, and when each part is given back.
 * A rate-limit slot comes back whenever the call did not run to an answer the upstream chose to
 * give (never forwarded, JSON-RPC error, timed out, connection lost), as before budgets. A budget
 * amount comes back only when the call surely did not spend it: never forwarded, or an upstream
 * failure its `give_back_on` names. With no answer at all (timeout, lost connection) the tool may
 * have run, so the amount stays spent.
 */
import type { BudgetGiveBack } from '../config/types.js';

/** How a call that took counters ended, when that can give something back. */
export type CallEnd = 'not_forwarded' | BudgetGiveBack | 'timed_out' | 'upstream_lost';

const RATE_LIMIT_GIVES_BACK: ReadonlySet<CallEnd> = new Set(['not_forwarded', 'error', 'timed_out', 'upstream_lost']);

interface Part {
  undo: () => Promise<void>;
  givesBackOn: ReadonlySet<CallEnd>;
}

export class Reservation {
  readonly #parts: Part[] = [];
  #ended = false;

  addRateLimit(undo: () => Promise<void>): void {
    this.#parts.push({ undo, givesBackOn: RATE_LIMIT_GIVES_BACK });
  }

  addBudget(undo: () => Promise<void>, giveBackOn: readonly BudgetGiveBack[]): void {
    this.#parts.push({ undo, givesBackOn: new Set<CallEnd>(['not_forwarded', ...giveBackOn]) });
  }

  get empty(): boolean {
    return this.#parts.length === 0;
  }

  /** Gives back what this end gives back. Only the first end counts: a call ends once. */
  async end(how: CallEnd): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await Promise.all(this.#parts.filter((p) => p.givesBackOn.has(how)).map((p) => p.undo()));
  }
}
