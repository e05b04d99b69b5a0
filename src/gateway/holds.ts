import type { Logger } from 'pino';
import type { ApprovalHub, HoldOutcome } from '../approvals/approval-hub.js';
import type { Approval } from '../approvals/types.js';
import type { ToolgateError } from '../errors.js';
import type { ApprovalRule, ToolCall } from '../policy/types.js';
import type { JsonRpcMessage, JsonRpcResponse, RequestId } from '../transport/jsonrpc.js';

export interface HoldDeps {
  hub: ApprovalHub;
  /** Tells the configured channels that a hold started. */
  notify(approval: Approval, channels: string[]): void;
  /** Sends a message to this session's client, on the held call's stream. */
  sendToClient(message: JsonRpcMessage, related: RequestId): void;
  /** Sends a request of the gateway's own to the client and waits for the answer. */
  askClient(method: string, params: Record<string, unknown>, related: RequestId): Promise<JsonRpcResponse>;
  clientCanElicit: boolean;
  /** How often a held call with a progress token gets a progress notification. */
  progressEveryMs: number;
  log: Logger;
}

export interface HoldInput {
  call: ToolCall;
  requestId: RequestId;
  progressToken?: string | number;
  rule: string;
  approval: ApprovalRule;
  category?: string;
  risk?: string;
  /** Called with the approval's id as soon as it exists, so the caller can abandon it. */
  onHeld(approvalId: string): void;
}

/**
 * Holds a call until it is decided. The call's stream stays open meanwhile: progress
 * notifications when the client asked for progress, SSE keep-alives otherwise.
 */
export async function holdForApproval(deps: HoldDeps, input: HoldInput): Promise<HoldOutcome> {
  const { approval, outcome } = await deps.hub.hold({
    server: input.call.server,
    tool: input.call.tool,
    arguments: input.call.args,
    session: input.call.session,
    agent: input.call.agent?.id,
    requestId: input.requestId,
    rule: input.rule,
    category: input.category,
    risk: input.risk,
    timeoutMs: input.approval.timeoutMs,
  });
  if (approval.status !== 'pending') return outcome; // the store could not take the hold: refused already
  input.onHeld(approval.id);
  if (input.approval.notify.length) deps.notify(approval, input.approval.notify);

  const started = Date.now();
  const progress =
    input.progressToken === undefined
      ? undefined
      : setInterval(() => {
          const seconds = Math.round((Date.now() - started) / 1000);
          deps.sendToClient(
            {
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { progressToken: input.progressToken!, progress: seconds, message: `Waiting for approval ${approval.id} (expires in ${Math.max(0, Math.round((approval.expiresAt - Date.now()) / 1000))}s)` },
            },
            input.requestId,
          );
        }, deps.progressEveryMs);
  progress?.unref();

  if (input.approval.via === 'elicitation' && deps.clientCanElicit) void askTheUser(deps, approval, input.requestId);
  try {
    return await outcome;
  } finally {
    if (progress) clearInterval(progress);
  }
}

/**
 * `via: elicitation`: the agent's own user answers through the client (`elicitation/create`).
 * This is the person driving the agent, not a second approver; the dashboard can still decide.
 */
async function askTheUser(deps: HoldDeps, approval: Approval, related: RequestId): Promise<void> {
  let response: JsonRpcResponse;
  try {
    response = await deps.askClient('elicitation/create', approvalQuestion(approval), related);
  } catch (error) {
    deps.log.debug({ err: error }, 'elicitation for an approval failed; the dashboard can still decide');
    return;
  }
  const result = 'result' in response ? response.result : undefined;
  try {
    if (result) await decideByAnswer(deps.hub, approval.id, result);
  } catch (error) {
    // Decided meanwhile (dashboard, timeout): the first answer stands. A store error leaves the call held.
    if ((error as ToolgateError).code !== 'conflict') deps.log.error({ err: error, approval: approval.id }, "cannot record the agent's user's answer; the call stays held");
  }
}

/** Who decided when the agent's own user answered. */
export const USER_APPROVER = "the agent's user (elicitation)";

/** The form that asks the agent's user to allow a held call. */
export function approvalQuestion(approval: Approval): Record<string, unknown> {
  const args = JSON.stringify(approval.arguments, null, 2);
  return {
    mode: 'form',
    message: `The agent wants to run "${approval.tool}" on "${approval.server}"${approval.category ? ` (${approval.category})` : ''} with these arguments:\n${args}\nAllow it?`,
    requestedSchema: {
      type: 'object',
      properties: { approve: { type: 'boolean', title: 'Allow this call', description: `toolgate approval ${approval.id}` } },
      required: ['approve'],
    },
  };
}

/** Approves or refuses a pending approval by the user's answer to `approvalQuestion` (an `ElicitResult`). Rejects when it was decided already. */
export function decideByAnswer(hub: ApprovalHub, approvalId: string, answer: Record<string, unknown>): Promise<Approval> {
  const content = answer.content as { approve?: unknown } | undefined;
  if (answer.action === 'accept' && content?.approve === true) return hub.approve(approvalId, { approver: USER_APPROVER });
  const why = answer.action === 'accept' ? 'did not allow it' : `chose ${typeof answer.action === 'string' ? answer.action : 'no answer'}`;
  return hub.refuse(approvalId, `the user ${why} when asked`, USER_APPROVER);
}
