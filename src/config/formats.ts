/**
 * The `toolgate-*` string formats used in `configJsonSchema`: how each is checked and what a
 * newcomer is told when a value fails it. Shared by the ajv setup and the error translation so
 * a check and its message cannot drift apart.
 */
import { BYTES_HINT, DURATION_HINT, parseBytes, parseDuration } from './duration.js';
import { SERVER_ID_PATTERN } from './schema.js';

export interface StringFormat {
  check(value: string): boolean;
  message(value: string): string;
  hint: string;
}

const succeeds = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

/** The helper's own message without its embedded hint, which the problem carries separately. */
const failure = (f: () => unknown): string => {
  try {
    f();
    return '';
  } catch (e) {
    return (e as Error).message.replace(/ \(hint: [\s\S]*\)$/, '');
  }
};

const isHttpUrl = (v: string): boolean => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
};

const isOrigin = (v: string): boolean => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === v.toLowerCase();
  } catch {
    return false;
  }
};

const isUrlOf = (protocols: readonly string[]) => (v: string): boolean => {
  try {
    const u = new URL(v);
    return protocols.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
};

const GLOB_REFUSED = /[[\]{}]|^!|^\s|\s$/;

export const STRING_FORMATS: Record<string, StringFormat> = {
  'toolgate-duration': {
    check: (v) => succeeds(() => parseDuration(v)),
    message: (v) => failure(() => parseDuration(v)),
    hint: DURATION_HINT,
  },
  'toolgate-bytes': {
    check: (v) => succeeds(() => parseBytes(v)),
    message: (v) => failure(() => parseBytes(v)),
    hint: BYTES_HINT,
  },
  'toolgate-http-url': {
    check: isHttpUrl,
    message: (v) => `\`${v}\` is not an http:// or https:// URL`,
    hint: 'a Streamable HTTP server is reached at a URL such as http://127.0.0.1:3001/mcp; for a local program use `command` instead',
  },
  'toolgate-redis-url': {
    check: isUrlOf(['redis:', 'rediss:']),
    message: (v) => `\`${v}\` is not a redis:// or rediss:// URL`,
    hint: 'write redis://host:6379/0, redis://:password@host:6379, or rediss://user:password@host:6380 for TLS',
  },
  'toolgate-postgres-url': {
    check: isUrlOf(['postgres:', 'postgresql:']),
    message: (v) => `\`${v}\` is not a postgres:// URL`,
    hint: 'write postgres://user:password@host:5432/database (add ?sslmode=require for TLS)',
  },
  'toolgate-origin': {
    check: isOrigin,
    message: (v) => `\`${v}\` is not a browser origin`,
    hint: 'an origin is scheme://host[:port] with no path or trailing slash, e.g. http://localhost:5173',
  },
  'toolgate-server-id': {
    check: (v) => new RegExp(SERVER_ID_PATTERN).test(v),
    message: (v) => `\`${v}\` is not a valid server id`,
    hint: 'a server id becomes the URL path /mcp/<id>: start with a letter or digit, then use letters, digits, `.`, `_` and `-`',
  },
  'toolgate-tool-glob': {
    check: (v) => v !== '' && !GLOB_REFUSED.test(v),
    message: (v) => (v === '' ? 'a tool rule key must not be empty' : `\`${v}\` is not a valid tool name or glob`),
    hint: 'use an exact tool name or a glob where `*` matches any run of characters and `?` one character; [ ] { }, a leading ! and surrounding spaces are not supported',
  },
};

/** The formats as ajv takes them, for the config schema's validator (build-shape-validator.ts). */
export const AJV_FORMATS: Record<string, { type: 'string'; validate: (value: string) => boolean }> = Object.fromEntries(
  Object.entries(STRING_FORMATS).map(([name, format]) => [name, { type: 'string', validate: format.check }]),
);
