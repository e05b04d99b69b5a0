/**
 * Tool pinning: the first definition the gateway sees of a tool is remembered, and a later
 * definition that differs (a changed description, a new parameter, a flipped annotation) is held
 * back until a person accepts it. This is the defence against a "rug pull": a server that passes
 * review with harmless tools and swaps in different ones later.
 *
 * This module is the vocabulary and the canonical form, and stays pure; the stores are in
 * `node/memory-pin-store.ts` and `node/sqlite-pin-store.ts`, chosen by `store/stores.ts`.
 */
import type { ToolDefinition } from './types.js';

/** What a pin covers: everything a model reads or a client relies on. `_meta` and `execution` are not pinned. */
export interface PinnableTool extends ToolDefinition {
  outputSchema?: { [key: string]: unknown };
}

export const PINNED_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/** What `check` says of the definition just seen. */
export type PinCheck =
  /** First sight: it is now pinned. */
  | { status: 'new'; pinnedAt: number }
  /** The same as the pinned definition. */
  | { status: 'ok'; pinnedAt: number }
  /** Differs from the pinned definition, and nobody has accepted the change yet. */
  | { status: 'changed'; diff: string; pinnedAt: number; changedAt: number };

/** One pinned tool as the store holds it. */
export interface PinRecord {
  server: string;
  tool: string;
  /** sha256 (hex) of the pinned definition's canonical JSON. */
  hash: string;
  /** The pinned definition's canonical JSON (compact). */
  definition: string;
  pinnedAt: number;
  status: 'ok' | 'changed';
  /** When the definition was first seen different from the pin; present while `changed`. */
  changedAt?: number;
  /** The latest different definition seen; present while `changed`. */
  seenHash?: string;
  seenDefinition?: string;
  /** Unified diff from the pinned to the latest seen definition (pretty canonical JSON); present while `changed`. */
  diff?: string;
}

/**
 * Pins per (server, tool), behind promises so a shared backend (Redis) fits the same shape.
 * Implementations keep `check` fast (it runs on every `tools/list` the gateway passes on): an
 * in-memory view, storage written only when something changes. Times recorded come from the
 * clock the store was built with, never from the system clock. Every failure to read or write
 * the storage rejects with a `store_error` naming the file; callers decide what a failed check
 * means (see `gateway/pin-guard.ts`: fail closed under `pinning: block`).
 */
export interface PinStore {
  /** Pins the tool on first sight; afterwards compares with the pin. */
  check(server: string, tool: PinnableTool): Promise<PinCheck>;
  /** Pins the latest seen definition, as of now. Rejects with `store_error` when the tool was never seen. */
  accept(server: string, tool: string): Promise<PinRecord>;
  get(server: string, tool: string): Promise<PinRecord | undefined>;
  /** Every pin, or one server's, ordered by server then tool. */
  list(server?: string): Promise<PinRecord[]>;
  /** The changed tools nobody has accepted yet. */
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
