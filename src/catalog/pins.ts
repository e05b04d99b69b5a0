/**
 * Tool pinning: the definitions a server lists the first time the gateway sees its whole list are
 * remembered, and a later definition that differs (a changed description, a new parameter, a
 * flipped annotation) or a tool the server did not list then is held back until a person accepts
 * it (or rejects it, and it stays blocked). This is the defence against a "rug pull": a server
 * that passes review with harmless tools and swaps in different ones later.
 *
 * This module is the vocabulary and the canonical form, and stays pure; how a record moves is in
 * `node/pin-common.ts`, the stores in `node/memory-pin-store.ts`, `node/sqlite-pin-store.ts` and
 * `../store/redis/redis-pin-store.ts`, chosen by `store/stores.ts`.
 */
import type { ToolDefinition } from './types.js';

/** What a pin covers: everything a model reads or a client relies on. `_meta` and `execution` are not pinned. */
export interface PinnableTool extends ToolDefinition {
  outputSchema?: { [key: string]: unknown };
}

export const PINNED_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/** Where a tool's pin stands. `changed` and `added` wait for a person; `rejected` stays blocked without waiting. */
export type PinStatus = 'ok' | 'changed' | 'added' | 'rejected' | 'removed';

/** What `check` says of the definition just seen. */
export type PinCheck =
  /** First sight, before its server was pinned: it is now pinned. */
  | { status: 'new'; pinnedAt: number }
  /** The same as the pinned definition. */
  | { status: 'ok'; pinnedAt: number }
  /**
   * Differs from the pinned definition (`changed`), or the tool appeared after its server was
   * pinned (`added`), and nobody has decided yet. `recorded`: this very check recorded it (one
   * caller across every process sharing the store), with the record as written.
   */
  | { status: 'changed' | 'added'; diff: string; pinnedAt?: number; changedAt: number; recorded?: PinRecord }
  /** The definition a person rejected: blocked, and not waiting for anyone. */
  | { status: 'rejected'; diff: string; pinnedAt?: number; changedAt: number; rejectedAt: number };

/** What checking one `tools/list` answer found. */
export interface ListingCheck {
  /** One per tool, in the listing's order. */
  checks: PinCheck[];
  /** Pinned tools a complete listing no longer has, that this check marked removed. */
  removed: PinRecord[];
}

/** One tool's pin as the store holds it. */
export interface PinRecord {
  server: string;
  tool: string;
  status: PinStatus;
  /**
   * sha256 (hex) of the pinned definition's canonical JSON, that definition (compact) and when it
   * was pinned; absent until a person accepts a tool that appeared after its server was pinned.
   */
  hash?: string;
  definition?: string;
  pinnedAt?: number;
  /**
   * The latest definition seen that is not the pinned one, while it waits for review (`changed`,
   * `added`) or is the rejected one (`rejected`): its hash, text, when it was first seen, and the
   * unified diff from the pinned definition (pretty canonical JSON; from nothing for an added tool).
   */
  seenHash?: string;
  seenDefinition?: string;
  changedAt?: number;
  diff?: string;
  /** The definition a person rejected last, and when: blocked whenever the upstream shows it again. */
  rejectedHash?: string;
  rejectedAt?: number;
  /** When a complete listing of its server last lacked the tool; present while `removed`. */
  removedAt?: number;
}

/** The records waiting for a person's decision. */
export const isPending = (record: PinRecord): boolean => record.status === 'changed' || record.status === 'added';

/**
 * Pins per (server, tool), behind promises so a shared backend (Redis) fits the same shape.
 * Implementations keep checks fast (they run on every `tools/list` the gateway passes on): an
 * in-memory view, storage written only when something changes. Times recorded come from the
 * clock the store was built with, never from the system clock. Every failure to read or write
 * the storage rejects with a `store_error` naming the file; callers decide what a failed check
 * means (see `gateway/pin-guard.ts`: fail closed under `pinning: block`).
 *
 * A server counts as pinned once a complete listing of it has been checked (`checkListing` with
 * `complete`); from then on a tool it did not list before is `added`, not pinned on sight.
 */
export interface PinStore {
  /** One tool seen outside a listing (a call): pins it on first sight unless its server is pinned; afterwards compares with the pin. */
  check(server: string, tool: PinnableTool): Promise<PinCheck>;
  /**
   * The tools of one `tools/list` answer. `complete`: the answer is the server's whole list (no
   * pages before or after it): the server is pinned, and pinned tools it lacks are marked removed.
   */
  checkListing(server: string, tools: readonly PinnableTool[], complete: boolean): Promise<ListingCheck>;
  /** Pins the definition waiting for review (or the rejected one), as of now. Rejects with `store_error` when the tool was never seen. */
  accept(server: string, tool: string): Promise<PinRecord>;
  /** Blocks the definition waiting for review for good; it leaves the pending queue. Rejects with `store_error` when the tool was never seen. */
  reject(server: string, tool: string): Promise<PinRecord>;
  get(server: string, tool: string): Promise<PinRecord | undefined>;
  /** Every pin, or one server's, ordered by server then tool. */
  list(server?: string): Promise<PinRecord[]>;
  /** The changed and added tools nobody has decided on yet. */
  pending(): Promise<PinRecord[]>;
  close(): Promise<void>;
}

/** The pinned part of a tool, with object keys sorted at every depth so equal definitions give equal text. */
export function pinnedView(tool: PinnableTool): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  const source = tool as unknown as Record<string, unknown>;
  for (const field of PINNED_FIELDS) {
    if (source[field] !== undefined) view[field] = sortKeys(source[field]);
  }
  return view;
}

/** Compact canonical JSON: what is hashed and stored. */
export function canonicalJson(tool: PinnableTool): string {
  return JSON.stringify(pinnedView(tool));
}

/** The same, pretty-printed, for diffs people read. Takes the stored compact form. */
export function prettyCanonical(compact: string): string {
  return `${JSON.stringify(JSON.parse(compact), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
