import { discard, readEvents, readText, send } from '../transport/http-client.js';
import type { JsonRpcMessage } from '../transport/jsonrpc.js';
import { postModern } from './modern-post.js';
import { isModernVersion, LEGACY_PROTOCOL_VERSIONS, META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION, UNSUPPORTED_PROTOCOL_VERSION } from './wire.js';

/** Which generations an upstream speaks, learnt once and kept. */
export interface UpstreamGenerations {
  /** Its `server/discover` answer when it speaks 2026-07-28. */
  modern?: Record<string, unknown>;
  /** Whether it accepts a 2025 `initialize`. */
  legacy: boolean;
}

const PROBE_TIMEOUT_MS = 10_000;
/** Probe answers are small; a larger one is not a server to trust with the probe. */
const PROBE_MAX_BYTES = 1024 * 1024;
const CLIENT_INFO = { name: 'toolgate-probe', version: '1' };

/**
 * Asks an HTTP upstream which generations it speaks, as the spec's versioning section says a
 * dual-generation client does: a `server/discover` first (an answer, or a recognised 2026 error,
 * means 2026), then, for a 2026 server, whether it also takes a 2025 `initialize` (that session
 * is ended at once). A server that fails the discover probe is taken for a 2025 one.
 */
export async function probeGenerations(url: string, headers: Record<string, string>): Promise<UpstreamGenerations> {
  const target = new URL(url);
  const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  let discover: Record<string, unknown> | undefined;
  let modernError = false;
  try {
    await postModern({
      url: target,
      headers,
      signal,
      maxMessageBytes: PROBE_MAX_BYTES,
      message: {
        jsonrpc: '2.0',
        id: 'toolgate-discover',
        method: 'server/discover',
        params: { _meta: { [META_PROTOCOL_VERSION]: MODERN_PROTOCOL_VERSION, [META_CLIENT_CAPABILITIES]: {}, [META_CLIENT_INFO]: CLIENT_INFO } },
      },
      onMessage: (message: JsonRpcMessage) => {
        if ('result' in message && Array.isArray(message.result.supportedVersions) && message.result.supportedVersions.some((v) => typeof v === 'string' && isModernVersion(v))) {
          discover = message.result;
        }
        if ('error' in message && message.error.code === UNSUPPORTED_PROTOCOL_VERSION) modernError = true;
      },
    });
  } catch {
    // not a 2026 server (a 4xx without a 2026 error in it, or no answer)
  }
  if (!discover && !modernError) return { legacy: true };
  return { ...(discover ? { modern: discover } : {}), legacy: await acceptsInitialize(target, headers, signal) };
}

async function acceptsInitialize(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<boolean> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 'toolgate-initialize-probe',
    method: 'initialize',
    params: { protocolVersion: LEGACY_PROTOCOL_VERSIONS[0], capabilities: {}, clientInfo: CLIENT_INFO },
  });
  try {
    const response = await send(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body, signal });
    const sessionId = response.headers['mcp-session-id'];
    let initialized = false;
    if ((response.statusCode ?? 0) === 200) {
      if ((response.headers['content-type'] ?? '').includes('text/event-stream')) {
        // The stream stays open after the answer: stop reading once it has come (ending it early "cuts" it).
        await readEvents(response, (event) => {
          if (!event.data.includes('"protocolVersion"')) return;
          initialized = true;
          response.destroy();
        }, PROBE_MAX_BYTES).catch(() => undefined);
      } else initialized = (await readText(response, PROBE_MAX_BYTES)).includes('"protocolVersion"');
    } else discard(response);
    if (typeof sessionId === 'string') await endSession(url, headers, sessionId);
    return initialized;
  } catch {
    return false;
  }
}

async function endSession(url: URL, headers: Record<string, string>, sessionId: string): Promise<void> {
  try {
    discard(await send(url, { method: 'DELETE', headers: { ...headers, 'mcp-session-id': sessionId }, timeoutMs: 2000 }));
  } catch {
    // the probe session expires on its own
  }
}
