/**
 * Tool-name globs as the policy YAML writes them: `*` matches any run of characters (including
 * none), `?` exactly one character; every other character is literal. There is no escaping and
 * no character class: tool names are identifiers, and a small language is easier to read in
 * a policy review than a regular expression.
 */

export interface Glob {
  readonly pattern: string;
  /** Characters that are not wildcards: the specificity that decides between matching globs. */
  readonly literalCount: number;
  /** The literal text before the first wildcard; the policy indexes globs by it. */
  readonly prefix: string;
  matches(name: string): boolean;
}

/** True when the key contains a wildcard; otherwise it names exactly one tool. */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

export function compileGlob(pattern: string): Glob {
  let source = '^';
  let literalCount = 0;
  // Iterate by code point so `?` matches one character even outside the BMP.
  for (const ch of pattern) {
    if (ch === '*') {
      // Collapse `**` runs: they mean the same and a run of `.*` backtracks needlessly.
      if (!source.endsWith('[\\s\\S]*')) source += '[\\s\\S]*';
    } else if (ch === '?') {
      source += '[\\s\\S]';
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      literalCount += 1;
    }
  }
  const re = new RegExp(source + '$', 'u');
  const first = pattern.search(/[*?]/);
  const last = Math.max(pattern.lastIndexOf('*'), pattern.lastIndexOf('?'));
  const prefix = first === -1 ? pattern : pattern.slice(0, first);
  const suffix = last === -1 ? '' : pattern.slice(last + 1);
  return Object.freeze({
    pattern,
    literalCount,
    prefix,
    // Cheap string checks reject most names before the regular expression runs.
    matches: (name: string) => name.startsWith(prefix) && name.endsWith(suffix) && re.test(name),
  });
}
