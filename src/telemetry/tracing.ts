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
 * built (see `openTracing`), and the OpenTelemetry packages are not even loaded: they cost
 * ~150 ms of start-up that every gateway and CLI command without telemetry would pay.
 */
import { createRequire } from 'node:module';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
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

interface OpenTelemetry {
  api: typeof import('@opentelemetry/api');
  propagator: W3CTraceContextPropagator;
}

const require = createRequire(import.meta.url);
let openTelemetry: OpenTelemetry | undefined;
/** The API and the W3C propagator, loaded with the first `Tracing`. */
function loadOpenTelemetry(): OpenTelemetry {
  if (openTelemetry === undefined) {
    const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
    openTelemetry = { api: require('@opentelemetry/api') as typeof import('@opentelemetry/api'), propagator: new W3CTraceContextPropagator() };
  }
  return openTelemetry;
}

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
  readonly #otel: OpenTelemetry;
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;

  constructor(settings: TelemetryConfig & { otlp: NonNullable<TelemetryConfig['otlp']> }, log: Logger) {
    this.#otel = loadOpenTelemetry();
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
    const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
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
    const { api, propagator } = this.#otel;
    const parentContext = parent ? propagator.extract(api.ROOT_CONTEXT, parent, getter) : api.ROOT_CONTEXT;
    const span = this.#tracer.startSpan(target === undefined ? method : `${method} ${target}`, { kind: api.SpanKind.SERVER, startTime: clock(), attributes: { 'mcp.method.name': method, ...attributes } }, parentContext);
    return new RequestTrace(this.#otel, this.#tracer, span);
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
  readonly #otel: OpenTelemetry;
  readonly #tracer: Tracer;
  readonly #root: Span;
  readonly #context: Context;
  #hold?: Span;
  #upstream?: Span;

  constructor(otel: OpenTelemetry, tracer: Tracer, root: Span) {
    this.#otel = otel;
    this.#tracer = tracer;
    this.#root = root;
    this.#context = otel.api.trace.setSpan(otel.api.context.active(), root);
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
    const { api, propagator } = this.#otel;
    this.#upstream = this.#tracer.startSpan(name, { kind: api.SpanKind.CLIENT, startTime: clock() }, this.#context);
    const carrier: TraceCarrier = {};
    propagator.inject(api.trace.setSpan(this.#context, this.#upstream), carrier, setter);
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
        span.setStatus({ code: this.#otel.api.SpanStatusCode.ERROR });
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
