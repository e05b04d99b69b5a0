/**
 * Seeded randomness and hostile values for the fuzzer. Everything here is a pure function of the
 * random stream, so one seed always yields the same messages.
 */

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same sequence on every platform. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [weight, value] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1][1];
  }
}

const UNICODE_PIECES = [
  'é', 'ß', 'Ω', 'ж', '中文', '🙂', '👩‍💻', '\u0000', '\u200b', '\u200d', '\u202e', '\ufeff', '\uffff', '\ud83d', '\udc00',
  'ｄｅｌｅｔｅ', 'dеlete', '\u0301', '\n', '\r\n', '\t', '"', '\\', '/', '%', '%00', '%2F', '%E2%80%AE', '../', '..\\', '*', '?', '#',
  '<script>', '${x}', '{{x}}', "' OR 1=1 --", '\u2028', '\u2029',
];

/** A string that is hostile in length, encoding or content. */
export function hostileString(random: Random, maxLength = 64): string {
  switch (random.int(6)) {
    case 0:
      return '';
    case 1: {
      let text = '';
      while (text.length < maxLength && random.chance(0.8)) text += random.pick(UNICODE_PIECES);
      return text;
    }
    case 2:
      return random.pick(['a', 'é', '🙂', '%', '\u0000']).repeat(random.between(1, maxLength));
    case 3:
      return Array.from({ length: random.between(1, Math.min(maxLength, 40)) }, () => String.fromCharCode(random.int(0x10000))).join('');
    case 4:
      return encodeURIComponent(wellFormed(random.pick(UNICODE_PIECES))).repeat(random.between(1, 4));
    default:
      return `x${random.int(1_000_000)}`;
  }
}

/** `text` with lone surrogates replaced, so it can be percent-encoded. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Any JSON value, possibly nested, possibly odd (big, negative, deep). */
export function anyJson(random: Random, depth = 0): unknown {
  const kinds = depth > 3 ? 6 : 8;
  switch (random.int(kinds)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 31), 1e308, -1e-308, Number.MAX_SAFE_INTEGER]);
    case 3:
    case 4:
      return hostileString(random, 32);
    case 5:
      return random.int(1000);
    case 6:
      return Array.from({ length: random.int(4) }, () => anyJson(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = random.int(4); i > 0; i--) object[random.pick(['a', 'text', 'name', '__proto__', 'constructor', hostileString(random, 12)])] = anyJson(random, depth + 1);
      return object;
    }
  }
}

/** JSON text nested `depth` levels deep, e.g. `{"a":{"a":...}}` or `[[[...]]]`. */
export function deepJsonText(random: Random, depth: number): string {
  return random.chance(0.5) ? `${'['.repeat(depth)}0${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
}

/** Random bytes that are mostly not JSON (and not always UTF-8). */
export function garbageBytes(random: Random, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = random.int(256);
  return bytes;
}
