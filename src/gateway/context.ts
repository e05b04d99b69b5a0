import type { Logger } from 'pino';
import type { ApprovalHub } from '../approvals/approval-hub.js';
import type { Approval } from '../approvals/types.js';
import type { PinRecord, PinStore } from '../catalog/pins.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Decision, ToolCall } from '../policy/types.js';
import type { RateLimitStore } from '../store/rate-limit-store.js';
import type { Tracing } from '../telemetry/tracing.js';

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
  /** Set when the refusal was a JSON-RPC error with this code rather than an isError tool result. */
  answeredWith?: number;
}

/** How a forwarded call ended at the upstream. */
export interface CallCompletion {
  time: number;
  call: ToolCall;
  requestId: string | number;
  /** `result`: answered; `tool_error`: answered with isError; `upstream_error`: a JSON-RPC error or a dead upstream. */
  outcome: 'result' | 'tool_error' | 'upstream_error' | 'cancelled';
  /** Milliseconds from forwarding to the answer. */
  upstreamMs: number;
  error?: { code: number; message: string };
}

/** What a proxied session needs from the gateway around it. */
export interface GatewayContext {
  /** The policy in force now; reload swaps it, so read it per call, never keep it. */
  policy(): CompiledPolicy;
  readonly rateLimits: RateLimitStore;
  now(): number;
  readonly log: Logger;
  onDecision(event: DecisionEvent): void;
  onCallCompleted(completion: CallCompletion): void;
  /** The upstream answered a session's tools/list with these tools. */
  onToolsListed?(server: string, tools: ReadonlyArray<{ name?: unknown }>): void;
  /** Where held calls wait; absent when the gateway runs without approvals (stdio mode without a data dir). */
  readonly approvals?: ApprovalHub;
  /** Pinned tool definitions (rug-pull protection); absent: pinning is off for the whole gateway. */
  readonly pins?: PinStore;
  /** OpenTelemetry traces; absent when `telemetry.otlp` is not configured (then no span is ever built). */
  readonly tracing?: Tracing;
  /** How often a held call that asked for progress is told it is still waiting. */
  readonly holdProgressMs: number;
  /** Tells the configured channels (webhook) that a call is held. */
  notifyApproval(approval: Approval, channels: string[]): void;
  /** A tool's definition was seen changed from its pin (`changedAt` names the change). */
  onPinChanged?(server: string, tool: string, changedAt: number): void;
  /** This process recorded a change, an added tool or a removal in the pin store (for the audit trail). */
  onPinRecorded?(kind: 'changed' | 'added' | 'removed', record: PinRecord): void;
  /** A held call was decided (approved, refused, expired, abandoned). `call` is the decided call's object. */
  onApprovalDecided(call: ToolCall, approval: Approval): void;
}
