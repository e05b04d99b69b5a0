/**
 * Durations and byte sizes as people write them in YAML. Shared beyond the config loader
 * (approval timeouts, store TTLs), so the errors are plain `ToolgateError`s that say what is
 * accepted; the loader turns them into located config problems.
 */
import { ToolgateError } from '../errors.js';

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const BYTE_UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;

/** A duration string: a number and a unit, no spaces (`500ms`, `30s`, `1.5m`, `1h`, `1d`). */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
/** A byte size string; `k`, `m`, `g` are powers of 1024 with or without `i` (`512kb`, `4MiB`). */
export const BYTES_PATTERN = '^[0-9]+(\\.[0-9]+)? ?([kKmMgG][iI]?)?[bB]$';

export const DURATION_HINT = 'write seconds as a number (60) or a string with a unit: "500ms", "30s", "1m", "1h", "1d"';
export const BYTES_HINT = 'write a number of bytes (4194304) or a size with a unit: "512kb", "4mb", "1gb" (1kb = 1024 bytes)';

/**
 * Milliseconds for a duration. A number means seconds (YAML `window: 60`); a string needs a
 * unit. Zero and negative durations are refused: every duration toolgate takes is a window or
 * a timeout, where zero is always a mistake.
 */
export function parseDuration(v: number | string): number {
  let ms: number;
  if (typeof v === 'number') {
    ms = v * 1000;
  } else {
    const m = new RegExp(DURATION_PATTERN).exec(v);
    if (!m) throw new ToolgateError('config_invalid', `\`${v}\` is not a duration (hint: ${DURATION_HINT})`);
    ms = Number(v.slice(0, v.length - m[2].length)) * DURATION_UNITS_MS[m[2] as keyof typeof DURATION_UNITS_MS];
  }
  if (!Number.isFinite(ms) || Math.round(ms) < 1) {
    throw new ToolgateError('config_invalid', `duration \`${v}\` must be at least 1ms (hint: ${DURATION_HINT})`);
  }
  return Math.round(ms);
}

/** Bytes for a size: a whole number of bytes, or a string such as `4mb` (binary units). */
export function parseBytes(v: number | string): number {
  let bytes: number;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ToolgateError('config_invalid', `${v} is not a whole number of bytes (hint: ${BYTES_HINT})`);
    bytes = v;
  } else {
    const m = new RegExp(BYTES_PATTERN).exec(v);
    if (!m) throw new ToolgateError('config_invalid', `\`${v}\` is not a byte size (hint: ${BYTES_HINT})`);
    const unit = `${(m[2] ?? '').charAt(0).toLowerCase()}b` as keyof typeof BYTE_UNITS;
    bytes = Math.round(Number(/^[0-9.]+/.exec(v)![0]) * BYTE_UNITS[unit]);
  }
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new ToolgateError('config_invalid', `byte size \`${v}\` must be at least 1 byte (hint: ${BYTES_HINT})`);
  }
  return bytes;
}
