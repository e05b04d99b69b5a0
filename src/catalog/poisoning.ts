/**
 * Tool-poisoning signs: text in a tool definition aimed at the model rather than at the person
 * choosing tools. The model reads every description and parameter description; a server can use
 * that to give it orders ("ignore previous instructions", "do not tell the user"), to make it
 * read private files and pass them back as arguments, or to hide such text in characters no
 * human reviewer sees. Each sign is reported with where it was found and an excerpt.
 */
import { isObject } from './evidence.js';
import type { Finding, ToolDefinition } from './types.js';
import { splitWords } from './words.js';

export interface PoisoningReport {
  findings: Finding[];
  /** A sign that private data is to leave (secret files, conversation, another address). */
  exfiltration: boolean;
}

/** Zero-width, invisible-operator, BOM, bidi-control and Unicode tag characters. */
const HIDDEN = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF\u202A-\u202E\u2066-\u2069]|[\u{E0000}-\u{E007F}]/gu;
const HAS_HIDDEN = new RegExp(HIDDEN.source, 'u');

interface Pattern {
  id: string;
  what: string;
  re: RegExp;
  exfiltration?: boolean;
}

const SENSITIVE_PATH =
  /(?:~|\$HOME|%USERPROFILE%)?[\\/]?\.ssh\b|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.aws[\\/]credentials|\.netrc\b|\.npmrc\b|\.pgpass\b|\.docker[\\/]config\.json|\.kube[\\/]config|\/etc\/(?:passwd|shadow)\b|\bmcp\.json\b|claude_desktop_config|\.env\b|\bprivate[ _-]key\b|\bwallet\.dat\b|\.git-credentials|\.bash_history|\.zsh_history/i;

const PATTERNS: Pattern[] = [
  {
    id: 'override',
    what: 'tells the model to ignore its other instructions',
    re: /\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|other|any|system|existing)\b[^.\n]{0,20}\b(?:instructions?|prompts?|rules|directions|guidelines|directives)\b/i,
  },
  {
    id: 'secrecy',
    what: 'tells the model to keep something from the user',
    re: /\b(?:do not|don't|dont|never|must not|without)\s+(?:\w+\s+){0,3}?(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|notify(?:ing)?|alert(?:ing)?|reveal(?:ing)?|disclos(?:e|ing))\b[^.\n]{0,20}\b(?:the )?user\b|\b(?:do not|don't|never)\s+let\s+the\s+user\s+know\b/i,
  },
  {
    id: 'secrecy',
    what: 'tells the model to hide what it does',
    re: /\b(?:do not|don't|never)\s+(?:mention|reveal|disclose)\s+(?:that|this|these|the (?:following|instructions?|side effects?))\b|\bthe user (?:must not|should not|shouldn't|won't|will not|need not) (?:know|see|notice|be told)\b/i,
  },
  {
    id: 'tag',
    what: 'wraps instructions in a pseudo-markup block aimed at the model',
    // Honest servers structure long descriptions with tags (`<use_case>`, `<instructions>` on how
    // to present results); these names are the ones that claim authority or hide something.
    re: /<\s*\/?\s*(?:important|system|secret|hidden|admin|critical|override|system_prompt)\s*>/i,
  },
  {
    id: 'role',
    what: 'tries to change who the model thinks it is',
    re: /\byou are now\b|\bfrom now on,? you\b|\bnew (?:system )?instructions?:/i,
  },
  {
    id: 'coercion',
    what: 'threatens that the tool fails unless the model follows hidden steps',
    re: /\botherwise,? (?:the|this) tool (?:will|would) (?:not work|fail|break|crash)\b|\b(?:very|extremely) important side[- ]effect\b/i,
  },
  {
    id: 'before',
    what: 'orders a hidden step before the tool is used',
    re: /\bbefore (?:using|calling|invoking|running) (?:this|the|any) tool\b[^.\n]{0,60}\b(?:read|open|cat|load|fetch|send|upload|pass)\b[^.\n]{0,60}(?:~\/|\.ssh|id_rsa|credentials?|secrets?|tokens?|passwords?|private key|\.env\b|history)/i,
    exfiltration: true,
  },
  {
    id: 'conversation',
    what: 'asks for the conversation or the model\'s instructions to be passed along',
    re: /\b(?:include|pass|send|append|add|attach|provide|copy|put)\b[^.\n]{0,60}\b(?:conversation(?: history)?|chat history|previous messages|system prompt|full context|all (?:the )?previous messages)\b/i,
    exfiltration: true,
  },
  {
    id: 'redirect',
    what: 'redirects messages or payments to an address of its own',
    re: /\b(?:all|every|any)\s+(?:emails?|messages?|payments?|transfers?)\s+(?:must|should|shall)\s+(?:also\s+)?(?:be\s+)?(?:sent|forwarded|copied|redirected|routed|bcc'?d|cc'?d)\s+to\b/i,
    exfiltration: true,
  },
];

/** Verbs near a sensitive path that turn a mention into an instruction to read or pass it on. */
const ACTION_NEAR_PATH = /\b(?:read|open|cat|load|include|pass|send|upload|copy|attach|provide|fetch|contents? of)\b/i;

export function detectPoisoning(tool: ToolDefinition): PoisoningReport {
  const findings: Finding[] = [];
  let exfiltration = false;
  // A dotenv tool may well talk about `.env`; a calculator may not.
  const nameWords = new Set(splitWords(typeof tool.name === 'string' ? tool.name : ''));
  for (const { where, text } of textsOf(tool)) {
    const hidden = [...text.matchAll(HIDDEN)].map((m) => m[0]);
    if (hidden.length > 0) {
      const codes = [...new Set(hidden.map(codePoint))].join(', ');
      const smuggled = decodeTags(text);
      findings.push({
        kind: 'poisoning',
        message:
          `${where} contains ${hidden.length} invisible character(s) (${codes}); text a reviewer cannot see is still read by the model.` +
          (smuggled ? ` Hidden tag text reads: "${clip(smuggled)}".` : ''),
      });
    }
    const visible = text.replace(HIDDEN, '');
    const seen = new Set<string>();
    for (const p of PATTERNS) {
      if (seen.has(p.id)) continue;
      const m = p.re.exec(visible);
      if (!m) continue;
      seen.add(p.id);
      exfiltration ||= p.exfiltration === true;
      findings.push({ kind: 'poisoning', message: `${where} ${p.what}: "${clip(excerpt(visible, m.index, m[0].length))}".` });
    }
    const path = SENSITIVE_PATH.exec(visible);
    const ownJob = path !== null && splitWords(path[0]).some((w) => w.length > 2 && nameWords.has(w));
    if (path && !ownJob && ACTION_NEAR_PATH.test(visible.slice(Math.max(0, path.index - 120), path.index + path[0].length + 120))) {
      exfiltration = true;
      findings.push({
        kind: 'poisoning',
        message: `${where} asks for a private file unrelated to a tool's job (${path[0].trim()}): "${clip(excerpt(visible, path.index, path[0].length))}".`,
      });
    }
  }
  return { findings, exfiltration };
}

/** Every piece of text the model sees: name, title, description, and all strings in the schema. */
function textsOf(tool: ToolDefinition): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  if (typeof tool.name === 'string') out.push({ where: 'The name', text: tool.name });
  if (typeof tool.title === 'string') out.push({ where: 'The title', text: tool.title });
  if (typeof tool.annotations?.title === 'string') out.push({ where: 'The annotation title', text: tool.annotations.title });
  if (typeof tool.description === 'string') out.push({ where: 'The description', text: tool.description });
  collectSchemaStrings(tool.inputSchema, '', out, 0);
  return out;
}

function collectSchemaStrings(node: unknown, path: string, out: Array<{ where: string; text: string }>, depth: number): void {
  if (depth > 12) return;
  if (typeof node === 'string') {
    out.push({ where: `The input schema at \`${path || '/'}\``, text: node });
  } else if (Array.isArray(node)) {
    node.forEach((item, i) => collectSchemaStrings(item, `${path}/${i}`, out, depth + 1));
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      // Property names are text the model reads too.
      if (HAS_HIDDEN.test(key)) out.push({ where: `A property name at \`${path || '/'}\``, text: key });
      collectSchemaStrings(value, `${path}/${key}`, out, depth + 1);
    }
  }
}

function codePoint(ch: string): string {
  return 'U+' + (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}

/** Unicode tag characters mirror ASCII; decoding them shows what was smuggled. */
function decodeTags(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

function excerpt(text: string, index: number, length: number): string {
  return text.slice(Math.max(0, index - 20), index + length + 40).replace(/\s+/g, ' ').trim();
}

function clip(s: string): string {
  return s.length > 140 ? s.slice(0, 137) + '...' : s;
}
