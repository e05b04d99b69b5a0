import { userInfo } from 'node:os';
import type { AuthConfig } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import { AGENT_BOUNDS, namedAgent, type Agent } from './agent.js';

/**
 * The agent of `toolgate stdio`: stdio carries no credentials, so whoever may start the process is
 * trusted to say who it is (`--agent NAME`, default the local user name). When `auth.agents`
 * names it, its groups come along.
 */
export function localAgent(auth: AuthConfig | undefined, name: string | undefined): Agent {
  return configuredAgent(auth, name ?? localUserName());
}

/** The agent `name`, with its groups from `auth.agents` and `extraGroups` (`toolgate explain --agent --group`). */
export function configuredAgent(auth: AuthConfig | undefined, name: string, extraGroups: readonly string[] = []): Agent {
  if (name === '' || name.length > AGENT_BOUNDS.idLength) {
    throw new ToolgateError('invalid_request', `--agent must be a name of 1 to ${AGENT_BOUNDS.idLength} characters`);
  }
  return namedAgent(name, [...new Set([...(auth?.agents[name]?.groups ?? []), ...extraGroups])], 'local');
}

function localUserName(): string {
  try {
    return userInfo().username || 'local';
  } catch {
    return 'local'; // no passwd entry for this uid (some containers)
  }
}
