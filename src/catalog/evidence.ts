/**
 * Everything the classifier reads from one tool definition, gathered once: the words of the name,
 * title and description, the parameters, the verb that says what the tool does and the nouns it
 * acts on, and the server's general field (payments, clusters). Later steps only look things up
 * here, so each rule stays a short, readable condition.
 */
import type { ToolDefinition } from './types.js';
import {
  inSet,
  lookup,
  sentenceOpenings,
  splitWords,
} from './words.js';
import {
  CLUSTER_WORDS,
  IDENTITY_PROVIDERS,
  DESCRIPTION_READ_VERBS,
  MONEY_PARAMS,
  NOMINALIZATIONS,
  PAYMENT_CONTEXT,
  READ_NOUNS,
  UI_SESSION_WORDS,
  VERBS,
  type VerbClass,
} from './signals.js';

export interface Param {
  name: string;
  tokens: string[];
  type: string | undefined;
  format: string | undefined;
  description: string;
  /** The values it accepts, when the schema lists them. */
  values: string[];
}

export type VerbSource = 'name' | 'name (noun)' | 'title' | 'description' | 'none';

export interface Verb {
  /** The word as written, e.g. `deleting`. */
  word: string;
  /** Its base form, e.g. `delete`. */
  base: string;
  cls: VerbClass;
}

export interface Evidence {
  name: string;
  nameTokens: string[];
  titleTokens: string[];
  description: string;
  descriptionTokens: ReadonlySet<string>;
  params: Param[];
  paramTokens: ReadonlySet<string>;
  required: string[];
  /** Verbs found in the name, in order. */
  nameVerbs: Verb[];
  /** The verb that decides the base category, and where it came from. */
  verb: Verb | undefined;
  verbSource: VerbSource;
  /** Name tokens that are not verbs or filler: what the tool acts on. */
  objects: string[];
  /** The first object after the verb (or before it, for `issue_write`). */
  headObject: string | undefined;
  serverTokens: string[];
  /** The server, description or parameters are about payments or billing. */
  paymentsContext: boolean;
  /** The tool works on a Kubernetes-like cluster. */
  clusterContext: boolean;
  /** The server is an identity provider: its objects are tenant configuration. */
  identityContext: boolean;
  /** The tool drives an interactive session (a browser page, a window): its effects are passing. */
  uiSession: boolean;
}

/** A description of a tool that acts in a live browser session. */
const BROWSER_SESSION_PHRASE = /\b(?:the browser|the current page|(?:an? |the )?element (?:on|in) (?:the|an iframe on the) page)\b/i;

const NAME_FILLER = new Set(['a', 'an', 'the', 'to', 'for', 'from', 'in', 'of', 'by', 'and', 'or', 'if', 'with', 'as', 'on', 'all', 'multiple', 'new', 'my', 'is', 'at']);

/** Verbs that are as often nouns; at the end of a name they usually are. */
const NOUN_LIKE_VERBS = new Set(['message', 'comment', 'mail', 'email', 'reply', 'tweet', 'post', 'dm', 'sms', 'tag', 'label', 'star', 'draft', 'book', 'link', 'fork', 'plan', 'help', 'search', 'query', 'export']);

/** Verbs joined by and/or name a tool that does both; the strongest decides. */
const STRENGTH: readonly VerbClass[] = ['read', 'vague', 'write', 'communicate', 'execute', 'destructive', 'admin', 'financial'];

export function gatherEvidence(tool: ToolDefinition, server: string | undefined): Evidence {
  const name = typeof tool.name === 'string' ? tool.name : '';
  const nameTokens = unglue(splitWords(name));
  const title = typeof tool.title === 'string' ? tool.title : typeof tool.annotations?.title === 'string' ? tool.annotations.title : '';
  const titleTokens = splitWords(title);
  const description = typeof tool.description === 'string' ? tool.description.trim() : '';
  // Both camel-split and whole words: "PayPal" must count as "paypal", not only "pay" and "pal".
  const descriptionTokens = new Set([...splitWords(description), ...description.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)]);
  const params = readParams(tool.inputSchema);
  const paramTokens = new Set(params.flatMap((p) => [...p.tokens, p.tokens.join('_')]));
  const required = readRequired(tool.inputSchema);
  const serverTokens = splitWords(server ?? '');

  const nameVerbs = verbsOf(nameTokens);
  const { verb, source, index } = pickVerb(nameTokens, nameVerbs, titleTokens, description);
  const objects = nameTokens.filter((t, i) => !NAME_FILLER.has(t) && !(source === 'name' && i === index));
  const headObject =
    source === 'name' && index >= 0
      ? (nameTokens.slice(index + 1).find((t) => !NAME_FILLER.has(t)) ?? nameTokens.slice(0, index).reverse().find((t) => !NAME_FILLER.has(t)))
      : objects[objects.length - 1];

  const allWords = [...serverTokens, ...descriptionTokens, ...nameTokens];
  const paymentsContext =
    allWords.some((w) => PAYMENT_CONTEXT.has(w)) ||
    (params.some((p) => inSet(MONEY_PARAMS, p.name.toLowerCase())) && paramTokens.has('currency'));
  const clusterContext = [...allWords, ...paramTokens].some((w) => CLUSTER_WORDS.has(w));
  const identityContext = serverTokens.some((w) => IDENTITY_PROVIDERS.has(w));
  // A server named for the browser it drives says so in its descriptions ("in the browser
  // console", "on the current page") rather than in its tool names.
  const uiSession = [...nameTokens, ...serverTokens].some((w) => UI_SESSION_WORDS.has(w)) || BROWSER_SESSION_PHRASE.test(description);

  return {
    name,
    nameTokens,
    titleTokens,
    description,
    descriptionTokens,
    params,
    paramTokens,
    required,
    nameVerbs,
    verb,
    verbSource: source,
    objects,
    headObject,
    serverTokens,
    paymentsContext,
    clusterContext,
    identityContext,
    uiSession,
  };
}

/**
 * Splits a one-word name written without separators (`flushall`, `sequentialthinking`) at a
 * leading or trailing verb, so it reads like `flush_all`. Only for single-token names, and only
 * when the remainder is a real-looking word, to avoid cutting nouns like `settings` apart.
 */
function unglue(tokens: string[]): string[] {
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (only === undefined || only.length < 7 || VERBS.has(only) || READ_NOUNS.has(only)) return tokens;
  let best: string[] | undefined;
  let bestLength = 0;
  for (const verb of VERBS.keys()) {
    if (verb.length < 3) continue;
    if (only.startsWith(verb) && only.length - verb.length >= 3 && verb.length > bestLength) {
      best = [verb, only.slice(verb.length)];
      bestLength = verb.length;
    }
    for (const form of [verb + 'ing', verb.replace(/e$/, '') + 'ing', verb]) {
      if (only.endsWith(form) && only.length - form.length >= 4 && form.length > bestLength) {
        best = [only.slice(0, -form.length), verb];
        bestLength = form.length;
      }
    }
  }
  return best ?? tokens;
}

/**
 * Verbs of a name or title. Names use the bare imperative (`list_messages`), so only exact forms
 * count here: an inflected token is a noun or adjective (`messages`, `requests`, `connected`).
 */
function verbsOf(tokens: string[]): Verb[] {
  const out: Verb[] = [];
  for (const t of tokens) {
    const cls = VERBS.get(t);
    if (cls !== undefined) out.push({ word: t, base: t, cls });
  }
  return out;
}

function pickVerb(
  nameTokens: string[],
  nameVerbs: Verb[],
  titleTokens: string[],
  description: string,
): { verb: Verb | undefined; source: VerbSource; index: number } {
  const definite = nameVerbs.filter((v) => v.cls !== 'vague');
  if (definite.length > 0) {
    let chosen = definite[0];
    if (nameTokens.includes('and') || nameTokens.includes('or')) {
      for (const v of definite) if (STRENGTH.indexOf(v.cls) > STRENGTH.indexOf(chosen.cls)) chosen = v;
    }
    const index = nameTokens.indexOf(chosen.word);
    // `channel_message`: a trailing word that is also a noun is most likely the noun.
    if (NOUN_LIKE_VERBS.has(chosen.word) && index === nameTokens.length - 1 && index > 0 && definite.length === 1) {
      const described = descriptionVerb(description);
      if (described && described.cls !== chosen.cls) return { verb: described, source: 'description', index: -1 };
    }
    return { verb: chosen, source: 'name', index };
  }
  if (nameVerbs.length === 0) {
    for (const t of nameTokens) {
      const base = NOMINALIZATIONS.get(t);
      const cls = base === undefined ? undefined : VERBS.get(base);
      if (base !== undefined && cls !== undefined) return { verb: { word: t, base, cls }, source: 'name (noun)', index: nameTokens.indexOf(t) };
    }
    const titleVerb = verbsOf(titleTokens).find((v) => v.cls !== 'vague');
    if (titleVerb) return { verb: titleVerb, source: 'title', index: -1 };
    const noun = nameTokens.find((t) => READ_NOUNS.has(t));
    if (noun !== undefined) return { verb: { word: noun, base: noun, cls: 'read' }, source: 'name (noun)', index: nameTokens.indexOf(noun) };
  }
  const fromDescription = descriptionVerb(description);
  if (fromDescription) return { verb: fromDescription, source: 'description', index: -1 };
  const vague = nameVerbs[0];
  if (vague) return { verb: vague, source: 'name', index: nameTokens.indexOf(vague.word) };
  return { verb: undefined, source: 'none', index: -1 };
}

/** The first definite verb that opens a sentence of the description ("Deletes…", "Returns…"). */
export function descriptionVerb(description: string): Verb | undefined {
  for (const opening of sentenceOpenings(description)) {
    const first = opening[0];
    if (first === undefined) continue;
    const hit = lookup(VERBS, first);
    if (hit && hit.value !== 'vague') return { word: first, base: hit.base, cls: hit.value };
    if (inSet(DESCRIPTION_READ_VERBS, first)) return { word: first, base: first.replace(/s$/, ''), cls: 'read' };
  }
  return undefined;
}

/**
 * The parameters a call can set, nested ones included: servers often wrap every argument in one
 * object (`params`, `action.forward`), and what the tool accepts is still decided by those.
 */
function readParams(schema: unknown, depth = 0): Param[] {
  if (!isObject(schema) || !isObject(schema.properties) || depth > 2) return [];
  return Object.entries(schema.properties).flatMap(([name, raw]) => {
    const p = isObject(raw) ? raw : {};
    const own: Param = {
      name,
      tokens: splitWords(name),
      type: typeof p.type === 'string' ? p.type : undefined,
      format: typeof p.format === 'string' ? p.format : formatOfAnyOf(p),
      description: typeof p.description === 'string' ? p.description : '',
      values: enumOf(p),
    };
    return [own, ...readParams(p, depth + 1)];
  });
}

/** The strings a parameter accepts when it lists them (`enum`, or `anyOf`/`oneOf` of consts). */
function enumOf(p: Record<string, unknown>): string[] {
  if (Array.isArray(p.enum)) return p.enum.filter((v): v is string => typeof v === 'string');
  const variants = Array.isArray(p.anyOf) ? p.anyOf : Array.isArray(p.oneOf) ? p.oneOf : [];
  return variants.flatMap((v) => (isObject(v) ? (typeof v.const === 'string' ? [v.const] : Array.isArray(v.enum) ? v.enum.filter((e): e is string => typeof e === 'string') : []) : []));
}

function formatOfAnyOf(p: Record<string, unknown>): string | undefined {
  const variants = Array.isArray(p.anyOf) ? p.anyOf : Array.isArray(p.oneOf) ? p.oneOf : [];
  for (const v of variants) if (isObject(v) && typeof v.format === 'string') return v.format;
  return undefined;
}

function readRequired(schema: unknown): string[] {
  if (!isObject(schema) || !Array.isArray(schema.required)) return [];
  return schema.required.filter((r): r is string => typeof r === 'string');
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
