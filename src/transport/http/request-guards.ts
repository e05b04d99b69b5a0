import type { IncomingMessage } from 'node:http';
import { ToolgateError } from '../../errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface HostPolicy {
  listenHost: string;
  allowedHosts: string[];
  allowedOrigins: string[];
}

function hostname(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1).toLowerCase();
  const colon = hostHeader.lastIndexOf(':');
  return (colon === -1 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

function isLoopback(name: string): boolean {
  return LOOPBACK_NAMES.has(name) || name.startsWith('127.');
}

/**
 * Protection against DNS rebinding: a browser page on another site that resolves its own name to
 * this machine sends its own name in Host and its own origin in Origin. Requests must name this
 * gateway (a loopback name, the listen address, or `listen.allowed_hosts`), and browser requests
 * must come from a loopback origin or one of `listen.allowed_origins`.
 */
export function checkHostAndOrigin(request: IncomingMessage, policy: HostPolicy): void {
  const host = request.headers.host;
  if (!host) throw new ToolgateError('forbidden_host', 'The request has no Host header');
  const name = hostname(host);
  const allowed =
    isLoopback(name) ||
    name === policy.listenHost.toLowerCase() ||
    policy.allowedHosts.some((entry) => entry === '*' || entry.toLowerCase() === name || entry.toLowerCase() === host.toLowerCase());
  if (!allowed) {
    throw new ToolgateError('forbidden_host', `Host "${host}" is not allowed; add it to listen.allowed_hosts in the gateway's config if this gateway should answer to that name`);
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let originHost: string;
  try {
    originHost = new URL(origin).hostname.toLowerCase();
  } catch {
    throw new ToolgateError('forbidden_origin', `Origin "${origin}" is not a valid origin`);
  }
  const originOk =
    isLoopback(originHost) || isLoopback(`[${originHost}]`) || policy.allowedOrigins.some((entry) => entry === '*' || entry.toLowerCase() === origin.toLowerCase());
  if (!originOk) {
    throw new ToolgateError('forbidden_origin', `Origin "${origin}" is not allowed; add it to listen.allowed_origins in the gateway's config to let pages from it call the gateway`);
  }
}

/** Reads the request body, refusing more than `limit` bytes. */
export async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw bodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw bodyTooLarge(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

function bodyTooLarge(limit: number): ToolgateError {
  return new ToolgateError('body_too_large', `The request body is larger than ${limit} bytes; raise listen.max_body in the gateway's config if such messages are expected`);
}
