import type { Logger } from 'pino';
import type { PinCheck, PinRecord, PinStore, PinnableTool } from '../catalog/pins.js';
import type { PinningMode } from '../config/types.js';

/** What pinning says of a tool: pass, or refuse with the reason the agent reads (`unchecked`: the store failed). */
export type PinVerdict = { refused: false } | { refused: true; reason: string; unchecked: boolean };

/** What the guard tells the gateway: a change it saw (once per session and change), and what this check recorded in the store. */
export interface PinGuardEvents {
  /** A changed or added definition was seen (metrics count each change once per gateway). */
  onChanged?(tool: string, changedAt: number): void;
  /** This check recorded a change, an added tool or a removal (exactly one process of those sharing the store does). */
  onRecorded?(kind: 'changed' | 'added' | 'removed', record: PinRecord): void;
}

/**
 * Rug-pull protection for one session: every tool definition the upstream shows is checked against
 * its pin. A definition object found unchanged is remembered, so the call path re-checks only new
 * objects (each `tools/list` brings new ones) and changed tools (so an accepted change takes
 * effect at once).
 *
 * A tool the upstream starts listing after its server was pinned is held like a changed one
 * (`added`), and so is a definition a person rejected. A complete listing that lacks a pinned tool
 * marks it removed.
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
    private readonly events: PinGuardEvents = {},
  ) {}

  /** Whether a call to this tool may go ahead as far as pinning goes. */
  async judge(definition: PinnableTool, mode: Exclude<PinningMode, 'off'>): Promise<PinVerdict> {
    if (this.#verified.has(definition)) return { refused: false };
    let check: PinCheck;
    try {
      check = await this.pins.check(this.server, definition);
    } catch (error) {
      return this.#unchecked(definition.name, error, mode);
    }
    return this.#verdict(definition, check, mode);
  }

  /**
   * The tools of a `tools/list` answer that pinning lets the client see, in their order.
   * `complete`: the answer is the upstream's whole list (removals are noticed only then).
   */
  async listable<T extends { name?: unknown }>(tools: T[], mode: Exclude<PinningMode, 'off'>, complete: boolean): Promise<T[]> {
    const named = tools.filter((tool): tool is T & PinnableTool => typeof tool.name === 'string');
    let verdicts: PinVerdict[];
    try {
      const listing = await this.pins.checkListing(this.server, named, complete);
      for (const record of listing.removed) this.#removed(record);
      verdicts = named.map((tool, i) => this.#verdict(tool, listing.checks[i], mode));
    } catch (error) {
      // One tool the store cannot record must not hide the others: each is checked on its own (pinned ones need no write).
      this.log.error({ err: error }, 'cannot check this tool list against the pins as a whole; checking tool by tool');
      verdicts = await Promise.all(named.map((tool) => this.judge(tool, mode)));
    }
    const unchecked = named.filter((_, i) => { const verdict = verdicts[i]; return verdict.refused && verdict.unchecked; }).map((tool) => tool.name);
    if (unchecked.length > 0) this.log.error({ tools: unchecked }, `not listed: ${unchecked.join(', ')} — their pins cannot be checked (see the store error above); they are listed again once the pin store answers`);
    const refused = new Set(named.filter((_, i) => verdicts[i].refused));
    return tools.filter((tool) => !refused.has(tool as T & PinnableTool));
  }

  #verdict(definition: PinnableTool, check: PinCheck, mode: Exclude<PinningMode, 'off'>): PinVerdict {
    if (check.status === 'new' || check.status === 'ok') {
      this.#verified.add(definition);
      return { refused: false };
    }
    this.#report(definition.name, check);
    if (mode === 'warn') return { refused: false };
    const reason = check.status === 'added' ? addedToolReason(this.server, definition.name) : check.status === 'rejected' ? rejectedToolReason(this.server, definition.name) : changedToolReason(this.server, definition.name);
    return { refused: true, reason, unchecked: false };
  }

  #unchecked(tool: string, error: unknown, mode: Exclude<PinningMode, 'off'>): PinVerdict {
    if (mode === 'warn') {
      this.log.error({ err: error, tool }, `cannot check tool "${tool}" against its pin; it passes (pinning: warn)`);
      return { refused: false };
    }
    this.log.error({ err: error, tool }, `cannot check tool "${tool}" against its pin; refused while pinning is block`);
    return { refused: true, reason: uncheckedToolReason((error as Error).message), unchecked: true };
  }

  #report(tool: string, check: Extract<PinCheck, { diff: string }>): void {
    if (check.status !== 'rejected' && check.recorded) this.events.onRecorded?.(check.status, check.recorded);
    const key = `${tool}\0${check.status}\0${check.changedAt}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    if (check.status === 'rejected') {
      this.log.warn({ tool }, `tool "${tool}" shows the definition a person rejected; it stays blocked (toolgate pins diff ${this.server} ${tool})`);
      return;
    }
    this.events.onChanged?.(tool, check.changedAt);
    const what = check.status === 'added' ? `tool "${tool}" appeared after the tools of server "${this.server}" were pinned` : `the definition of tool "${tool}" changed since it was pinned`;
    this.log.warn({ tool, diff: check.diff }, `${what}; review it with toolgate pins diff ${this.server} ${tool}`);
  }

  #removed(record: PinRecord): void {
    this.events.onRecorded?.('removed', record);
    this.log.warn({ tool: record.tool }, `tool "${record.tool}" is no longer listed by server "${this.server}"; its pin is kept, marked removed (toolgate pins list)`);
  }
}

/** Why a call to a changed tool is refused (the agent reads it after "was denied by rule pinning"). */
export function changedToolReason(server: string, tool: string): string {
  return (
    `its definition changed since toolgate pinned it (possible rug pull). A person must review the change: ` +
    `toolgate pins diff ${server} ${tool}, then toolgate pins accept ${server} ${tool}.`
  );
}

/** Why a call to a tool that appeared after its server was pinned is refused. */
export function addedToolReason(server: string, tool: string): string {
  return `new tool ${tool} appeared on server ${server} after its tools were pinned; a person must accept it: toolgate pins accept ${server} ${tool}`;
}

/** Why a call to a tool showing a rejected definition is refused. */
export function rejectedToolReason(server: string, tool: string): string {
  return (
    `a person rejected its current definition (toolgate pins reject), so it stays blocked until server ${server} shows the pinned definition again ` +
    `or a person accepts it: toolgate pins diff ${server} ${tool}, then toolgate pins accept ${server} ${tool}.`
  );
}

function uncheckedToolReason(storeMessage: string): string {
  return `toolgate cannot check its definition against the pinned one (${storeMessage}), and pinning is "block", so it is refused until the pin store answers again. Try again later.`;
}
