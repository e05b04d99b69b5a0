/**
 * Turning identifiers and prose into comparable words. Tool names come in every convention
 * (`delete_topic`, `getUserProfile`, `get-env`, `kubectl.apply`), descriptions in every tense
 * ("Deletes", "Deleting"), so everything is reduced to lower-case tokens and simple lemmas.
 */

/** Word pairs that name one thing; joined so their parts are not read as verbs ("pull request"). */
const COMPOUNDS: ReadonlyArray<readonly [string, string, string]> = [
  ['pull', 'request', 'pull_request'],
  ['pull', 'requests', 'pull_request'],
  ['merge', 'request', 'merge_request'],
  ['merge', 'requests', 'merge_request'],
  ['set', 'up', 'setup'],
  ['look', 'up', 'lookup'],
  ['clean', 'up', 'cleanup'],
  ['sign', 'in', 'login'],
  ['log', 'in', 'login'],
  ['sign', 'out', 'logout'],
  ['log', 'out', 'logout'],
  ['api', 'key', 'api_key'],
  ['api', 'keys', 'api_key'],
  ['access', 'key', 'access_key'],
  ['access', 'keys', 'access_key'],
  ['ssh', 'key', 'ssh_key'],
  ['ssh', 'keys', 'ssh_key'],
  ['deploy', 'key', 'deploy_key'],
  ['deploy', 'keys', 'deploy_key'],
  ['private', 'key', 'private_key'],
  ['signing', 'key', 'signing_key'],
  ['service', 'account', 'service_account'],
  ['role', 'binding', 'role_binding'],
  ['security', 'group', 'security_group'],
  ['payment', 'link', 'payment_link'],
  ['payment', 'intent', 'payment_intent'],
  ['sub', 'issue', 'sub_issue'],
  ['dry', 'run', 'dry_run'],
  ['user', 'agent', 'user_agent'],
];

/** Splits an identifier or a phrase into lower-case tokens: `getUserProfile` → get, user, profile. */
export function splitWords(text: string): string[] {
  const raw = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((t) => t.length > 0)
    .map((t) => t.toLowerCase());
  return joinCompounds(raw);
}

function joinCompounds(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const pair = COMPOUNDS.find(([a, b]) => tokens[i] === a && tokens[i + 1] === b);
    if (pair) {
      out.push(pair[2]);
      i++;
    } else {
      out.push(tokens[i]);
    }
  }
  return out;
}

/**
 * Candidate base forms of an English word, most literal first: `fetches` → fetches, fetche,
 * fetch. Crude on purpose; callers look each candidate up in a closed vocabulary, so a wrong
 * candidate simply finds nothing.
 */
export function lemmas(word: string): string[] {
  const w = word.toLowerCase();
  const out = [w];
  const add = (c: string): void => {
    if (c.length >= 2 && !out.includes(c)) out.push(c);
  };
  if (w.endsWith('ies')) add(w.slice(0, -3) + 'y');
  if (w.endsWith('es')) add(w.slice(0, -2));
  if (w.endsWith('s') && !w.endsWith('ss')) add(w.slice(0, -1));
  if (w.endsWith('ing')) {
    const stem = w.slice(0, -3);
    add(stem);
    add(stem + 'e');
    if (stem.length > 2 && stem[stem.length - 1] === stem[stem.length - 2]) add(stem.slice(0, -1));
  }
  if (w.endsWith('ed')) {
    const stem = w.slice(0, -2);
    add(stem);
    add(w.slice(0, -1));
    if (stem.length > 2 && stem[stem.length - 1] === stem[stem.length - 2]) add(stem.slice(0, -1));
  }
  if (w.endsWith('ied')) add(w.slice(0, -3) + 'y');
  return out;
}

/** Looks a word up in a vocabulary through its lemmas; returns the matching base form. */
export function lookup<T>(vocabulary: ReadonlyMap<string, T>, word: string): { base: string; value: T } | undefined {
  for (const candidate of lemmas(word)) {
    const value = vocabulary.get(candidate);
    if (value !== undefined) return { base: candidate, value };
  }
  return undefined;
}

/** True when the token or one of its lemmas is in the set. */
export function inSet(set: ReadonlySet<string>, word: string): boolean {
  return lemmas(word).some((c) => set.has(c));
}

/**
 * The first words of each sentence of a description, with the usual preambles removed
 * ("This tool will", "Use this tool to"), so the leading verb of each sentence is first.
 */
export function sentenceOpenings(text: string): string[][] {
  return text
    .split(/(?<=[.!?:])\s+|\n+/)
    .map((s) =>
      s
        .trim()
        .replace(/^[-*#>\d.)\s]+/, '')
        .replace(
          /^(?:this tool (?:will |can |is used to |lets you |allows you to |helps (?:you )?)?|use this tool to |use this to |tools? (?:to|for) |it |this (?:will |can )?|will |can |please |you can |allows? (?:you )?to |helps? (?:you )?(?:to )?)/i,
          '',
        ),
    )
    .filter((s) => s.length > 0)
    .map((s) => splitWords(s).slice(0, 3));
}

/** Counts the words of a text (letters and digits runs). */
export function wordCount(text: string): number {
  return (text.match(/[A-Za-z0-9][A-Za-z0-9'_-]*/g) ?? []).length;
}
