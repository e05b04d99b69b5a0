/**
 * What every pin store does the same way: the hash of a definition, the diff people read, the
 * error for a tool never seen, and how a tool's pin record moves when a definition is seen, a
 * complete listing lacks it, or a person accepts or rejects it. Stores keep records and make
 * each move atomic; the moves themselves are here, once.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { ToolgateError } from '../../errors.js';
import { canonicalJson, isPending, prettyCanonical, type PinCheck, type PinRecord, type PinnableTool } from '../pins.js';

/** diff is loaded with the first changed definition: a gateway whose tools never change never holds it. */
let diffLibrary: typeof import('diff') | undefined;
const diff = () => (diffLibrary ??= createRequire(import.meta.url)('diff') as typeof import('diff'));

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A definition as seen: its canonical JSON and that text's hash. */
export interface SeenDefinition {
  name: string;
  hash: string;
  definition: string;
}

export function seenDefinition(tool: PinnableTool): SeenDefinition {
  const definition = canonicalJson(tool);
  return { name: tool.name, hash: sha256(definition), definition };
}

/**
 * A unified line diff of the pretty canonical JSON, headed by when each side was seen (an added
 * tool: from nothing). A description is one JSON string, so a changed sentence shows as its whole
 * line replaced.
 */
export function pinDiff(server: string, tool: string, pinned: string | undefined, seen: string, pinnedAt: number | undefined, seenAt: number): string {
  const patch = diff().createTwoFilesPatch(
    `${server}/${tool} (${pinned === undefined ? 'not pinned' : 'pinned'})`,
    `${server}/${tool} (now)`,
    pinned === undefined ? '' : prettyCanonical(pinned),
    prettyCanonical(seen),
    pinnedAt === undefined ? '' : new Date(pinnedAt).toISOString(),
    new Date(seenAt).toISOString(),
    { context: 3 },
  );
  // Drop the `Index:`-style banner line of `=`s; keep the standard `---`/`+++`/`@@` lines.
  return patch.replace(/^=+\n/, '');
}

export function notPinned(server: string, tool: string, pins: PinRecord[]): ToolgateError {
  const known = pins.map((p) => p.tool);
  const hint = known.length > 0 ? `pinned tools on "${server}": ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}` : `nothing is pinned on server "${server}" yet (tools are pinned when the gateway first lists them)`;
  return new ToolgateError('store_error', `tool "${tool}" on server "${server}" has never been seen, so there is nothing to decide; ${hint}`, {
    data: { server, tool },
  });
}

/** What a move wrote, for a store's own history of events (SQLite keeps one). */
export type PinEventKind = 'pinned' | 'changed' | 'added' | 'reverted' | 'returned' | 'removed' | 'accepted' | 'rejected' | 'rejected_seen';

export interface PinMove<T> {
  /** The record to store; the same object as before when nothing changes. */
  next: PinRecord;
  answer: T;
  event?: PinEventKind;
}

/** The pin without what a sighting or a removal sets: the accepted definition and the last rejection. */
function settled(pin: PinRecord): Omit<PinRecord, 'status'> {
  const { server, tool, hash, definition, pinnedAt, rejectedHash, rejectedAt } = pin;
  return { server, tool, ...(hash === undefined ? {} : { hash, definition, pinnedAt }), ...(rejectedHash === undefined ? {} : { rejectedHash, rejectedAt }) };
}

/** Seeing `seen` for a tool whose record is `pin` (undefined: never seen), at `now`. */
export function observe(pin: PinRecord | undefined, server: string, seen: SeenDefinition, now: number, serverPinned: boolean): PinMove<PinCheck> {
  const tool = seen.name;
  const pending = (status: 'changed' | 'added', base: Omit<PinRecord, 'status'>): PinMove<PinCheck> => {
    const next: PinRecord = { ...base, status, seenHash: seen.hash, seenDefinition: seen.definition, changedAt: now, diff: pinDiff(server, tool, base.definition, seen.definition, base.pinnedAt, now) };
    return { next, answer: { ...checkOf(next), recorded: next } as PinCheck, event: status };
  };
  if (pin === undefined) {
    if (serverPinned) return pending('added', { server, tool });
    const next: PinRecord = { server, tool, status: 'ok', hash: seen.hash, definition: seen.definition, pinnedAt: now };
    return { next, answer: { status: 'new', pinnedAt: now }, event: 'pinned' };
  }
  const base = settled(pin);
  if (pin.hash === seen.hash) {
    if (pin.status === 'ok') return { next: pin, answer: { status: 'ok', pinnedAt: pin.pinnedAt! } };
    return { next: { ...base, status: 'ok' }, answer: { status: 'ok', pinnedAt: pin.pinnedAt! }, event: pin.status === 'removed' ? 'returned' : 'reverted' };
  }
  if (pin.seenHash === seen.hash) return { next: pin, answer: checkOf(pin) };
  if (pin.rejectedHash === seen.hash) {
    const next: PinRecord = { ...base, status: 'rejected', seenHash: seen.hash, seenDefinition: seen.definition, changedAt: now, diff: pinDiff(server, tool, base.definition, seen.definition, base.pinnedAt, now) };
    return { next, answer: checkOf(next), event: 'rejected_seen' };
  }
  return pending(base.hash === undefined ? 'added' : 'changed', base);
}

/** A complete listing of the server lacks the tool; undefined when it is already marked removed. */
export function remove(pin: PinRecord, now: number): PinMove<PinRecord> | undefined {
  if (pin.status === 'removed') return undefined;
  const next: PinRecord = { ...settled(pin), status: 'removed', removedAt: now };
  return { next, answer: next, event: 'removed' };
}

/** A person accepts the definition waiting (or the rejected one): it becomes the pin. */
export function accept(pin: PinRecord, now: number): PinMove<PinRecord> {
  if (!isPending(pin) && pin.status !== 'rejected') return { next: pin, answer: pin };
  const { server, tool, rejectedHash, rejectedAt } = pin;
  const next: PinRecord = {
    server,
    tool,
    status: 'ok',
    hash: pin.seenHash!,
    definition: pin.seenDefinition!,
    pinnedAt: now,
    ...(rejectedHash === undefined || rejectedHash === pin.seenHash ? {} : { rejectedHash, rejectedAt }),
  };
  return { next, answer: next, event: 'accepted' };
}

/** A person rejects the definition waiting: it stays blocked and leaves the queue. */
export function reject(pin: PinRecord, now: number): PinMove<PinRecord> {
  if (!isPending(pin)) return { next: pin, answer: pin };
  const next: PinRecord = { ...pin, status: 'rejected', rejectedHash: pin.seenHash!, rejectedAt: now };
  return { next, answer: next, event: 'rejected' };
}

/** What a check answers for a record that holds a definition other than the pin. */
function checkOf(pin: PinRecord): PinCheck {
  const common = { diff: pin.diff!, changedAt: pin.changedAt!, ...(pin.pinnedAt === undefined ? {} : { pinnedAt: pin.pinnedAt }) };
  if (pin.status === 'rejected') return { status: 'rejected', ...common, rejectedAt: pin.rejectedAt! };
  return { status: pin.status as 'changed' | 'added', ...common };
}

export const compareRecords = (a: PinRecord, b: PinRecord): number => compare(a.server, b.server) || compare(a.tool, b.tool);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
