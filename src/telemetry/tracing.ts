/**
 * OpenTelemetry traces of the MCP requests through the gateway, exported over OTLP/HTTP (JSON).
 *
 * One SERVER span per client request (`tools/call echo`, `tools/list`), named and attributed as
 * the OpenTelemetry MCP semantic conventions say — the same names the audit trail uses as its
 * columns. A call gets child spans for what toolgate did with it: the policy decision, an approval
 * hold, and the CLIENT span of the upstream call, whose context travels to the upstream in
 * `_meta.traceparent` so the server's own spans join the agent's trace.
 *
 * Nothing here exists when telemetry is off: the gateway holds no `Tracing`, and every hook in
 * the session is an optional call on `undefined` — no span, no context, no attribute object is
 * built (see `openTracing`).
 */
import { context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { TelemetryConfig } from '../config/types.js';
import { VERSION } from '../cli/version.js';

/** W3C trace context as it travels in `_meta` or HTTP headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** Longest trace header taken from a client: a traceparent is 55 characters, a tracestate at most 512 (W3C). */
const MAX_TRACEPARENT = 64;
const MAX_TRACESTATE = 1024;

const propagator = new W3CTraceContextPropagator();
/**
 * Every start and end time is given from this one clock: left to itself the SDK anchors each
 * span's clock separately, and a child could then seem to end after its parent.
 */
const clock = (): number => performance.timeOrigin + performance.now();
const getter = {
  keys: (carrier: TraceCarrier) => Object.keys(carrier),
  get: (carrier: TraceCarrier, key: string) => (key === 'traceparent' ? carrier.traceparent : key === 'tracestate' ? carrier.tracestate : undefined),
};
const setter = {
  set: (carrier: TraceCarrier, key: string, value: string) => {
    if (key === 'traceparent') carrier.traceparent = value;
    else if (key === 'tracestate') carrier.tracestate = value;
  },
};

/** The trace context a client sent: `_meta` first (MCP 2026-07-28), else HTTP headers; bounded, only strings. */
export function clientTraceContext(meta: unknown, headers: TraceCarrier | undefined): TraceCarrier | undefined {
  const fromMeta = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>) : undefined;
  const source = typeof fromMeta?.traceparent === 'string' ? fromMeta : headers;
  const traceparent = source?.traceparent;
  if (typeof traceparent !== 'string' || traceparent.length > MAX_TRACEPARENT) return undefined;
  const tracestate = source?.tracestate;
  return { traceparent, ...(typeof tracestate === 'string' && tracestate.length <= MAX_TRACESTATE ? { tracestate } : {}) };
}

export class Tracing {
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;

  constructor(settings: TelemetryConfig & { otlp: NonNullable<TelemetryConfig['otlp']> }, log: Logger) {
    const exporter = new OTLPTraceExporter({ url: `${settings.otlp.endpoint}/v1/traces`, headers: settings.otlp.headers });
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': VERSION }),
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
    });
    this.#tracer = this.#provider.getTracer('toolgate', VERSION);
    log.info({ endpoint: settings.otlp.endpoint }, 'tracing: spans are exported over OTLP/HTTP');
  }

  /**
   * The span of one client request. `parent` is the client's trace context; one that does not
   * parse (W3C rules) starts a new trace, as if none was sent.
   */
  startRequest(method: string, target: string | undefined, attributes: Attributes, parent: TraceCarrier | undefined): RequestTrace {
    const parentContext = parent ? propagator.extract(ROOT_CONTEXT, parent, getter) : ROOT_CONTEXT;
    const span = this.#tracer.startSpan(target === undefined ? method : `${method} ${target}`, { kind: SpanKind.SERVER, startTime: clock(), attributes: { 'mcp.method.name': method, ...attributes } }, parentContext);
    return new RequestTrace(this.#tracer, span);
  }

  /** Exports what is buffered (tests, shutdown). */
  flush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  close(): Promise<void> {
    return this.#provider.shutdown();
  }
}

/** The spans of one request, ended by the session as the request goes through its steps. */
export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #root: Span;
  readonly #context: Context;
  #hold?: Span;
  #upstream?: Span;

  constructor(tracer: Tracer, root: Span) {
    this.#tracer = tracer;
    this.#root = root;
    this.#context = trace.setSpan(otelContext.active(), root);
  }

  set(attributes: Attributes): void {
    this.#root.setAttributes(attributes);
  }

  /** The policy decision took `micros` and ended now: its span, with what was decided. */
  decided(micros: number, attributes: Attributes): void {
    this.#root.setAttributes(attributes);
    const end = clock();
    this.#tracer.startSpan('toolgate.policy', { startTime: end - micros / 1000, attributes }, this.#context).end(end);
  }

  holdStarted(): void {
    this.#hold = this.#tracer.startSpan('toolgate.approval', { startTime: clock() }, this.#context);
  }

  holdEnded(status: string, approvalId: string): void {
    this.#hold?.setAttributes({ 'toolgate.approval.status': status, 'toolgate.approval.id': approvalId });
    this.#hold?.end(clock());
    this.#hold = undefined;
    this.#root.setAttribute('toolgate.decision', status);
  }

  /** The request goes to the upstream: its CLIENT span starts; returns the context to send in `_meta`. */
  upstreamStarted(name: string): TraceCarrier {
    this.#upstream = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: clock() }, this.#context);
    const carrier: TraceCarrier = {};
    propagator.inject(trace.setSpan(this.#context, this.#upstream), carrier, setter);
    return carrier;
  }

  /** The client got its answer (or will get none): every span still open ends. `errorType` marks a failure. */
  end(errorType?: string): void {
    const at = clock();
    this.#hold?.end(at);
    for (const span of [this.#upstream, this.#root]) {
      if (!span) continue;
      if (errorType !== undefined) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end(at);
    }
  }
}

/** Tracing as the config asks: undefined (nothing is ever built) unless `telemetry.otlp.endpoint` is set. */
export function openTracing(settings: TelemetryConfig | undefined, log: Logger): Tracing | undefined {
  if (!settings?.otlp) return undefined;
  return new Tracing({ ...settings, otlp: settings.otlp }, log);
}
