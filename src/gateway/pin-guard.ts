import type { Logger } from 'pino';
import type { PinCheck, PinStore, PinnableTool } from '../catalog/pins.js';

/**
 * Rug-pull protection for one session: every tool definition the upstream shows is checked against
 * its pin. A definition object found unchanged is remembered, so the hot path re-checks only new
 * objects (each `tools/list` brings new ones) and changed tools (so an accepted change takes
 * effect at once).
 */
export class PinGuard {
  readonly #verified = new WeakSet<object>();
  readonly #reported = new Set<string>();

  constructor(
    private readonly pins: PinStore,
    private readonly server: string,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  check(definition: PinnableTool): PinCheck | { status: 'ok' } {
    if (this.#verified.has(definition)) return { status: 'ok' };
    const check = this.pins.check(this.server, definition, this.now());
    if (check.status !== 'changed') {
      this.#verified.add(definition);
      return check;
    }
    const key = `${definition.name}\0${check.changedAt}`;
    if (!this.#reported.has(key)) {
      this.#reported.add(key);
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
