import type { Logger } from 'pino';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Decision, ToolCall } from '../policy/types.js';
import type { RateLimitStore } from '../store/rate-limit-store.js';

/** One decision on one call, as handed to logs (and, later, the audit trail). */
export interface DecisionEvent {
  time: number;
  call: ToolCall;
  decision: Decision;
  /** `true` when the call went to the upstream (allowed, or refused in monitor mode). */
  forwarded: boolean;
  policyRevision: string;
  /** Microseconds spent deciding (rule lookup, validation, conditions, rate limit). */
  policyMicros: number;
  /** The JSON-RPC id of the call, as the client sent it. */
  requestId: string | number;
}

/** What a proxied session needs from the gateway around it. */
export interface GatewayContext {
  /** The policy in force now; reload swaps it, so read it per call, never keep it. */
  policy(): CompiledPolicy;
  readonly rateLimits: RateLimitStore;
  now(): number;
  readonly log: Logger;
  onDecision(event: DecisionEvent): void;
}
