import type { BudgetScope, RateLimitScope } from '../config/types.js';
import { keptName } from '../text-bounds.js';

/**
 * Store keys for rate limits. They are built from names in the policy — server, rule pattern and
 * the scope's subject — never from object identity, so counters survive a reload that keeps the
 * rule (and reset when the rule's pattern changes, since that is a different rule). The parts are
 * written as a JSON array so no character in a name can make two keys collide.
 *
 * | scope     | one budget per                              | key                                  |
 * |-----------|---------------------------------------------|--------------------------------------|
 * | `session` | server, rule, tool and agent session        | `rl:session:["srv","rule","tool","sess"]` |
 * | `tool`    | server, rule and tool, across sessions      | `rl:tool:["srv","rule","tool"]`      |
 * | `server`  | server and rule: every tool the rule matches | `rl:server:["srv","rule"]`           |
 * | `global`  | rule pattern, across all servers            | `rl:global:["rule"]`                 |
 * | `agent`   | server, rule, tool and verified agent, across its sessions | `rl:agent:["srv","rule","tool","agent"]` |
 * | `agent_server` | server, rule and verified agent: every tool the rule matches | `rl:agent_server:["srv","rule","agent"]` |
 *
 * Calls without a session (or with an empty one) share the session subject `anonymous`; so do
 * calls without a verified agent (the agent `anonymous`). The agent subject is the id the edge
 * verified (src/identity): a new session or new connection keeps the same budget. Under `global`, rules with the
 * same pattern on different servers count into one log; each still applies its own `max`.
 *
 * Tool names and sessions come from the client: a long one is written as a prefix and a hash of
 * the whole (`keptName`), so a key stays small and two long names still count apart.
 */
export function rateLimitKey(
  scope: RateLimitScope,
  server: string,
  pattern: string,
  tool: string,
  session: string | undefined,
  agent?: string,
): string {
  switch (scope) {
    case 'session':
    case 'agent':
    case 'agent_server':
      return callKeyPrefix(scope, server, pattern, tool) + callKeySuffix(scope === 'session' ? session : agent);
    case 'tool':
      return `rl:tool:${JSON.stringify([server, pattern, keptName(tool)])}`;
    case 'server':
      return `rl:server:${JSON.stringify([server, pattern])}`;
    case 'global':
      return `rl:global:${JSON.stringify([pattern])}`;
  }
}

/** Scopes whose key ends with something only the call knows: its session or its agent. */
export type CallScope = 'session' | 'agent' | 'agent_server';

export function isCallScope(scope: RateLimitScope): scope is CallScope {
  return scope === 'session' || scope === 'agent' || scope === 'agent_server';
}

/** The part of a session- or agent-scoped key known before the call; computed once per (server, tool). */
export function callKeyPrefix(scope: CallScope, server: string, pattern: string, tool: string): string {
  const head = JSON.stringify(scope === 'agent_server' ? [server, pattern] : [server, pattern, keptName(tool)]);
  return `rl:${scope}:${head.slice(0, -1)},`;
}

/** The call's subject: its session for `session`, its verified agent's id otherwise. */
export function callKeySuffix(subject: string | undefined): string {
  return `${JSON.stringify(keptName(subject || 'anonymous'))}]`;
}

/**
 * Store keys for budgets, built like rate-limit keys but under `bg:`, so the two never share a
 * counter. A budget spans every tool its rule matches unless the scope is `tool`: "at most
 * $500 of refunds per agent per day" is one sum, whichever refund tool spent it.
 *
 * | scope     | one budget per                       | key                              |
 * |-----------|--------------------------------------|----------------------------------|
 * | `agent`   | server, rule and verified agent (src/identity), across its sessions | `bg:agent:["srv","rule","agent"]`|
 * | `session` | server, rule and agent session       | `bg:session:["srv","rule","sess"]` |
 * | `tool`    | server, rule and tool                | `bg:tool:["srv","rule","tool"]`  |
 * | `server`  | server and rule                      | `bg:server:["srv","rule"]`       |
 * | `global`  | rule pattern, across all servers     | `bg:global:["rule"]`             |
 */
export function budgetKey(scope: BudgetScope, server: string, pattern: string, tool: string, session: string | undefined, agent: string | undefined): string {
  switch (scope) {
    case 'agent':
      return `bg:agent:${JSON.stringify([server, pattern, keptName(agent || 'anonymous')])}`;
    case 'session':
      return `bg:session:${JSON.stringify([server, pattern, keptName(session || 'anonymous')])}`;
    case 'tool':
      return `bg:tool:${JSON.stringify([server, pattern, keptName(tool)])}`;
    case 'server':
      return `bg:server:${JSON.stringify([server, pattern])}`;
    case 'global':
      return `bg:global:${JSON.stringify([pattern])}`;
  }
}
