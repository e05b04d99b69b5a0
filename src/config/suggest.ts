/** "Did you mean ...?" for misspelt keys, enum values and server ids. */

/** Optimal-string-alignment distance: Levenshtein plus swapping two neighbours (`rate_lmiit`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

const normalize = (s: string) => s.toLowerCase().replace(/[-_ .]/g, '');

/**
 * The closest candidate, if it is close enough to be a plausible typo. Spellings that differ
 * only in case or separators (`rateLimit`, `Rate-Limit`) always match.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const n = normalize(word);
  const same = candidates.find((c) => normalize(c) === n);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(n, normalize(c));
    if (dist < bestDistance) [best, bestDistance] = [c, dist];
  }
  // About one typo per three characters: two-letter words get no guesses, `lgo` gets `log`.
  const limit = Math.floor(Math.min(n.length, best?.length ?? 0) / 3);
  if (bestDistance <= limit) return best;
  // A word that runs on past a candidate (`enforcing` for `enforce`).
  return candidates.find((c) => {
    const m = normalize(c);
    return m.length >= 4 && commonPrefix(n, m) >= Math.ceil(m.length * 0.75);
  });
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** `a`, `b`, `c` — for hints that list what is allowed. */
export function listOf(values: readonly string[]): string {
  return values.map((v) => `\`${v}\``).join(', ');
}

/** A hint: the near miss if there is one, otherwise everything that is allowed. */
export function suggestHint(word: string, candidates: readonly string[], noun: string): string {
  const near = closest(word, candidates);
  if (near !== undefined) return `did you mean \`${near}\`?`;
  return candidates.length ? `${noun}: ${listOf(candidates)}` : `nothing is allowed here`;
}
