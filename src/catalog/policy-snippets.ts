/**
 * The YAML a person pastes into their config to act on one tool: allow it explicitly, deny it
 * with a reason, rate-limit it, validate its arguments, hold it for approval. Used by the HTML
 * pages and `toolgate init`; every snippet is a complete `policies:` fragment that loads as is.
 */
import type { CatalogEntry, ParamInfo } from './entry.js';
import type { Category, Risk } from './types.js';

export interface PolicySnippet {
  id: 'allow' | 'deny' | 'rate_limit' | 'validate' | 'require_approval';
  title: string;
  /** One or two sentences on what the rule does and when to use it. */
  explanation: string;
  yaml: string;
}

/** Calls a minute suggested for a tool of this risk. */
export const SUGGESTED_PER_MINUTE: Record<Risk, number> = { Low: 60, Medium: 30, High: 10, Critical: 3 };

const DENY_REASON: Record<Category, string> = {
  Read: 'This data is not for agents.',
  Write: 'Agents may not change this; ask a person.',
  Execute: 'Agents may not run this; ask a person to run it.',
  Destructive: 'Deleting is done by people, not agents.',
  Financial: 'Payments are made by people, not agents.',
  Communication: 'Agents may not send messages from this account.',
  Admin: 'Permissions and configuration are changed by people, not agents.',
};

export function policySnippets(entry: Pick<CatalogEntry, 'server' | 'name' | 'category' | 'risk' | 'params'>): PolicySnippet[] {
  const head = `policies:\n  ${yamlKey(entry.server)}:\n    tools:\n      ${yamlKey(entry.name)}:`;
  const perMinute = SUGGESTED_PER_MINUTE[entry.risk];
  const example = argumentExample(entry.params);
  return [
    {
      id: 'allow',
      title: 'Allow it',
      explanation: 'An empty rule allows every call. A rule that names the tool beats globs and category defaults, so this also lifts a default that holds or limits it.',
      yaml: `${head} {}\n`,
    },
    {
      id: 'deny',
      title: 'Deny it, with a reason',
      explanation: 'The call never reaches the server; the agent gets the reason as a tool error it can read and act on. Use `action: hide` instead to remove the tool from the list altogether.',
      yaml: `${head}\n        action: deny\n        reason: ${yamlString(DENY_REASON[entry.category])}\n`,
    },
    {
      id: 'rate_limit',
      title: 'Rate-limit it',
      explanation: `At most ${perMinute} calls in any minute, per agent session (a sliding window: no burst at the edges). \`scope: tool\` shares one budget across all sessions.`,
      yaml: `${head}\n        rate_limit: { max: ${perMinute}, window: 1m }\n`,
    },
    {
      id: 'validate',
      title: 'Validate its arguments',
      explanation: example
        ? `The arguments must satisfy the tool's own inputSchema, and a schema of yours on top: here ${example.why}. Every failing path is named in the refusal.`
        : "The arguments must satisfy the tool's own inputSchema; add `arguments:` with a JSON Schema of your own to narrow them further.",
      yaml: example
        ? `${head}\n        validate:\n          input_schema: true\n          arguments:\n            properties:\n              ${yamlKey(example.param)}: ${example.schema}\n`
        : `${head}\n        validate: true\n`,
    },
    {
      id: 'require_approval',
      title: 'Hold it for approval',
      explanation:
        'Each call waits until a person approves it, in the dashboard or with `toolgate approvals approve`. A refusal, or no answer within the timeout (10 minutes unless `approval: { timeout: 30m }` says otherwise), reaches the agent like a deny.',
      yaml: `${head}\n        action: require_approval\n`,
    },
  ];
}

/**
 * A path under /srv/workspace/ with no `..` segment, so `/srv/workspace/../../etc/passwd` is
 * outside. Each segment is empty, something not starting with a dot, `.` alone or plus more
 * (`.env`), or `..` plus more (`..notes`), never `..` itself. No lookahead: patterns run on RE2
 * (src/policy/linear-regexp.ts). The same pattern as examples/aws.yaml's.
 */
export const WORKSPACE_PATH_PATTERN = '^/srv/workspace/(?:[^/.][^/]*|\\.(?:[^/.][^/]*|\\.[^/]+)?)?(?:/(?:[^/.][^/]*|\\.(?:[^/.][^/]*|\\.[^/]+)?)?)*$';

/** A narrowing schema for the first parameter it makes sense for, or undefined. */
export function argumentExample(params: ParamInfo[]): { param: string; schema: string; why: string } | undefined {
  const ordered = [...params.filter((p) => p.required), ...params.filter((p) => !p.required)];
  for (const p of ordered) {
    const words = p.name.toLowerCase();
    if (p.type.startsWith('string') && /(path|dir|directory|folder|file|root)/.test(words)) {
      return { param: p.name, schema: `{ pattern: ${yamlString(WORKSPACE_PATH_PATTERN)} }`, why: `\`${p.name}\` must be under /srv/workspace/, with no \`..\` step out of it (put your own folder)` };
    }
    if (p.type.startsWith('string') && /(url|uri|endpoint|host)/.test(words)) {
      return { param: p.name, schema: '{ pattern: "^https://([a-z0-9-]+\\\\.)*example\\\\.com/" }', why: `\`${p.name}\` must point at example.com (put your own domain)` };
    }
    if (p.type === 'number' || p.type === 'integer') {
      return { param: p.name, schema: '{ minimum: 0, maximum: 1000 }', why: `\`${p.name}\` must be between 0 and 1000` };
    }
  }
  const text = ordered.find((p) => p.type === 'string');
  if (text) return { param: text.name, schema: '{ maxLength: 200 }', why: `\`${text.name}\` may be at most 200 characters` };
  return undefined;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Starts with a letter, `_`, `.` or `/` (never an indicator or a digit), no `: `, ` #` or quotes. */
const PLAIN_VALUE = /^[A-Za-z_./][A-Za-z0-9_./@+=,-]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null|y|n)$/i;

/** A mapping key: plain when YAML reads it back as the same string, else double-quoted. Keys are never `${VAR}`-expanded. */
export function yamlKey(key: string): string {
  return PLAIN_KEY.test(key) && !YAML_WORDS.test(key) ? key : JSON.stringify(key);
}

/** A string value: plain when YAML reads it back as the same string (`node`, `stdio`, `./app.js`), else double-quoted. */
export function yamlValue(text: string): string {
  return PLAIN_VALUE.test(text) && !YAML_WORDS.test(text) && !text.includes('${') ? text : yamlString(text);
}

/**
 * A double-quoted YAML scalar (JSON's escapes are YAML's). `${` is written `$${` because the
 * config loader expands `${VAR}` in every string.
 */
export function yamlString(text: string): string {
  return JSON.stringify(text).replaceAll('${', () => '$${'); // a function: in a replacement string `$$` means one `$`
}
