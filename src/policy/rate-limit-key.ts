import type { RateLimitScope } from '../config/types.js';
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
 *
 * Calls without a session (or with an empty one) share the session subject `anonymous`. Under `global`, rules with the
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
): string {
  switch (scope) {
    case 'session':
      return sessionKeyPrefix(server, pattern, tool) + sessionKeySuffix(session);
    case 'tool':
      return `rl:tool:${JSON.stringify([server, pattern, keptName(tool)])}`;
    case 'server':
      return `rl:server:${JSON.stringify([server, pattern])}`;
    case 'global':
      return `rl:global:${JSON.stringify([pattern])}`;
  }
}

/** The part of a session-scoped key known before the call; computed once per (server, tool). */
export function sessionKeyPrefix(server: string, pattern: string, tool: string): string {
  const head = JSON.stringify([server, pattern, keptName(tool)]);
  return `rl:session:${head.slice(0, -1)},`;
}

export function sessionKeySuffix(session: string | undefined): string {
  return `${JSON.stringify(keptName(session || 'anonymous'))}]`;
}
