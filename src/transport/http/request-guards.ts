import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { ToolgateError } from '../../errors.js';
import { readCapped } from '../http-client.js';

export interface HostPolicy {
  listenHost: string;
  allowedHosts: string[];
  allowedOrigins: string[];
}

/** Loopback as IP literals: 127.0.0.0/8 and ::1 (IPv4-mapped forms such as ::ffff:127.0.0.1 included). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** A Host header as RFC 9110 allows it: a registered name or IPv4 literal, or an [IPv6] literal, then an optional port. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::([0-9]{1,5}))?$/;

/**
 * True for the names and addresses that can only mean this machine: `localhost` and loopback IP
 * literals. A name that merely starts like one (`127.0.0.1.attacker.example`) is a DNS name
 * anyone can point anywhere, which is exactly what a rebinding attack does.
 */
export function isLoopbackName(name: string): boolean {
  const lower = name.toLowerCase();
  // The names nearly every request carries, answered without building a SocketAddress.
  if (lower === 'localhost' || lower === '127.0.0.1' || lower === '[::1]') return true;
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  const family = isIP(bare);
  if (family === 4) return bare === lower && LOOPBACK.check(bare, 'ipv4');
  if (family === 6) return LOOPBACK.check(bare, 'ipv6');
  return false;
}

/**
 * Protection against DNS rebinding: a browser page on another site that resolves its own name to
 * this machine sends its own name in Host and its own origin in Origin. Requests must name this
 * gateway exactly (a loopback name or address, the listen address, or `listen.allowed_hosts`),
 * and browser requests must come from a loopback origin or one of `listen.allowed_origins`.
 */
export function checkHostAndOrigin(request: IncomingMessage, policy: HostPolicy): void {
  const host = request.headers.host;
  if (!host) throw new ToolgateError('forbidden_host', 'The request has no Host header');
  const parsed = HOST_HEADER.exec(host);
  const name = parsed?.[1].toLowerCase();
  const allowed =
    name !== undefined &&
    (isLoopbackName(name) ||
      name === bracketed(policy.listenHost.toLowerCase()) ||
      policy.allowedHosts.some((entry) => entry === '*' || entry.toLowerCase() === name || entry.toLowerCase() === host.toLowerCase()));
  if (!allowed) {
    throw new ToolgateError('forbidden_host', `Host "${printable(host)}" is not allowed; add it to listen.allowed_hosts in the gateway's config if this gateway should answer to that name`);
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ToolgateError('forbidden_origin', `Origin "${printable(origin)}" is not a valid origin; add the page's origin to listen.allowed_origins if it should call the gateway`);
  }
  const webOrigin = (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin.toLowerCase().replace(/\/$/, '');
  const originOk =
    (webOrigin && isLoopbackName(url.hostname)) || policy.allowedOrigins.some((entry) => entry === '*' || entry.toLowerCase() === origin.toLowerCase());
  if (!originOk) {
    throw new ToolgateError('forbidden_origin', `Origin "${printable(origin)}" is not allowed; add it to listen.allowed_origins in the gateway's config to let pages from it call the gateway`);
  }
}

/** The listen address as it appears in a Host header (IPv6 literals in brackets). */
function bracketed(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/** Header values go into error messages: keep them short and printable. */
function printable(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
}

/** A percent-encoded path segment, decoded; malformed encoding (`%E0%A4%A`) is the client's error, not ours. */
export function decodePathSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ToolgateError('invalid_request', `The ${what} in the path, "${printable(segment)}", is not valid percent-encoding (UTF-8 bytes as %XX); encode it with encodeURIComponent`);
  }
}

/** Reads the request body, refusing more than `limit` bytes. */
export async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw bodyTooLarge(limit);
  return readCapped(request, limit, () => bodyTooLarge(limit));
}

function bodyTooLarge(limit: number): ToolgateError {
  return new ToolgateError('body_too_large', `The request body is larger than ${limit} bytes; raise listen.max_body in the gateway's config if such messages are expected`);
}
