/** Calling a real gateway's admin surface over HTTP, as a script or the dashboard would. */
import type { StartedGateway } from '../helpers/harness.js';

export interface AdminCall {
  token?: string | null;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export function tokenOf(gw: StartedGateway): string {
  const admin = gw.gateway.admin;
  if (!admin) throw new Error('the gateway has no admin API (not listening?)');
  return admin.token.token;
}

/** `path` is absolute (`/metrics`) or relative to /admin/api/ (`overview`). Token defaults to the gateway's. */
export async function adminFetch(gw: StartedGateway, path: string, call: AdminCall = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const token = call.token === undefined ? tokenOf(gw) : call.token;
  const url = path.startsWith('/') ? `${gw.baseUrl}${path}` : `${gw.baseUrl}/admin/api/${path}`;
  const response = await fetch(url, {
    method: call.method ?? 'GET',
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...call.headers,
    },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Opens the event stream; `next(predicate)` resolves with the first matching event. */
export async function openEvents(gw: StartedGateway, headers: Record<string, string> = { authorization: `Bearer ${tokenOf(gw)}` }) {
  const controller = new AbortController();
  const response = await fetch(`${gw.baseUrl}/admin/api/events`, { headers, signal: controller.signal });
  if (response.status !== 200) throw new Error(`events answered ${response.status}: ${await response.text()}`);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: SseEvent[] = [];
  let buffer = '';
  let waiting: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length === 0) continue;
        const parsed: SseEvent = { event, data: JSON.parse(data.join('\n')) };
        seen.push(parsed);
        waiting = waiting.filter((w) => (w.match(parsed) ? (w.resolve(parsed), false) : true));
      }
    }
  })();
  return {
    response,
    seen,
    next(match: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
      const already = seen.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms; saw ${JSON.stringify(seen.map((e) => e.event))}`)), timeoutMs);
        waiting.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}
