import type { Logger } from 'pino';
import type { HoldOutcome } from '../approvals/approval-hub.js';
import type { ToolDefinition } from '../catalog/types.js';
import type { ToolgateError } from '../errors.js';
import type { Agent } from '../identity/agent.js';
import type { CallTimeout } from '../policy/compile.js';
import { auditDecision } from '../audit/record.js';
import { decisionMeta, policyViolationText } from '../policy/decide.js';
import type { Decision, ToolCall } from '../policy/types.js';
import {
  errorResponse,
  INVALID_PARAMS,
  INVALID_REQUEST,
  isRequest,
  isResponse,
  UPSTREAM_ERROR,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../transport/jsonrpc.js';
import type { ClientSession, Downstream } from '../transport/client-session.js';
import type { Upstream } from '../transport/upstream.js';
import { clientTraceContext, type RequestTrace, type TraceCarrier } from '../telemetry/tracing.js';
import { keptName } from '../text-bounds.js';
import type { GatewayContext } from './context.js';
import { ForwardedRequests, type ForwardedRequest } from './forwarded-requests.js';
import { CALL_TIMEOUT, callTimeoutText, readToolCall } from './call-input.js';
import { decide } from './decide.js';
import { holdForApproval } from './holds.js';
import { OwnRequests } from './own-requests.js';
import { PinGuard } from './pin-guard.js';
import type { Reservation } from './reservation.js';
import { approveByRetry } from './retry-approval.js';
import { ToolDefinitions } from './tool-definitions.js';

export interface ProxySessionOptions {
  serverId: string;
  /** The transport's session id, when the transport has sessions. */
  sessionId?: string;
  /** Who is calling, verified by the transport before the session started; every call carries it. */
  agent: Agent;
  upstream: Upstream;
  context: GatewayContext;
}

/**
 * One client session joined to one upstream connection. Everything passes through unchanged
 * except what the policy acts on: `tools/call` is decided before it is forwarded, and hidden tools
 * are taken out of `tools/list` results.
 */
export class ProxySession implements ClientSession {
  readonly serverId: string;
  readonly sessionId?: string;
  readonly agent: Agent;
  downstream?: Downstream;

  readonly #upstream: Upstream;
  readonly #context: GatewayContext;
  readonly #log: Logger;
  readonly #forwarded = new ForwardedRequests();
  /** The gateway's own requests to the upstream (tools/list for definitions): only upstream messages answer them. */
  readonly #upstreamRequests = new OwnRequests();
  /** The gateway's own requests to this session's client (an approval's elicitation): only this client answers them. */
  readonly #clientRequests = new OwnRequests();
  /** Held calls: client request id -> approval id. */
  readonly #holds = new Map<RequestId, string>();
  #clientCapabilities: Record<string, unknown> = {};
  readonly #definitions: ToolDefinitions;
  readonly #pins?: PinGuard;
  /** Spans of the requests in flight, by client request id; absent when tracing is off (nothing is built then). */
  readonly #traces?: Map<RequestId, RequestTrace>;
  #ended?: ToolgateError;

  constructor(options: ProxySessionOptions) {
    this.serverId = options.serverId;
    this.sessionId = options.sessionId;
    this.agent = options.agent;
    this.#upstream = options.upstream;
    this.#context = options.context;
    this.#log = options.context.log.child({ server: options.serverId, session: options.sessionId, agent: options.agent.id });
    if (options.context.tracing) this.#traces = new Map();
    if (options.context.pins) {
      this.#pins = new PinGuard(options.context.pins, options.serverId, this.#log, {
        onChanged: (tool, changedAt) => options.context.onPinChanged?.(options.serverId, tool, changedAt),
        onRecorded: (kind, record) => options.context.onPinRecorded?.(kind, record),
      });
    }
    this.#definitions = new ToolDefinitions((cursor) => this.#requestUpstream('tools/list', cursor === undefined ? {} : { cursor }));
    this.#upstream.onmessage = (message, raw, related) => this.#fromUpstream(message, raw, related);
    this.#upstream.onclose = (error) => this.#upstreamEnded(error);
    this.#upstream.onresponsestream = (requestId) => this.downstream?.streaming?.(requestId);
  }

  get ended(): ToolgateError | undefined {
    return this.#ended;
  }

  /** A message from the client; `traceHeaders`: the W3C trace context of its HTTP request, if any. */
  handleClientMessage(message: JsonRpcMessage, raw?: string, traceHeaders?: TraceCarrier): void {
    if (isResponse(message)) {
      if (this.#clientRequests.settle(message)) return;
      if (this.#upstreamRequests.owns(message.id)) {
        this.#log.warn({ id: message.id }, "the client answered a request the gateway sent to the upstream; dropped");
        return;
      }
    }
    if (isRequest(message)) {
      if (this.#upstreamRequests.owns(message.id)) {
        // Cannot be guessed; refused all the same, so the upstream's answer could never be taken for the gateway's own.
        this.#reply(errorResponse(message.id, INVALID_REQUEST, 'Invalid request: this request id is reserved by toolgate; use another id'));
        return;
      }
      if (message.method === 'initialize') this.#clientCapabilities = (message.params?.capabilities as Record<string, unknown> | undefined) ?? {};
      if (this.#ended) {
        this.#reply(errorResponse(message.id, UPSTREAM_ERROR, this.#ended.message));
        return;
      }
      if (this.#traces) this.#startTrace(message, traceHeaders);
      if (message.method === 'tools/call') {
        void this.#handleToolCall(message, raw).catch((error: unknown) => this.#log.error({ err: error, requestId: message.id }, 'a tool call failed inside toolgate'));
        return;
      }
      this.#forwardRequest(message, raw);
      return;
    }
    if ('method' in message && message.method === 'notifications/cancelled') this.#clientCancelled(message.params?.requestId as RequestId | undefined);
    this.#upstream.send(message, raw);
  }

  /** The client stopped waiting for this request (its stream closed): a held call is abandoned. */
  requestGone(requestId: RequestId): void {
    this.#abandonHold(requestId, "the agent's connection closed while the call was held");
  }

  async close(): Promise<void> {
    for (const requestId of [...this.#holds.keys()]) this.#abandonHold(requestId, 'the agent session ended while the call was held');
    this.#clientRequests.failAll('the agent session ended');
    this.#forwarded.stopTimers();
    await this.#upstream.close();
  }

  #forwardRequest(message: JsonRpcRequest, raw: string | undefined, reservation?: Reservation, call?: ToolCall): void {
    const progressToken = (message.params?._meta as { progressToken?: string | number } | undefined)?.progressToken;
    const laterPage = message.method === 'tools/list' && message.params?.cursor !== undefined;
    this.#forwarded.add(message.id, { method: message.method, progressToken, reservation, call, forwardedAt: call ? performance.now() : undefined, laterPage });
    const trace = this.#traces?.get(message.id);
    if (trace) {
      // The upstream's spans join the agent's trace under the gateway's upstream span.
      const carrier = trace.upstreamStarted(call ? `${message.method} ${keptName(call.tool)}` : message.method);
      const { traceparent: _parent, tracestate: _state, ...meta } = (message.params?._meta as Record<string, unknown> | undefined) ?? {};
      this.#upstream.send({ ...message, params: { ...message.params, _meta: { ...meta, ...carrier } } });
      return;
    }
    this.#upstream.send(message, raw);
  }

  #startTrace(message: JsonRpcRequest, headers: TraceCarrier | undefined): void {
    const tool = message.method === 'tools/call' && typeof message.params?.name === 'string' ? keptName(message.params.name) : undefined;
    const attributes = {
      'jsonrpc.request.id': keptName(String(message.id)),
      'toolgate.server': this.serverId,
      ...(this.sessionId === undefined ? {} : { 'mcp.session.id': this.sessionId }),
      ...(tool === undefined ? {} : { 'gen_ai.tool.name': tool, 'gen_ai.operation.name': 'execute_tool' }),
    };
    this.#traces!.set(message.id, this.#context.tracing!.startRequest(message.method, tool, attributes, clientTraceContext(message.params?._meta, headers)));
  }

  /** The client got its answer, or will get none: the request's spans end. */
  #endTrace(id: RequestId, errorType?: string): void {
    const trace = this.#traces?.get(id);
    if (!trace) return;
    this.#traces!.delete(id);
    trace.end(errorType);
  }

  async #handleToolCall(message: JsonRpcRequest, raw: string | undefined): Promise<void> {
    const policy = this.#context.policy();
    const input = readToolCall(message, this.serverId, this.sessionId, this.agent, policy.toolNameLength);
    if (!input.ok) {
      if (input.overLong) this.#refusedOverLongName(message, input.overLong, policy.revision);
      this.#reply(input.error);
      this.#endTrace(message.id, 'error' in input.error ? String(input.error.error.code) : undefined);
      return;
    }
    const { call } = input;
    const tool = call.tool;
    const started = performance.now();
    let decision: Decision;
    let reservation: Reservation | undefined;
    let definition: ToolDefinition | undefined;
    try {
      const pinning = this.#pins ? policy.pinningFor(this.serverId) : 'off';
      definition = pinning !== 'off' || policy.needsDefinition(this.serverId, tool, this.agent) ? await this.#definitions.get(tool) : undefined;
      const pin = pinning !== 'off' && definition ? await this.#pins!.judge(definition, pinning) : undefined;
      if (pin?.refused) {
        decision = { kind: 'deny', rule: { pattern: 'pinning', part: 'pinning' }, mode: policy.modeFor(this.serverId), reason: pin.reason };
      } else {
        ({ decision, reservation } = await decide(policy, call, this.#context.rateLimits, this.#context.now(), definition));
      }
    } catch (error) {
      // A store or upstream failure while deciding refuses the call: a guard that cannot run must not let calls through.
      const reason = `toolgate could not decide on this call: ${(error as Error).message}`;
      this.#log.error({ err: error, tool }, 'decision failed');
      decision = { kind: 'deny', rule: { pattern: 'toolgate', part: 'error' }, mode: 'enforce', reason };
    }
    if (decision.kind === 'hold' && this.#context.approvals?.isGranted(call.server, call.tool, call.session)) {
      // A person approved this tool for this session a while ago: the call passes as allowed.
      const { rateLimit, budget } = decision;
      decision = { kind: 'allow', rule: decision.rule, mode: decision.mode, ...(rateLimit ? { rateLimit } : {}), ...(budget ? { budget } : {}) };
    }
    const policyMicros = (performance.now() - started) * 1000;
    this.#traces?.get(message.id)?.decided(policyMicros, { ...(call.agent ? { 'enduser.id': call.agent.id } : {}), 'toolgate.decision': auditDecision(decision), 'toolgate.rule': decision.rule.pattern, 'toolgate.policy.revision': policy.revision });
    const refused = decision.kind !== 'allow';
    const forwarded = !refused || decision.mode === 'monitor';
    this.#context.onDecision({
      time: Date.now(),
      call,
      decision,
      forwarded,
      policyRevision: policy.revision,
      policyMicros,
      requestId: message.id,
    });
    const timeout = policy.callTimeout(this.serverId, tool, definition, this.agent);
    if (decision.kind === 'hold' && decision.mode === 'enforce') {
      await this.#hold(message, raw, call, decision, timeout, reservation);
      return;
    }
    if (forwarded) {
      await this.#forwardCall(message, raw, call, timeout, reservation);
      return;
    }
    if (decision.kind === 'hide') {
      this.#reply(errorResponse(message.id, INVALID_PARAMS, `Unknown tool: ${tool}`));
      this.#endTrace(message.id, String(INVALID_PARAMS));
      return;
    }
    this.#refuse(message.id, call, policyViolationText(call, decision), decisionMeta(call, decision, policy.revision));
  }

  /** Holds the call until a person decides; forwards exactly the held arguments on approval. */
  async #hold(
    message: JsonRpcRequest,
    raw: string | undefined,
    call: ToolCall,
    decision: Extract<Decision, { kind: 'hold' }>,
    timeout: CallTimeout,
    reservation?: Reservation,
  ): Promise<void> {
    const hub = this.#context.approvals;
    const revision = this.#context.policy().revision;
    if (!hub) {
      await reservation?.end('not_forwarded');
      this.#refuse(message.id, call, `Policy violation: tool "${call.tool}" on server "${call.server}" needs a person's approval, but this gateway has no approval store (it runs without a data_dir).`, decisionMeta(call, decision, revision));
      return;
    }
    if (this.downstream?.askByRetry) {
      // A 2026-07-28 client: its own user may be asked by an input_required answer, and its retry settles the approval.
      let byRetry: Awaited<ReturnType<typeof approveByRetry>>;
      try {
        byRetry = await approveByRetry(
          { hub, downstream: this.downstream, notify: (approval, channels) => this.#context.notifyApproval(approval, channels), now: this.#context.now, log: this.#log },
          { call, requestId: message.id, rule: decision.rule.pattern, approval: decision.approval },
        );
      } catch (error) {
        // The approval store failed: a hold nobody can decide must not let the call through.
        await reservation?.end('not_forwarded');
        this.#log.error({ err: error, tool: call.tool }, 'cannot ask for an approval by retry');
        this.#refuse(message.id, call, `Policy violation: tool "${call.tool}" on server "${call.server}" needs a person's approval, and toolgate could not record one: ${(error as Error).message}`, decisionMeta(call, decision, revision));
        return;
      }
      if (byRetry.kind === 'asked') {
        await reservation?.end('not_forwarded');
        this.#endTrace(message.id); // the client asks its user; its retry is a request of its own
        return;
      }
      if (byRetry.kind === 'decided') {
        await this.#holdEnded(message, call, decision, { approved: byRetry.approved, approval: byRetry.approval } as HoldOutcome, timeout, reservation, byRetry.approved ? withArguments(message, byRetry.approval.arguments) : undefined);
        return;
      }
    }
    this.downstream?.streaming?.(message.id);
    this.#traces?.get(message.id)?.holdStarted();
    const outcome = await holdForApproval(
      {
        hub,
        notify: (approval, channels) => this.#context.notifyApproval(approval, channels),
        sendToClient: (notification, related) => this.#deliver(notification, undefined, related),
        askClient: (method, params, related) => this.#requestClient(method, params, related),
        clientCanElicit: this.#clientCapabilities.elicitation !== undefined,
        progressEveryMs: this.#context.holdProgressMs,
        log: this.#log,
      },
      {
        call,
        requestId: message.id,
        progressToken: (message.params?._meta as { progressToken?: string | number } | undefined)?.progressToken,
        rule: decision.rule.pattern,
        approval: decision.approval,
        onHeld: (approvalId) => this.#holds.set(message.id, approvalId),
      },
    );
    this.#holds.delete(message.id);
    await this.#holdEnded(message, call, decision, outcome, timeout, reservation, outcome.approved ? { message, raw } : undefined);
  }

  /** Carries out how a hold ended: forwards `approved` (exactly the held call), or refuses. */
  async #holdEnded(
    message: JsonRpcRequest,
    call: ToolCall,
    decision: Extract<Decision, { kind: 'hold' }>,
    outcome: HoldOutcome,
    timeout: CallTimeout,
    reservation: Reservation | undefined,
    approved: { message: JsonRpcRequest; raw?: string } | undefined,
  ): Promise<void> {
    const revision = this.#context.policy().revision;
    const { approval } = outcome;
    this.#context.onApprovalDecided(call, approval);
    this.#traces?.get(message.id)?.holdEnded(approval.status, approval.id);
    if (approved) {
      await this.#forwardCall(approved.message, approved.raw, call, timeout, reservation); // the timeout starts now: held time does not count
      return;
    }
    await reservation?.end('not_forwarded');
    if (approval.status === 'abandoned') {
      this.#endTrace(message.id, 'abandoned');
      return; // nobody is waiting for an answer
    }
    const why = approval.status === 'expired' ? `the approval expired: ${approval.reason}` : `${approval.decidedBy ?? 'the approver'} refused it: ${approval.reason}`;
    this.#refuse(message.id, call, `Policy violation: tool "${call.tool}" on server "${call.server}" was held for approval by rule "${decision.rule.pattern}" and ${why}`, {
      ...decisionMeta(call, decision, revision),
      decision: approval.status,
      approvalId: approval.id,
      reason: approval.reason,
      decidedBy: approval.decidedBy,
    });
  }

  /** Forwards a decided call, unless the upstream died meanwhile (then its slot is given back). */
  async #forwardCall(message: JsonRpcRequest, raw: string | undefined, call: ToolCall, timeout: CallTimeout, reservation?: Reservation): Promise<void> {
    if (this.#ended) {
      await reservation?.end('not_forwarded');
      this.#reply(errorResponse(message.id, UPSTREAM_ERROR, this.#ended.message));
      this.#endTrace(message.id, String(UPSTREAM_ERROR));
      return;
    }
    this.#forwardRequest(message, raw, reservation, call);
    const timer = setTimeout(() => this.#callTimedOut(message.id, timeout), timeout.ms);
    timer.unref();
    this.#forwarded.get(message.id)!.timer = timer;
  }

  /** The upstream kept a forwarded call past its timeout: the agent is told, the upstream is told to stop. */
  #callTimedOut(id: RequestId, timeout: CallTimeout): void {
    const pending = this.#forwarded.settle(id);
    if (!pending?.call) return;
    const text = callTimeoutText(pending.call, timeout);
    this.#log.warn({ tool: pending.call.tool, timeoutMs: timeout.ms }, 'upstream did not answer a call in time; cancelled');
    this.#upstream.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: text } });
    void pending.reservation?.end('timed_out');
    const response = errorResponse(id, CALL_TIMEOUT, text, { timeoutMs: timeout.ms, setting: timeout.setting });
    this.#completed(id, pending, response);
    this.#reply(response);
    this.#endTrace(id, String(CALL_TIMEOUT));
  }

  /** A tools/call whose name passed limits.tool_name_length: audited under a bounded prefix, answered -32602 by the caller. */
  #refusedOverLongName(message: JsonRpcRequest, overLong: { prefix: string; reason: string }, revision: string): void {
    this.#context.onDecision({
      time: Date.now(),
      call: { server: this.serverId, tool: overLong.prefix, args: {}, session: this.sessionId },
      decision: { kind: 'deny', rule: { pattern: 'limits', part: 'tool_name_length' }, mode: 'enforce', reason: overLong.reason },
      forwarded: false,
      policyRevision: revision,
      policyMicros: 0,
      requestId: message.id,
      answeredWith: INVALID_PARAMS,
    });
  }

  /** True when the request was a held call (now abandoned). */
  #abandonHold(requestId: RequestId, reason: string): boolean {
    const approvalId = this.#holds.get(requestId);
    if (approvalId === undefined) return false;
    this.#holds.delete(requestId);
    this.#context.approvals?.abandon(approvalId, reason);
    return true;
  }

  #refuse(id: RequestId, call: ToolCall, text: string, meta: Record<string, unknown>): void {
    this.#reply({
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text }], isError: true, _meta: { 'toolgate/decision': meta } },
    });
    this.#endTrace(id, 'tool_error');
  }

  #fromUpstream(message: JsonRpcMessage, raw: string | undefined, related: RequestId | undefined): void {
    if (isResponse(message)) {
      if (this.#upstreamRequests.settle(message)) return;
      const id = message.id;
      if (id === null) {
        this.#log.warn({ error: 'error' in message ? message.error : undefined }, 'upstream sent an error with no request id');
        return;
      }
      const pending = this.#forwarded.settle(id);
      if (!pending) {
        // Cancelled or timed out meanwhile: the client was already answered, or must not be.
        this.#log.debug({ id }, 'upstream answered a request no longer waiting; dropped');
        return;
      }
      if ('error' in message) void pending.reservation?.end('error');
      else if ((message.result as { isError?: unknown } | null)?.isError === true) void pending.reservation?.end('tool_error');
      if (pending.call) this.#completed(id, pending, message);
      if (this.#traces) this.#endTrace(id, 'error' in message ? String(message.error.code) : (message.result as { isError?: unknown }).isError === true ? 'tool_error' : undefined);
      if (pending.method === 'tools/list' && 'result' in message) {
        void this.#filterToolList(message, pending.laterPage === true).then(
          (filtered) => this.#deliver(filtered, filtered === message ? raw : undefined, id),
          (error: unknown) => {
            this.#log.error({ err: error }, 'cannot filter a tools/list answer; the client gets an error instead');
            this.#deliver(errorResponse(id, UPSTREAM_ERROR, 'toolgate could not check this tool list against its policy; try again'), undefined, id);
          },
        );
        return;
      }
      this.#deliver(message, raw, id);
      return;
    }
    if ('method' in message && message.method === 'notifications/tools/list_changed') this.#definitions.clear();
    this.#deliver(message, raw, related ?? (this.#upstream.tiesMessagesToRequests ? undefined : this.#forwarded.guessRelated(message)));
  }

  /** `laterPage`: the request asked for a page after the first, so the answer is not the whole list. */
  async #filterToolList(message: JsonRpcResponse, laterPage: boolean): Promise<JsonRpcResponse> {
    const result = (message as { result: { tools?: unknown; nextCursor?: unknown } }).result;
    if (!Array.isArray(result.tools)) return message;
    const tools = result.tools as Array<{ name?: unknown; inputSchema?: unknown }>;
    this.#definitions.remember(tools);
    this.#context.onToolsListed?.(this.serverId, tools);
    const policy = this.#context.policy();
    const pinning = this.#pins ? policy.pinningFor(this.serverId) : 'off';
    // Checked in warn mode too: the change is recorded and logged, the tool stays listed.
    const complete = !laterPage && (result.nextCursor === undefined || result.nextCursor === '');
    const pinned = pinning === 'off' ? tools : await this.#pins!.listable(tools, pinning, complete);
    const visible = pinned.filter((tool) => typeof tool.name !== 'string' || !policy.isHidden(this.serverId, tool.name, tool as ToolDefinition, this.agent));
    if (visible.length === tools.length) return message;
    return { ...message, result: { ...result, tools: visible } } as JsonRpcResponse;
  }

  #completed(id: RequestId, pending: ForwardedRequest, response: JsonRpcResponse | undefined): void {
    const outcome = response === undefined ? 'cancelled' : 'error' in response ? 'upstream_error' : response.result.isError === true ? 'tool_error' : 'result';
    this.#context.onCallCompleted({
      time: Date.now(),
      call: pending.call!,
      requestId: id,
      outcome,
      upstreamMs: performance.now() - pending.forwardedAt!,
      error: response !== undefined && 'error' in response ? { code: response.error.code, message: response.error.message } : undefined,
    });
  }

  #clientCancelled(requestId: RequestId | undefined): void {
    if (requestId === undefined) return;
    if (this.#abandonHold(requestId, 'the agent cancelled the call while it was held')) {
      this.downstream?.abandon(requestId); // no answer will come: release the call's stream
      return;
    }
    const pending = this.#forwarded.settle(requestId);
    if (!pending) return;
    if (pending.call) this.#completed(requestId, pending, undefined);
    this.#endTrace(requestId, 'cancelled');
    this.downstream?.abandon(requestId);
  }

  /** A request of the gateway's own (e.g. `tools/list` for schemas); its answer never reaches the client. */
  #requestUpstream(method: string, params: Record<string, unknown>): Promise<JsonRpcResponse> {
    if (this.#ended) return Promise.reject(this.#ended);
    const { id, answer } = this.#upstreamRequests.issue();
    this.#upstream.send({ jsonrpc: '2.0', id, method, params });
    return answer;
  }

  /** A request of the gateway's own to the client (e.g. elicitation for an approval). */
  #requestClient(method: string, params: Record<string, unknown>, related: RequestId): Promise<JsonRpcResponse> {
    const { id, answer } = this.#clientRequests.issue();
    this.#deliver({ jsonrpc: '2.0', id, method, params }, undefined, related);
    return answer;
  }

  #upstreamEnded(error: ToolgateError): void {
    if (this.#ended) return;
    this.#ended = error;
    for (const [id, pending] of this.#forwarded.settleAll()) {
      void pending.reservation?.end('upstream_lost');
      const response = errorResponse(id, UPSTREAM_ERROR, error.message);
      if (pending.call) this.#completed(id, pending, response);
      this.#deliver(response, undefined, id);
      this.#endTrace(id, String(UPSTREAM_ERROR));
    }
    this.#upstreamRequests.failAll(error.message);
    this.#clientRequests.failAll(error.message);
    this.downstream?.end(error);
  }

  #reply(response: JsonRpcResponse): void {
    this.#deliver(response, undefined, response.id ?? undefined);
  }

  #deliver(message: JsonRpcMessage, raw: string | undefined, related: RequestId | undefined): void {
    if (!this.downstream) {
      this.#log.warn({ kind: 'method' in message ? message.method : 'response' }, 'message for a session with no client attached; dropped');
      return;
    }
    this.downstream.send(message, raw, related);
  }
}

/** The call with exactly the arguments a person approved (the retry that carries the approval is bound to them). */
function withArguments(message: JsonRpcRequest, args: Record<string, unknown>): { message: JsonRpcRequest } {
  return { message: { ...message, params: { ...message.params, arguments: args } } };
}
