/**
 * Pins in Redis, shared by a fleet: a definition change seen by one instance blocks the tool on
 * every instance, and `toolgate pins accept` (or `reject`) against any of them decides on all.
 *
 * One hash field per tool (`server NUL tool` -> the PinRecord as JSON), and one hash of the
 * servers a complete listing pinned. Every write is a compare-and-set script on the field's exact
 * text that also publishes the field's name, so two instances seeing the same new definition
 * record it once, and every instance drops its cached copy of that field at once. Checks (run on
 * every `tools/list`) answer from that cache while the subscription is live; otherwise they read
 * Redis, so a Redis outage is a store error (fail closed), never a stale answer.
 */
import { isPending, type ListingCheck, type PinCheck, type PinRecord, type PinStore, type PinnableTool } from '../../catalog/pins.js';
import { accept, compareRecords, notPinned, observe, reject, remove, seenDefinition, type PinMove } from '../../catalog/node/pin-common.js';
import { ToolgateError } from '../../errors.js';
import { luaScript, type RedisConnection } from '../redis-connection.js';

// KEYS: pins hash, channel. ARGV: field, expected text ('' = absent), new text.
const COMPARE_AND_SET = luaScript(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1`);

/** Rounds of read, decide, compare-and-set before giving up (only reached under a storm of writers). */
const MAX_ROUNDS = 8;

export class RedisPinStore implements PinStore {
  readonly #redis: RedisConnection;
  readonly #now: () => number;
  /** field -> stored text (null: no such pin), valid while the subscription is live. */
  readonly #cache = new Map<string, string | null>();
  /** Every field name in the hash, valid while the subscription is live (fields are never deleted). */
  #fields?: Set<string>;
  /** Servers known pinned; a server is never unpinned, so this needs no invalidation. */
  readonly #pinnedServers = new Set<string>();
  /** Bumped by every change message, so a read that raced one is not cached. */
  #generation = 0;
  readonly #feed: { live: () => boolean; stop: () => Promise<void> };

  constructor(redis: RedisConnection, options: { now: () => number }) {
    this.#redis = redis;
    this.#now = options.now;
    this.#feed = redis.subscribe(
      'pins:changed',
      (field) => {
        this.#generation += 1;
        this.#cache.delete(field);
        this.#fields?.add(field);
      },
      () => {
        this.#generation += 1;
        this.#cache.clear();
        this.#fields = undefined;
      },
    );
  }

  async check(server: string, tool: PinnableTool): Promise<PinCheck> {
    return this.#observe(server, tool);
  }

  async checkListing(server: string, tools: readonly PinnableTool[], complete: boolean): Promise<ListingCheck> {
    const checks: PinCheck[] = [];
    for (const tool of tools) checks.push(await this.#observe(server, tool));
    if (!complete) return { checks, removed: [] };
    if (!this.#pinnedServers.has(server)) {
      await this.#redis.run(`cannot pin server "${server}"`, (client) => client.hSetNX(this.#key('servers'), server, String(this.#now())));
      this.#pinnedServers.add(server);
    }
    const listed = new Set(tools.map((tool) => tool.name));
    const removed: PinRecord[] = [];
    // In name order, as the other stores report them: a hash's (and the feed-kept cache's) order is arbitrary.
    for (const field of [...(await this.#fieldNames())].sort()) {
      const [owner, name] = splitField(field);
      if (owner !== server || listed.has(name)) continue;
      if (parse(await this.#read(field))?.status === 'removed') continue;
      const move = await this.#update(field, `cannot record that tool "${name}" left server "${server}"`, (pin) => (pin ? remove(pin, this.#now()) : undefined));
      if (move?.event) removed.push(move.next);
    }
    return { checks, removed };
  }

  async accept(server: string, tool: string): Promise<PinRecord> {
    return this.#decide(server, tool, 'accept', accept);
  }

  async reject(server: string, tool: string): Promise<PinRecord> {
    return this.#decide(server, tool, 'reject', reject);
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    return parse(await this.#read(fieldOf(server, tool)));
  }

  async list(server?: string): Promise<PinRecord[]> {
    const all = await this.#redis.run('cannot read the pins', (client) => client.hGetAll(this.#key()));
    return Object.values(all)
      .map((text) => parse(text)!)
      .filter((pin) => server === undefined || pin.server === server)
      .sort(compareRecords);
  }

  async pending(): Promise<PinRecord[]> {
    return (await this.list()).filter(isPending);
  }

  async close(): Promise<void> {
    await this.#feed.stop();
    await this.#redis.close();
  }

  async #observe(server: string, tool: PinnableTool): Promise<PinCheck> {
    const seen = seenDefinition(tool);
    const field = fieldOf(server, seen.name);
    const cached = parse(await this.#read(field));
    const serverPinned = cached === undefined && (await this.#serverPinned(server));
    const guess = observe(cached, server, seen, this.#now(), serverPinned);
    if (guess.next === cached) return guess.answer;
    const move = await this.#update(field, `cannot record the definition of tool "${seen.name}" on server "${server}"`, (pin) => observe(pin, server, seen, this.#now(), serverPinned));
    return move!.answer;
  }

  async #decide(server: string, tool: string, what: string, decide: (pin: PinRecord, now: number) => PinMove<PinRecord>): Promise<PinRecord> {
    const list = await this.list(server);
    const move = await this.#update(fieldOf(server, tool), `cannot ${what} tool "${tool}" on server "${server}"`, (pin) => {
      if (pin === undefined) throw notPinned(server, tool, list);
      return decide(pin, this.#now());
    });
    return move!.answer;
  }

  async #serverPinned(server: string): Promise<boolean> {
    if (this.#pinnedServers.has(server)) return true;
    const pinned = (await this.#redis.run('cannot read the pinned servers', (client) => client.hExists(this.#key('servers'), server))) === 1;
    if (pinned) this.#pinnedServers.add(server);
    return pinned;
  }

  /** Every pin's field name: from the cache while the feed is live, else from Redis. */
  async #fieldNames(): Promise<Set<string>> {
    if (this.#feed.live() && this.#fields) return this.#fields;
    const generation = this.#generation;
    const fields = new Set(await this.#redis.run('cannot read the pins', (client) => client.hKeys(this.#key())));
    if (this.#feed.live() && generation === this.#generation) this.#fields = fields;
    return fields;
  }

  /** The stored text of one pin: from the cache while the feed is live, else from Redis. */
  async #read(field: string): Promise<string | null> {
    const live = this.#feed.live();
    if (live && this.#cache.has(field)) return this.#cache.get(field)!;
    const generation = this.#generation;
    const text = await this.#redis.run('cannot read the pins', (client) => client.hGet(this.#key(), field));
    if (live && this.#feed.live() && generation === this.#generation) this.#cache.set(field, text ?? null);
    return text ?? null;
  }

  /** Reads the pin as stored, lets `decide` pick the move, and stores its record if it changed, compare-and-set. */
  async #update<T>(field: string, what: string, decide: (pin: PinRecord | undefined) => PinMove<T> | undefined): Promise<PinMove<T> | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#redis.run(what, (client) => client.hGet(this.#key(), field));
      const move = decide(parse(current ?? null));
      if (move?.event === undefined) return move;
      const text = JSON.stringify(move.next);
      const stored = await this.#redis.evalScript(what, COMPARE_AND_SET, [this.#key(), this.#redis.key('pins', 'changed')], [field, current ?? '', text]);
      if (stored === 1) {
        this.#generation += 1; // a read in flight must not cache what this write replaced
        if (this.#feed.live()) this.#cache.set(field, text);
        this.#fields?.add(field);
        return move;
      }
    }
    throw new ToolgateError('store_error', `${what}: other instances kept changing it in Redis at ${this.#redis.where}; try again`);
  }

  #key(...parts: string[]): string {
    return this.#redis.key('pins', ...parts);
  }
}

function parse(text: string | null): PinRecord | undefined {
  return text === null ? undefined : (JSON.parse(text) as PinRecord);
}

const fieldOf = (server: string, tool: string) => `${server}\u0000${tool}`;

function splitField(field: string): [string, string] {
  const at = field.indexOf('\u0000');
  return [field.slice(0, at), field.slice(at + 1)];
}
