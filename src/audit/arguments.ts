/**
 * What an audit record keeps of a call's arguments (`audit.arguments`) and which values it never
 * keeps (`audit.redact`). Redaction runs first, so a hash is never taken over a secret: a sha256
 * of a short password is as good as the password to anyone who can guess candidates.
 */
import { hash } from 'node:crypto';
import type { AuditArgumentsMode } from '../config/types.js';

/** Replaces a redacted value in `full` mode, and inside the JSON that `hash` mode hashes. */
export const REDACTED = '[redacted]';

export interface ArgumentsDigest {
  /** Top-level argument names, sorted (`keys`, `hash`, `full`). */
  keys: string[] | null;
  /** sha256 (hex) of the canonical JSON of the redacted arguments (`hash`). */
  sha256: string | null;
  /** The redacted arguments (`full`). */
  value: Record<string, unknown> | null;
}

type Args = Record<string, unknown>;
type Segments = readonly string[];

/**
 * Compiles `redact` paths into a function that returns the arguments with those values replaced.
 * A path is dotted keys: `*` matches any one key or array index, `**` any number of them
 * (including none), so `**.token` redacts `token` at every depth. Keys that contain a dot cannot
 * be named; `*` covers them. Containers are copied only along matched paths; the input is never
 * changed (it is the call the gateway forwards).
 */
export function compileRedaction(paths: readonly string[]): (args: Args) => Args {
  const patterns: Segments[] = paths.map((path) => path.split('.'));
  if (patterns.length === 0) return (args) => args;
  return (args) => redactIn(args, patterns) as Args;
}

function redactIn(value: unknown, patterns: Segments[]): unknown {
  if (value === null || typeof value !== 'object' || patterns.length === 0) return value;
  if (Array.isArray(value)) return value.map((item, index) => redactChild(item, String(index), patterns));
  const copy: Args = {};
  for (const [key, child] of Object.entries(value)) copy[key] = redactChild(child, key, patterns);
  return copy;
}

function redactChild(child: unknown, key: string, patterns: Segments[]): unknown {
  const rest: Segments[] = [];
  if (step(patterns, key, rest)) return REDACTED;
  return redactIn(child, rest);
}

/** Advances every pattern past `key`, collecting what remains in `rest`; true when one ends here. */
function step(patterns: Segments[], key: string, rest: Segments[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const [head, ...tail] = pattern;
    if (head === '**') {
      if (tail.length === 0) return true;
      rest.push(pattern); // `**` takes this key and may take more
      if (step([tail], key, rest)) matched = true; // or takes none
    } else if (head === '*' || head === key) {
      if (tail.length === 0) matched = true;
      else rest.push(tail);
    }
  }
  return matched;
}

/**
 * JSON with object keys sorted at every level and no whitespace: the same arguments always give
 * the same text, so their hash can be compared across records. Key order and number formatting
 * are those of RFC 8785 (JCS), as JavaScript's own sort and number printing provide them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Built by concatenation, without entries/filter/map/join arrays: it runs for every audited call.
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${text}]`;
  }
  const object = value as Args;
  let text = '{';
  for (const key of Object.keys(object).sort()) {
    const child = object[key];
    if (child === undefined) continue;
    text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(child)}`;
  }
  return `${text}}`;
}

/** The arguments as the audit record keeps them under `mode`. */
export function digestArguments(args: Args, mode: AuditArgumentsMode, redact: (args: Args) => Args): ArgumentsDigest {
  if (mode === 'none') return { keys: null, sha256: null, value: null };
  const keys = Object.keys(args).sort();
  if (mode === 'keys') return { keys, sha256: null, value: null };
  const redacted = redact(args);
  if (mode === 'full') return { keys, sha256: null, value: redacted };
  return { keys, sha256: hash('sha256', canonicalJson(redacted)), value: null };
}
