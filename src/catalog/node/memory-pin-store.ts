/**
 * Pins in memory, for one process (`state.backend: memory`). Same behaviour as the SQLite and
 * Redis stores (one shared test suite runs against all), nothing kept across restarts, and
 * `toolgate pins` cannot see it.
 */
import { isPending, type ListingCheck, type PinCheck, type PinRecord, type PinStore, type PinnableTool } from '../pins.js';
import { accept, compareRecords, notPinned, observe, reject, remove, seenDefinition, type PinMove } from './pin-common.js';

export class MemoryPinStore implements PinStore {
  /** server -> tool -> record. */
  readonly #pins = new Map<string, Map<string, PinRecord>>();
  readonly #pinnedServers = new Set<string>();
  readonly #now: () => number;

  constructor(options: { now: () => number }) {
    this.#now = options.now;
  }

  async check(server: string, tool: PinnableTool): Promise<PinCheck> {
    return this.#observe(server, tool);
  }

  async checkListing(server: string, tools: readonly PinnableTool[], complete: boolean): Promise<ListingCheck> {
    const checks = tools.map((tool) => this.#observe(server, tool));
    const removed: PinRecord[] = [];
    if (complete) {
      this.#pinnedServers.add(server);
      const listed = new Set(tools.map((tool) => tool.name));
      for (const pin of this.#server(server).values()) {
        const move = listed.has(pin.tool) ? undefined : remove(pin, this.#now());
        if (move) removed.push(this.#apply(move));
      }
    }
    return { checks, removed };
  }

  async accept(server: string, tool: string): Promise<PinRecord> {
    return this.#decide(server, tool, accept);
  }

  async reject(server: string, tool: string): Promise<PinRecord> {
    return this.#decide(server, tool, reject);
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    const pin = this.#server(server).get(tool);
    return pin && { ...pin };
  }

  async list(server?: string): Promise<PinRecord[]> {
    const servers = server === undefined ? [...this.#pins.values()] : [this.#server(server)];
    return servers.flatMap((tools) => [...tools.values()]).sort(compareRecords).map((p) => ({ ...p }));
  }

  async pending(): Promise<PinRecord[]> {
    return (await this.list()).filter(isPending);
  }

  async close(): Promise<void> {}

  #observe(server: string, tool: PinnableTool): PinCheck {
    const seen = seenDefinition(tool);
    const move = observe(this.#server(server).get(seen.name), server, seen, this.#now(), this.#pinnedServers.has(server));
    this.#apply(move);
    return move.answer;
  }

  #decide(server: string, tool: string, decide: (pin: PinRecord, now: number) => PinMove<PinRecord>): PinRecord {
    const pin = this.#server(server).get(tool);
    if (pin === undefined) throw notPinned(server, tool, [...this.#server(server).values()]);
    return { ...this.#apply(decide(pin, this.#now())) };
  }

  #apply(move: PinMove<unknown>): PinRecord {
    let tools = this.#pins.get(move.next.server);
    if (!tools) this.#pins.set(move.next.server, (tools = new Map()));
    tools.set(move.next.tool, move.next);
    return move.next;
  }

  #server(server: string): Map<string, PinRecord> {
    return this.#pins.get(server) ?? new Map();
  }
}
