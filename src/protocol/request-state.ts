/**
 * `requestState` that toolgate issues in an `input_required` answer. The client must echo it
 * unchanged on its retry, and it is attacker-controlled when it comes back, so it is sealed
 * (AES-256-GCM: the client can neither read nor alter it) and bound to what it was issued for:
 * the caller (authorization context), the server, the method and name, a digest of the
 * arguments, and the policy revision. It expires, it is accepted once, and a state issued before
 * the gateway started is refused (the once-only memory does not survive a restart).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** What a state was issued for; every field must match on the retry. */
export interface StateBinding {
  /**
   * Who may present the state back: the caller's authorization context. Today a digest of the
   * request's credentials (or `anonymous`); agent identity puts the agent's id here.
   */
  authorizationContext: string;
  server: string;
  method: string;
  /** The tool or prompt name, or the resource URI. */
  target: string;
  /** `argumentsDigest()` of the call's arguments. */
  argumentsDigest: string;
  policyRevision: string;
}

/**
 * - `upstream`: a 2026 upstream's own requestState, wrapped so that only the caller it was given
 *   to can use it, for the same call;
 * - `parked`: a call parked at a 2025 upstream while its client answers the server's requests;
 * - `approval`: a held call the client's user is asked to approve.
 */
export type StateKind = 'upstream' | 'parked' | 'approval';

export type OpenedState = { ok: true; kind: StateKind; data: string } | { ok: false; reason: StateRefusal };

export type StateRefusal = 'malformed' | 'forged' | 'expired' | 'replayed' | 'foreign' | 'policy_changed';

interface Payload {
  v: 1;
  kind: StateKind;
  binding: StateBinding;
  data: string;
  issuedAt: number;
  expiresAt: number;
  nonce: string;
}

export interface RequestStateOptions {
  /** 32 bytes: `loadRequestStateKey` keeps one in data_dir. */
  key: Buffer;
  now?: () => number;
  /** Lifetime of a state unless `seal` is given another. Default 10 minutes. */
  ttlMs?: number;
  /** How many used states are remembered before the oldest are forgotten (and refused as expired). Default 100,000. */
  maxRemembered?: number;
}

const PREFIX = 'tg1.';
const AAD = Buffer.from('toolgate requestState v1');
const DEFAULT_TTL_MS = 10 * 60_000;
const DEFAULT_MAX_REMEMBERED = 100_000;
/** A state longer than this is not ours (the largest we issue wraps an upstream state within the body limit). */
const MAX_STATE_CHARS = 8 * 1024 * 1024;
const BINDING_FIELDS: ReadonlyArray<keyof StateBinding> = ['authorizationContext', 'server', 'method', 'target', 'argumentsDigest'];

/** What a state issued in answer to `request` is bound to. */
export function bindingFor(server: string, authorizationContext: string, request: { method: string; params?: Record<string, unknown> }, policyRevision: string): StateBinding {
  const params = request.params ?? {};
  const target = request.method === 'resources/read' ? params.uri : params.name;
  return {
    authorizationContext,
    server,
    method: request.method,
    target: typeof target === 'string' ? target : '',
    argumentsDigest: argumentsDigest(params.arguments ?? {}),
    policyRevision,
  };
}

/** A stable digest of JSON arguments: object keys sorted, so `{a, b}` and `{b, a}` agree. */
export function argumentsDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

export class RequestStateSealer {
  readonly #key: Buffer;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #maxRemembered: number;
  readonly #startedAt: number;
  /** Used nonces -> their expiry, oldest first. */
  readonly #used = new Map<string, number>();
  /** States expiring at or before this were forgotten from `#used`: they are refused. */
  #forgottenUntil = 0;

  constructor(options: RequestStateOptions) {
    if (options.key.length !== 32) throw new Error(`requestState key must be 32 bytes, not ${options.key.length}`);
    this.#key = options.key;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#maxRemembered = options.maxRemembered ?? DEFAULT_MAX_REMEMBERED;
    this.#startedAt = this.#now();
  }

  seal(kind: StateKind, binding: StateBinding, data = '', ttlMs = this.#ttlMs): string {
    const issuedAt = this.#now();
    const payload: Payload = { v: 1, kind, binding, data, issuedAt, expiresAt: issuedAt + ttlMs, nonce: randomBytes(12).toString('base64url') };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(AAD);
    const sealed = Buffer.concat([iv, cipher.update(JSON.stringify(payload), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return PREFIX + sealed.toString('base64url');
  }

  /** Opens a state presented on a retry, checks it against what the retry is, and uses it up. */
  open(state: unknown, expected: StateBinding): OpenedState {
    const payload = this.#decrypt(state);
    if (payload === 'malformed' || payload === 'forged') return { ok: false, reason: payload };
    const now = this.#now();
    if (payload.issuedAt < this.#startedAt || payload.expiresAt <= now || payload.expiresAt <= this.#forgottenUntil) return { ok: false, reason: 'expired' };
    if (BINDING_FIELDS.some((field) => payload.binding[field] !== expected[field])) return { ok: false, reason: 'foreign' };
    if (payload.binding.policyRevision !== expected.policyRevision) return { ok: false, reason: 'policy_changed' };
    if (this.#used.has(payload.nonce)) return { ok: false, reason: 'replayed' };
    this.#remember(payload.nonce, payload.expiresAt, now);
    return { ok: true, kind: payload.kind, data: payload.data };
  }

  #decrypt(state: unknown): Payload | 'malformed' | 'forged' {
    if (typeof state !== 'string' || !state.startsWith(PREFIX) || state.length > MAX_STATE_CHARS) return 'malformed';
    const sealed = Buffer.from(state.slice(PREFIX.length), 'base64url');
    if (sealed.length < 12 + 16 + 2) return 'malformed';
    let text: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, sealed.subarray(0, 12));
      decipher.setAAD(AAD);
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      text = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return 'forged';
    }
    const payload = JSON.parse(text) as Payload; // authenticated: we wrote it
    return payload.v === 1 ? payload : 'malformed';
  }

  #remember(nonce: string, expiresAt: number, now: number): void {
    for (const [used, expiry] of this.#used) {
      if (expiry > now && this.#used.size < this.#maxRemembered) break;
      this.#used.delete(used);
      if (expiry > now) this.#forgottenUntil = Math.max(this.#forgottenUntil, expiry);
    }
    this.#used.set(nonce, expiresAt);
  }
}

/** What a refusal tells the client: what happened and what to do. */
export function refusalMessage(reason: StateRefusal): string {
  switch (reason) {
    case 'malformed':
      return 'Invalid requestState: it is not one toolgate issued; echo the requestState of the input_required answer unchanged, or call again without one';
    case 'forged':
      return 'Invalid requestState: it failed its integrity check (it was altered or issued by another gateway); call again without it';
    case 'expired':
      return 'Invalid requestState: it expired (or was issued before the gateway restarted); call again without it';
    case 'replayed':
      return 'Invalid requestState: it was already used; each requestState answers one retry';
    case 'foreign':
      return 'Invalid requestState: it was issued for another caller, server, method, name or arguments; retry the original request unchanged';
    case 'policy_changed':
      return "Invalid requestState: toolgate's policy changed since it was issued; call again without it";
  }
}
