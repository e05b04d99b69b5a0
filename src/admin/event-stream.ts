/**
 * Server-sent events for the dashboard: one stream per open page, each event sent to all.
 * A page that stops reading (a sleeping laptop) is dropped once its backlog passes MAX_BACKLOG,
 * rather than let the gateway buffer for it forever; EventSource reconnects by itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http.js';

const KEEP_ALIVE_MS = 15_000;
const MAX_BACKLOG = 1024 * 1024;

export type AdminEventName = 'audit' | 'approval' | 'decision' | 'catalog';

export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #keepAlive: NodeJS.Timeout;

  constructor(keepAliveMs = KEEP_ALIVE_MS) {
    this.#keepAlive = setInterval(() => this.#write(': keep-alive\n\n'), keepAliveMs);
    this.#keepAlive.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  open(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 3000\n: connected\n\n');
    this.#clients.add(response);
    const drop = () => this.#clients.delete(response);
    request.on('close', drop);
    response.on('close', drop);
  }

  send(event: AdminEventName, data: unknown): void {
    if (this.#clients.size === 0) return;
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  close(): void {
    clearInterval(this.#keepAlive);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #write(frame: string): void {
    for (const client of this.#clients) {
      if (client.writableLength > MAX_BACKLOG) {
        this.#clients.delete(client);
        client.destroy();
        continue;
      }
      client.write(frame);
    }
  }
}
