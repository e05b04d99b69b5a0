import type { AgentKeyConfig } from '../config/types.js';
import { namedAgent, type Agent } from './agent.js';
import { SecretDigests } from './secret-digests.js';

/** The agents of `auth.agents`, found by key (compared as SecretDigests does). */
export class ApiKeys {
  readonly #agents: SecretDigests<Agent>;

  constructor(agents: Readonly<Record<string, AgentKeyConfig>>) {
    this.#agents = new SecretDigests(Object.entries(agents).map(([name, config]) => ({ sha256: config.keySha256, holder: namedAgent(name, config.groups, 'api_key') })));
  }

  get size(): number {
    return this.#agents.size;
  }

  /** The agent whose key this is, or undefined. */
  find(key: string): Agent | undefined {
    return this.#agents.find(key);
  }
}
