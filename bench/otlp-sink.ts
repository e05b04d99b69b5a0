/**
 * An OTLP/HTTP receiver that accepts every export and discards it: what the telemetry-on target
 * exports its spans to, so tracing costs the gateway what it would against a real collector
 * without one running. Its own process, so its work is not the load client's.
 *
 *   node dist/bench/otlp-sink.js      prints `listening <port>`; GET /stats answers {"exports":N,"bytes":N}
 */
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const sink = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ exports, bytes }));
    return;
  }
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    exports++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
sink.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(sink.address() as { port: number }).port}\n`));
