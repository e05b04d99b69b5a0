/** What every pin store does the same way: the hash of a definition, the diff people read, the error for a tool never seen. */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { ToolgateError } from '../../errors.js';
import { prettyCanonical, type PinRecord } from '../pins.js';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * A unified line diff of the pretty canonical JSON, headed by when each side was seen. A
 * description is one JSON string, so a changed sentence shows as its whole line replaced.
 */
export function pinDiff(server: string, tool: string, pinned: string, seen: string, pinnedAt: number, seenAt: number): string {
  const patch = createTwoFilesPatch(
    `${server}/${tool} (pinned)`,
    `${server}/${tool} (now)`,
    prettyCanonical(pinned),
    prettyCanonical(seen),
    new Date(pinnedAt).toISOString(),
    new Date(seenAt).toISOString(),
    { context: 3 },
  );
  // Drop the `Index:`-style banner line of `=`s; keep the standard `---`/`+++`/`@@` lines.
  return patch.replace(/^=+\n/, '');
}

export function notPinned(server: string, tool: string, pins: PinRecord[]): ToolgateError {
  const known = pins.map((p) => p.tool);
  const hint = known.length > 0 ? `pinned tools on "${server}": ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}` : `nothing is pinned on server "${server}" yet (tools are pinned when the gateway first lists them)`;
  return new ToolgateError('store_error', `tool "${tool}" on server "${server}" has never been seen, so there is nothing to accept; ${hint}`, {
    data: { server, tool },
  });
}
