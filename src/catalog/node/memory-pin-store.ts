/**
 * Pins in memory, for one process (`state.backend: memory`). Same behaviour as the SQLite store
 * (one shared test suite runs against both), nothing kept across restarts, and `toolgate pins`
 * cannot see it.
 */
import { canonicalJson, type PinCheck, type PinRecord, type PinStore, type PinnableTool } from '../pins.js';
import { notPinned, pinDiff, sha256 } from './pin-common.js';

export class MemoryPinStore implements PinStore {
  readonly #pins = new Map<string, PinRecord>();
  readonly #now: () => number;

  constructor(options: { now: () => number }) {
    this.#now = options.now;
  }

  async check(server: string, tool: PinnableTool): Promise<PinCheck> {
    const nowMs = this.#now();
    const definition = canonicalJson(tool);
    const hash = sha256(definition);
    const id = key(server, tool.name);
    const pin = this.#pins.get(id);
    if (pin === undefined) {
      this.#pins.set(id, { server, tool: tool.name, hash, definition, pinnedAt: nowMs, status: 'ok' });
      return { status: 'new', pinnedAt: nowMs };
    }
    if (pin.hash === hash) {
      if (pin.status === 'changed') this.#pins.set(id, pinned(pin)); // back to the pin: nothing pending
      return { status: 'ok', pinnedAt: pin.pinnedAt };
    }
    if (pin.seenHash !== hash) {
      const diff = pinDiff(server, tool.name, pin.definition, definition, pin.pinnedAt, nowMs);
      this.#pins.set(id, { ...pinned(pin), status: 'changed', changedAt: nowMs, seenHash: hash, seenDefinition: definition, diff });
    }
    const changed = this.#pins.get(id)!;
    return { status: 'changed', diff: changed.diff!, pinnedAt: changed.pinnedAt, changedAt: changed.changedAt! };
  }

  async accept(server: string, tool: string): Promise<PinRecord> {
    const pin = this.#pins.get(key(server, tool));
    if (pin === undefined) throw notPinned(server, tool, this.#list(server));
    if (pin.status === 'changed') {
      this.#pins.set(key(server, tool), { server, tool, hash: pin.seenHash!, definition: pin.seenDefinition!, pinnedAt: this.#now(), status: 'ok' });
    }
    return { ...this.#pins.get(key(server, tool))! };
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    const pin = this.#pins.get(key(server, tool));
    return pin && { ...pin };
  }

  async list(server?: string): Promise<PinRecord[]> {
    return this.#list(server);
  }

  async pending(): Promise<PinRecord[]> {
    return this.#list().filter((p) => p.status === 'changed');
  }

  async close(): Promise<void> {}

  #list(server?: string): PinRecord[] {
    return [...this.#pins.values()]
      .filter((p) => server === undefined || p.server === server)
      .sort((a, b) => compare(a.server, b.server) || compare(a.tool, b.tool))
      .map((p) => ({ ...p }));
  }
}

function pinned(pin: PinRecord): PinRecord {
  return { server: pin.server, tool: pin.tool, hash: pin.hash, definition: pin.definition, pinnedAt: pin.pinnedAt, status: 'ok' };
}

const key = (server: string, tool: string) => `${server}\u0000${tool}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
