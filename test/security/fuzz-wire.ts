/**
 * A raw HTTP/1.1 client for the fuzzer: it writes exactly the bytes it is given (Node's own client
 * refuses bad header values, odd methods and raw paths), one connection per request, and reads
 * the answer with a bound on time.
 */
import { connect } from 'node:net';

export interface HttpRequest {
  method: string;
  /** Sent as is (UTF-8), no encoding applied. */
  path: string;
  /** Every header line, in order; duplicates allowed. `Host` is not added when absent. */
  headers: Array<[string, string]>;
  body?: Buffer;
  /** `auto` (default): Content-Length of the body; `chunked`: chunked encoding; a number: that value, whatever the body. */
  contentLength?: 'auto' | 'chunked' | number;
  /** End our side after writing (a body shorter than its Content-Length then ends early). */
  halfClose?: boolean;
}

export type HttpOutcome =
  /** `complete`: the whole body arrived (by Content-Length or the last chunk), not only what came before the connection closed. */
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer; complete: boolean }
  | { kind: 'closed'; received: number }
  | { kind: 'timeout'; received: number };

/** The request as bytes, always asking the server to close the connection after its answer. */
export function encodeRequest(request: HttpRequest): Buffer {
  let body = request.body ?? Buffer.alloc(0);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, ...request.headers.map(([name, value]) => `${name}: ${value}`)];
  const length = request.contentLength ?? 'auto';
  if (length === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    body = chunked(body);
  } else if (length === 'auto' && (body.length > 0 || request.method === 'POST')) lines.push(`Content-Length: ${body.length}`);
  else if (typeof length === 'number') lines.push(`Content-Length: ${length}`);
  lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
}

function chunked(body: Buffer, size = 65_536): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/**
 * Sends `bytes` on a fresh connection and reads until the server closes it (we ask for
 * `Connection: close`). A `text/event-stream` answer to a GET resolves as soon as its headers are
 * in (such a stream stays open by design); everything else must end within `timeoutMs`.
 */
export function exchange(
  port: number,
  bytes: Buffer,
  options: {
    timeoutMs: number;
    halfClose?: boolean;
    streamHeadersSuffice?: boolean;
    /** Connect now, write only once this settles: requests that race each other are not slowed by connecting. */
    writeAfter?: Promise<unknown>;
  },
): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const parsed = () => parseResponse(Buffer.concat(chunks));
    const timer = setTimeout(() => finish({ kind: 'timeout', received }), options.timeoutMs);
    socket.on('connect', () => {
      void Promise.resolve(options.writeAfter).then(() => {
        if (settled) return;
        socket.write(bytes, () => {
          if (options.halfClose) socket.end();
        });
      });
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const response = parsed();
      if (!response) return;
      // A complete response ends the exchange even if the server keeps the connection open.
      if (response.complete) finish(response);
      else if (options.streamHeadersSuffice && response.status === 200 && (response.headers['content-type'] ?? '').startsWith('text/event-stream')) finish(response);
    });
    // A reset after the server answered (e.g. 413 while we were still writing) still counts as that answer.
    const ended = () => finish(parsed() ?? { kind: 'closed', received });
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('error', ended);
  });
}

/** Parses a complete HTTP/1.1 response (chunked or not); undefined while the head is incomplete. */
export function parseResponse(bytes: Buffer): Extract<HttpOutcome, { kind: 'response' }> | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const [statusLine, ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(headEnd + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') return { kind: 'response', status, headers, ...dechunk(rest) };
  const length = Number(headers['content-length']);
  const bodyless = status === 204 || status === 304 || (status >= 100 && status < 200);
  return { kind: 'response', status, headers, body: Number.isInteger(length) ? rest.subarray(0, length) : rest, complete: bodyless || (Number.isInteger(length) && rest.length >= length) };
}

/** The payload of a chunked body as far as it arrived, and whether its last chunk did. */
function dechunk(bytes: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) return { body: Buffer.concat(parts), complete: false };
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), complete: false };
    if (size === 0) return { body: Buffer.concat(parts), complete: true };
    if (bytes.length < lineEnd + 2 + size) return { body: Buffer.concat([...parts, bytes.subarray(lineEnd + 2)]), complete: false };
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The data of each SSE event, in order (the priming event's data is ''). */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) =>
      block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    );
}
