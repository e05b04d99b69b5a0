/**
 * Pins in Redis, shared by a fleet: a definition change seen by one instance blocks the tool on
 * every instance, and `toolgate pins accept` against any of them releases it on all.
 *
 * One hash field per tool (`server NUL tool` -> the PinRecord as JSON). Every write is a
 * compare-and-set script on the field's exact text that also publishes the field's name, so two
 * instances seeing the same new definition record it once, and every instance drops its cached
 * copy of that field at once. `check` (run on every `tools/list`) answers from that cache while
 * the subscription is live; otherwise it reads Redis, so a Redis outage is a store error (fail
 * closed), never a stale answer.
 */
import type { PinCheck, PinRecord, PinStore, PinnableTool } from '../../catalog/pins.js';
import { canonicalJson } from '../../catalog/pins.js';
import { notPinned, pinDiff, sha256 } from '../../catalog/node/pin-common.js';
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
      },
      () => {
        this.#generation += 1;
        this.#cache.clear();
      },
    );
  }

  async check(server: string, tool: PinnableTool): Promise<PinCheck> {
    const definition = canonicalJson(tool);
    const hash = sha256(definition);
    const field = fieldOf(server, tool.name);
    const cached = parse(await this.#read(field));
    if (cached?.hash === hash && cached.status === 'ok') return { status: 'ok', pinnedAt: cached.pinnedAt };
    if (cached?.seenHash === hash) return changed(cached);
    return this.#update(field, `cannot record the definition of tool "${tool.name}" on server "${server}"`, (pin) => {
      const nowMs = this.#now();
      if (pin === undefined) return [{ server, tool: tool.name, hash, definition, pinnedAt: nowMs, status: 'ok' }, { status: 'new', pinnedAt: nowMs }];
      if (pin.hash === hash) return [pin.status === 'changed' ? pinned(pin) : pin, { status: 'ok', pinnedAt: pin.pinnedAt }];
      if (pin.seenHash === hash) return [pin, changed(pin)];
      const diff = pinDiff(server, tool.name, pin.definition, definition, pin.pinnedAt, nowMs);
      const next: PinRecord = { ...pinned(pin), status: 'changed', changedAt: nowMs, seenHash: hash, seenDefinition: definition, diff };
      return [next, changed(next)];
    });
  }

  async accept(server: string, tool: string): Promise<PinRecord> {
    const field = fieldOf(server, tool);
    const list = await this.list(server);
    return this.#update(field, `cannot accept tool "${tool}" on server "${server}"`, (pin) => {
      if (pin === undefined) throw notPinned(server, tool, list);
      if (pin.status !== 'changed') return [pin, pin];
      const next: PinRecord = { server, tool, hash: pin.seenHash!, definition: pin.seenDefinition!, pinnedAt: this.#now(), status: 'ok' };
      return [next, next];
    });
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    return parse(await this.#read(fieldOf(server, tool)));
  }

  async list(server?: string): Promise<PinRecord[]> {
    const all = await this.#redis.run('cannot read the pins', (client) => client.hGetAll(this.#hash()));
    return Object.values(all)
      .map((text) => parse(text)!)
      .filter((pin) => server === undefined || pin.server === server)
      .sort((a, b) => compare(a.server, b.server) || compare(a.tool, b.tool));
  }

  async pending(): Promise<PinRecord[]> {
    return (await this.list()).filter((pin) => pin.status === 'changed');
  }

  async close(): Promise<void> {
    await this.#feed.stop();
    await this.#redis.close();
  }

  /** The stored text of one pin: from the cache while the feed is live, else from Redis. */
  async #read(field: string): Promise<string | null> {
    const live = this.#feed.live();
    if (live && this.#cache.has(field)) return this.#cache.get(field)!;
    const generation = this.#generation;
    const text = await this.#redis.run('cannot read the pins', (client) => client.hGet(this.#hash(), field));
    if (live && this.#feed.live() && generation === this.#generation) this.#cache.set(field, text ?? null);
    return text ?? null;
  }

  /** Reads the pin as stored, lets `decide` pick the next record and the answer, and stores it if it changed, compare-and-set. */
  async #update<T>(field: string, what: string, decide: (pin: PinRecord | undefined) => [PinRecord, T]): Promise<T> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#redis.run(what, (client) => client.hGet(this.#hash(), field));
      const [next, answer] = decide(parse(current ?? null));
      const text = JSON.stringify(next);
      if (text === current) return answer;
      const stored = await this.#redis.evalScript(what, COMPARE_AND_SET, [this.#hash(), this.#redis.key('pins', 'changed')], [field, current ?? '', text]);
      if (stored === 1) {
        this.#generation += 1; // a read in flight must not cache what this write replaced
        if (this.#feed.live()) this.#cache.set(field, text);
        return answer;
      }
    }
    throw new ToolgateError('store_error', `${what}: other instances kept changing it in Redis at ${this.#redis.where}; try again`);
  }

  #hash(): string {
    return this.#redis.key('pins');
  }
}

function parse(text: string | null): PinRecord | undefined {
  return text === null ? undefined : (JSON.parse(text) as PinRecord);
}

function pinned(pin: PinRecord): PinRecord {
  return { server: pin.server, tool: pin.tool, hash: pin.hash, definition: pin.definition, pinnedAt: pin.pinnedAt, status: 'ok' };
}

function changed(pin: PinRecord): PinCheck {
  return { status: 'changed', diff: pin.diff!, pinnedAt: pin.pinnedAt, changedAt: pin.changedAt! };
}

const fieldOf = (server: string, tool: string) => `${server}\u0000${tool}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
