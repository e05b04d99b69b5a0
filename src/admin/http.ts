/**
 * The admin API's HTTP vocabulary: JSON answers with security headers, JSON bodies, and
 * ToolgateErrors turned into precise JSON errors (`{ error, message, hint }`) here, at the edge.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errorAnswer } from '../error-table.js';
import { ToolgateError, type ToolgateErrorCode } from '../errors.js';
import { readBody } from '../transport/http/request-guards.js';

/** Admin bodies are small (a reason, a token); anything larger is a mistake. */
const MAX_ADMIN_BODY = 64 * 1024;

/** Headers on everything the admin routes answer: no caching of secrets, no framing, no sniffing. */
export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

export function sendAdminJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** An error a client can act on: what was wrong, and how to fix it. */
export function adminError(code: ToolgateErrorCode, message: string, hint?: string): ToolgateError {
  return new ToolgateError(code, message, { data: hint === undefined ? undefined : { hint } });
}

export function sendAdminError(response: ServerResponse, error: unknown, log: Logger): void {
  const known = error instanceof ToolgateError;
  if (!known) log.error({ err: error }, 'unexpected error in the admin API');
  if (response.headersSent) {
    response.end();
    return;
  }
  const status = errorAnswer(known ? error.code : undefined).http;
  const data = known ? (error.data as { hint?: string; retryAfterS?: number } | undefined) : undefined;
  const hint = data?.hint;
  const headers: Record<string, string> = data?.retryAfterS === undefined ? {} : { 'retry-after': String(data.retryAfterS) };
  sendAdminJson(response, status, {
    error: known ? error.code : 'internal_error',
    message: known ? error.message : `Internal error in toolgate: ${(error as Error)?.message ?? String(error)}`,
    ...(hint === undefined ? {} : { hint }),
  }, headers);
}

/** The request's JSON object body; an empty body is `{}`. */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = request.headers['content-type'] ?? '';
  const raw = await readBody(request, MAX_ADMIN_BODY);
  if (raw.trim() === '') return {};
  if (!type.includes('application/json')) {
    throw adminError('unsupported_media_type', `The body must be JSON, sent as Content-Type: application/json (got "${type || 'none'}")`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw adminError('parse_error', `The body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw adminError('invalid_request', 'The body must be a JSON object');
  return value as Record<string, unknown>;
}
