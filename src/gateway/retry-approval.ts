import type { Logger } from 'pino';
import type { ApprovalHub, HoldOutcome } from '../approvals/approval-hub.js';
import type { Approval } from '../approvals/types.js';
import type { ApprovalRule, ToolCall } from '../policy/types.js';
import type { Downstream } from '../transport/client-session.js';
import type { RequestId } from '../transport/jsonrpc.js';
import { approvalQuestion, decideByAnswer } from './holds.js';

/** The key of toolgate's question in `inputRequests` and, on the retry, in `inputResponses`. */
export const APPROVAL_INPUT_KEY = 'toolgate_approval';

export interface RetryApprovalDeps {
  hub: ApprovalHub;
  downstream: Downstream;
  notify(approval: Approval, channels: string[]): void;
  now(): number;
  log: Logger;
}

export interface RetryApprovalInput {
  call: ToolCall;
  requestId: RequestId;
  rule: string;
  approval: ApprovalRule;
}

/**
 * - `asked`: the client was answered `input_required`; its retry brings the user's answer;
 * - `unavailable`: this client cannot be asked by retry (a 2025 session, no elicitation
 *   capability): hold the call on its stream instead;
 * - a hold outcome: the retry settled the approval.
 */
export type RetryApprovalOutcome = { kind: 'asked' } | { kind: 'unavailable' } | ({ kind: 'decided' } & HoldOutcome);

/**
 * `approval: { via: elicitation }` for an MCP 2026-07-28 client: the held call is answered with an
 * `input_required` elicitation that asks the agent's own user, and a sealed state naming the
 * approval. The retry carries the answer: accepted, the call goes on (the state binds the retry
 * to exactly the held arguments); declined, it is refused. Until then the approval is pending
 * like any other, so the dashboard or the CLI can decide it too, and the retry finds that.
 */
export async function approveByRetry(deps: RetryApprovalDeps, input: RetryApprovalInput): Promise<RetryApprovalOutcome> {
  const { hub, downstream } = deps;
  const retry = downstream.retryAnswer?.(input.requestId);
  if (retry?.kind === 'approval') {
    const approval = await hub.get(retry.data);
    // An approval abandoned meanwhile (its first exchange went away, the gateway restarted) is asked anew below.
    if (approval && approval.status !== 'abandoned' && approval.server === input.call.server && approval.tool === input.call.tool) {
      return await settle(deps, input, approval, retry.inputResponses[APPROVAL_INPUT_KEY]);
    }
  }
  if (input.approval.via !== 'elicitation' || !downstream.canAskByRetry?.(input.requestId, 'elicitation/create')) return { kind: 'unavailable' };
  const { approval, outcome } = await hub.hold({
    server: input.call.server,
    tool: input.call.tool,
    arguments: input.call.args,
    session: input.call.session,
    agent: input.call.agent?.id,
    requestId: input.requestId,
    rule: input.rule,
    timeoutMs: input.approval.timeoutMs,
  });
  // Nothing waits on this hold: the retry reads how it ended from the store.
  void outcome;
  if (approval.status !== 'pending') return { kind: 'decided', approved: false, approval }; // the store could not take it
  if (input.approval.notify.length) deps.notify(approval, input.approval.notify);
  const asked = ask(deps, input, approval);
  if (asked.kind === 'unavailable') hub.abandon(approval.id, 'the agent went away before it could be asked');
  return asked;
}

async function settle(deps: RetryApprovalDeps, input: RetryApprovalInput, approval: Approval, answer: unknown): Promise<RetryApprovalOutcome> {
  let current = approval;
  if (current.status === 'pending' && answer !== null && typeof answer === 'object' && !Array.isArray(answer)) {
    try {
      current = await decideByAnswer(deps.hub, current.id, answer as Record<string, unknown>);
    } catch (error) {
      // Decided meanwhile (the dashboard, a timeout): that decision stands. A store error: ask again.
      deps.log.debug({ err: error, approval: current.id }, "the user's answer was not recorded");
      current = (await deps.hub.get(current.id).catch(() => undefined)) ?? current;
    }
  }
  if (current.status === 'pending') return ask(deps, input, current); // no answer yet: ask again
  return { kind: 'decided', approved: current.status === 'approved', approval: current } as RetryApprovalOutcome;
}

function ask(deps: RetryApprovalDeps, input: RetryApprovalInput, approval: Approval): RetryApprovalOutcome {
  const ttlMs = Math.max(1000, approval.expiresAt - deps.now());
  const asked = deps.downstream.askByRetry!(input.requestId, { [APPROVAL_INPUT_KEY]: { method: 'elicitation/create', params: approvalQuestion(approval) } }, { kind: 'approval', data: approval.id, ttlMs });
  return asked ? { kind: 'asked' } : { kind: 'unavailable' };
}
