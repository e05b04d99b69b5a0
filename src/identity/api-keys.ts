import { createHash, timingSafeEqual } from 'node:crypto';
import type { AgentKeyConfig } from '../config/types.js';
import { namedAgent, type Agent } from './agent.js';

/**
 * The agents of `auth.agents`, found by key. The presented key is hashed, and its SHA-256 is
 * compared with every configured one in constant time (all of them, always), so neither the
 * answer's timing nor the order of the agents tells anything about the keys.
 */
export class ApiKeys {
  readonly #entries: ReadonlyArray<{ digest: Buffer; agent: Agent }>;

  constructor(agents: Readonly<Record<string, AgentKeyConfig>>) {
    this.#entries = Object.entries(agents).map(([name, config]) => ({ digest: Buffer.from(config.keySha256, 'hex'), agent: namedAgent(name, config.groups, 'api_key') }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The agent whose key this is, or undefined. */
  find(key: string): Agent | undefined {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let found: Agent | undefined;
    for (const entry of this.#entries) if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry.agent;
    return found;
  }
}
