import type { Logger } from 'pino';
import type { PinCheck, PinStore, PinnableTool } from '../catalog/pins.js';
import type { PinningMode } from '../config/types.js';

/** What pinning says of a tool: pass, or refuse with the reason the agent reads (`unchecked`: the store failed). */
export type PinVerdict = { refused: false } | { refused: true; reason: string; unchecked: boolean };

/**
 * Rug-pull protection for one session: every tool definition the upstream shows is checked against
 * its pin. A definition object found unchanged is remembered, so the hot path re-checks only new
 * objects (each `tools/list` brings new ones) and changed tools (so an accepted change takes
 * effect at once).
 *
 * The pin store can fail (a locked or full file). Under `pinning: block` a tool whose pin cannot
 * be checked is treated like a changed one — not listed, its calls refused — and the reason says
 * so; under `warn` it passes and the failure is logged. Nothing here rejects.
 */
export class PinGuard {
  readonly #verified = new WeakSet<object>();
  readonly #reported = new Set<string>();

  constructor(
    private readonly pins: PinStore,
    private readonly server: string,
    private readonly log: Logger,
    /** Told once per session and change; the gateway counts each change once. */
    private readonly onChanged?: (tool: string, changedAt: number) => void,
  ) {}

  /** Whether a call to this tool may go ahead as far as pinning goes. */
  async judge(definition: PinnableTool, mode: Exclude<PinningMode, 'off'>): Promise<PinVerdict> {
    let check: PinCheck | { status: 'ok' };
    try {
      check = await this.#check(definition);
    } catch (error) {
      if (mode === 'warn') {
        this.log.error({ err: error, tool: definition.name }, `cannot check tool "${definition.name}" against its pin; it passes (pinning: warn)`);
        return { refused: false };
      }
      this.log.error({ err: error, tool: definition.name }, `cannot check tool "${definition.name}" against its pin; refused while pinning is block`);
      return { refused: true, reason: uncheckedToolReason((error as Error).message), unchecked: true };
    }
    return check.status === 'changed' && mode === 'block' ? { refused: true, reason: changedToolReason(this.server, definition.name), unchecked: false } : { refused: false };
  }

  /** The tools of a `tools/list` answer that pinning lets the client see, in their order. */
  async listable<T extends { name?: unknown }>(tools: T[], mode: Exclude<PinningMode, 'off'>): Promise<T[]> {
    const verdicts = await Promise.all(tools.map((tool) => (typeof tool.name === 'string' ? this.judge(tool as unknown as PinnableTool, mode) : { refused: false as const })));
    const unchecked = tools.filter((_, i) => { const verdict = verdicts[i]; return verdict.refused && verdict.unchecked; });
    if (unchecked.length > 0) {
      const names = unchecked.map((tool) => String(tool.name));
      this.log.error({ tools: names }, `not listed: ${names.join(', ')} — their pins cannot be checked (see the store error above); they are listed again once the pin store answers`);
    }
    return tools.filter((_, i) => !verdicts[i].refused);
  }

  async #check(definition: PinnableTool): Promise<PinCheck | { status: 'ok' }> {
    if (this.#verified.has(definition)) return { status: 'ok' };
    const check = await this.pins.check(this.server, definition);
    if (check.status !== 'changed') {
      this.#verified.add(definition);
      return check;
    }
    const key = `${definition.name}\0${check.changedAt}`;
    if (!this.#reported.has(key)) {
      this.#reported.add(key);
      this.onChanged?.(definition.name, check.changedAt);
      this.log.warn({ tool: definition.name, diff: check.diff }, `the definition of tool "${definition.name}" changed since it was pinned; review it with toolgate pins diff ${this.server} ${definition.name}`);
    }
    return check;
  }
}

/** Why a call to a changed tool is refused (the agent reads it after "was denied by rule pinning"). */
export function changedToolReason(server: string, tool: string): string {
  return (
    `its definition changed since toolgate pinned it (possible rug pull). A person must review the change: ` +
    `toolgate pins diff ${server} ${tool}, then toolgate pins accept ${server} ${tool}.`
  );
}

function uncheckedToolReason(storeMessage: string): string {
  return `toolgate cannot check its definition against the pinned one (${storeMessage}), and pinning is "block", so it is refused until the pin store answers again. Try again later.`;
}
