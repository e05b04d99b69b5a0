/**
 * A small OTLP/HTTP receiver for the tracing tests: it accepts what the real OpenTelemetry exporter
 * POSTs to /v1/traces (JSON encoding) and decodes it into plain spans.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
  startNs: bigint;
  endNs: bigint;
  service: string | undefined;
}

/** The JSON encoding carries ids as hex (OTLP/JSON) — or base64 from older encoders; both read as hex. */
function hexId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return /^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16) ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
}

function attributeValue(value: Record<string, unknown>): string | number | boolean {
  if ('stringValue' in value) return value.stringValue as string;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue as number;
  if ('boolValue' in value) return value.boolValue as boolean;
  return JSON.stringify(value);
}

function attributes(list: unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of (list ?? []) as Array<{ key: string; value: Record<string, unknown> }>) out[key] = attributeValue(value);
  return out;
}

export async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; requests: Array<{ path: string; contentType: string | undefined; headers: Record<string, unknown> }>; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const requests: Array<{ path: string; contentType: string | undefined; headers: Record<string, unknown> }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ path: request.url ?? '', contentType: request.headers['content-type'], headers: request.headers });
      if (request.method !== 'POST' || request.url !== '/v1/traces' || !request.headers['content-type']?.startsWith('application/json')) {
        response.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ resource: { attributes: unknown }; scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> };
      for (const resourceSpans of body.resourceSpans) {
        const service = attributes(resourceSpans.resource.attributes)['service.name'] as string | undefined;
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              traceId: hexId(span.traceId)!,
              spanId: hexId(span.spanId)!,
              parentSpanId: hexId(span.parentSpanId),
              name: span.name as string,
              kind: span.kind as number,
              attributes: attributes(span.attributes),
              status: ((span.status as { code?: number } | undefined)?.code ?? 0) as number,
              startNs: BigInt(span.startTimeUnixNano as string),
              endNs: BigInt(span.endTimeUnixNano as string),
              service,
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
