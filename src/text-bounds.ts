/**
 * Client-supplied names and texts, as toolgate keeps them beyond the call (audit rows, metric
 * labels, rate-limit keys, logs, caches): bounded, so a client that sends endless distinct or
 * huge names cannot make the gateway hold them. A long name keeps a readable prefix and a hash
 * of the whole, so two long names that differ stay apart.
 */
import { createHash } from 'node:crypto';

/** Names up to this many characters are kept as they are. */
export const MAX_KEPT_NAME_CHARS = 256;
/** Free texts (reasons, error messages) are cut after this many characters. */
export const MAX_KEPT_TEXT_CHARS = 4096;
const NAME_PREFIX_CHARS = 160;

/** The name, or for a longer one `<first 160 characters>…[+N chars sha256:<16 hex>]` (under 220 characters). */
export function keptName(name: string): string {
  if (name.length <= MAX_KEPT_NAME_CHARS) return name;
  const digest = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
  return `${name.slice(0, NAME_PREFIX_CHARS)}…[+${name.length - NAME_PREFIX_CHARS} chars sha256:${digest}]`;
}

/** The text, or its start and a note of how much was cut. */
export function keptText(text: string, max = MAX_KEPT_TEXT_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}…[+${text.length - max} chars cut]`;
}
