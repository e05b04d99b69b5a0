/**
 * Who is in the fleet: each instance writes its entry (tag, process, policy revision) to one Redis
 * hash every few seconds and reads everyone's back, so the dashboard of any instance shows every
 * instance's policy revision and a fleet running mixed revisions is visible. Entries not renewed
 * for `GONE_AFTER_MS` are left out (and dropped). Reads are served from the last refresh: the
 * dashboard never waits on Redis.
 */
import type { RedisConnection } from './redis-connection.js';

export interface FleetMember {
  /** The instance tag its session ids carry. */
  instance: string;
  /** `host:pid`, as approvals name their holder. */
  process: string;
  policyRevision: string;
  /** When it last wrote its entry (its own clock). */
  seenAt: number;
}

const EVERY_MS = 5_000;
const GONE_AFTER_MS = 30_000;

export class FleetRegistry {
  readonly #redis: RedisConnection;
  readonly #self: () => Omit<FleetMember, 'seenAt'>;
  readonly #timer: NodeJS.Timeout;
  #members: FleetMember[] = [];

  constructor(redis: RedisConnection, self: () => Omit<FleetMember, 'seenAt'>) {
    this.#redis = redis;
    this.#self = self;
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), EVERY_MS);
    this.#timer.unref();
  }

  /** The instances seen within the last 30 s, this one included, by tag. */
  get members(): FleetMember[] {
    return this.#members;
  }

  /** Writes this instance's entry and reads the others'; never rejects (Redis down: the last view stays). */
  async refresh(): Promise<void> {
    const self: FleetMember = { ...this.#self(), seenAt: Date.now() };
    const hash = this.#redis.key('instances');
    try {
      const all = await this.#redis.run('cannot renew this instance in the fleet', async (client) => {
        await client.hSet(hash, self.instance, JSON.stringify(self));
        return client.hGetAll(hash);
      });
      const members = Object.values(all).map((text) => JSON.parse(text) as FleetMember);
      const gone = members.filter((member) => self.seenAt - member.seenAt > GONE_AFTER_MS);
      if (gone.length > 0) await this.#redis.run('cannot drop gone instances', (client) => client.hDel(hash, gone.map((member) => member.instance)));
      this.#members = members.filter((member) => !gone.includes(member)).sort((a, b) => (a.instance < b.instance ? -1 : 1));
    } catch {
      // Redis down: shown by /healthz; the view is refreshed when it is back.
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#redis.run('cannot leave the fleet', (client) => client.hDel(this.#redis.key('instances'), this.#self().instance)).catch(() => undefined);
    await this.#redis.close();
  }
}
