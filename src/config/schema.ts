/**
 * The JSON Schema of toolgate's YAML config file. It is the single description of the file's
 * shape: the loader validates with it, and `toolgate schema` prints it so editors can offer
 * completion and show the `description`s. Checks a schema cannot express well (exactly one of
 * `command`/`url`, policies naming real servers, CEL syntax, schemas under `arguments`) live in
 * `checks.ts`.
 *
 * `format`s prefixed `toolgate-` are checked by the loader; editors ignore unknown formats, so
 * where it helps a `pattern` says the same thing to them.
 */
import type { Category, Risk } from '../catalog/types.js';
import { BYTES_PATTERN, DURATION_PATTERN } from './duration.js';

export const SERVER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

const MODES = ['enforce', 'monitor'];
const ACTIONS = ['allow', 'deny', 'hide', 'require_approval'];
const PINNING = ['block', 'warn', 'off'];

/** The classifier's categories, in the order the docs list them. */
export const CATEGORIES: readonly Category[] = ['Read', 'Write', 'Execute', 'Destructive', 'Financial', 'Communication', 'Admin'];
export const RISK_LEVELS: readonly Risk[] = ['Low', 'Medium', 'High', 'Critical'];
export const PROFILE_NAMES = ['recommended'] as const;

const CATEGORY_DESCRIPTIONS: Record<Category, string> = {
  Read: 'tools that only read (list, get, search, describe)',
  Write: 'tools that create or change data that can be changed back',
  Execute: 'tools that run something: builds, deploys, commands, workflows',
  Destructive: 'tools that delete or overwrite what cannot be brought back',
  Financial: 'tools that move money: payments, refunds, transfers, purchases',
  Communication: 'tools that send messages to people: email, chat, comments',
  Admin: 'tools that change identities, permissions, credentials or server configuration',
};

const pinningSchema = (what: string) => ({
  type: 'string',
  enum: PINNING,
  description: `${what} Each tool's first definition is pinned; when it later changes, \`block\` (default) holds the tool back until a person accepts the change, \`warn\` logs the change and lets the tool through, \`off\` does not pin.`,
});

const modeSchema = (what: string) => ({
  type: 'string',
  enum: MODES,
  description: `${what} \`enforce\` applies decisions; \`monitor\` forwards every call and only records what would have happened.`,
});

const durationSchema = (description: string) => ({
  type: ['number', 'string'],
  exclusiveMinimum: 0,
  format: 'toolgate-duration',
  pattern: DURATION_PATTERN,
  description,
});

const stringMap = (description: string, valueDescription: string) => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string', description: valueDescription },
});

const serverSchema = {
  type: 'object',
  description:
    'One upstream MCP server, reached by clients at /mcp/<id>. Give `command` (a local process spoken to over stdio) or `url` (a Streamable HTTP server), not both.',
  additionalProperties: false,
  properties: {
    command: { type: 'string', minLength: 1, description: 'Program to start for a stdio server, e.g. `uvx` or `npx`. Looked up on PATH.' },
    args: { type: 'array', description: 'Arguments passed to `command`.', items: { type: 'string', description: 'One argument.' } },
    env: stringMap(
      'Environment variables for the stdio process. It starts from a minimal safe environment (PATH, HOME, USER, SHELL, TERM, LOGNAME); toolgate\'s other variables, such as tokens, are not passed on unless named here (use ${VAR} to pass one).',
      'Variable value (quote numbers and booleans).',
    ),
    cwd: { type: 'string', minLength: 1, description: 'Working directory of the stdio process, relative to the config file\'s folder.' },
    sessions: {
      type: 'string',
      enum: ['per-session', 'shared'],
      description: '`per-session` (default) starts one process per client session; `shared` starts one process for all clients.',
    },
    url: {
      type: 'string',
      format: 'toolgate-http-url',
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
      description: 'Endpoint of a Streamable HTTP MCP server (http:// or https://).',
    },
    headers: stringMap('HTTP headers sent to the upstream on every request, e.g. Authorization: "Bearer ${TOKEN}".', 'Header value.'),
    mode: modeSchema('Overrides the top-level `mode` for this server.'),
    pinning: pinningSchema('Overrides the top-level `pinning` for this server.'),
    call_timeout: durationSchema(
      'How long the server may take to answer a forwarded call (time held for approval not counted): seconds, or "30s", "5m". Then the agent gets an error naming the limit, the server is sent notifications/cancelled, and a rate-limit slot is given back. Default 5m; a rule\'s `timeout` overrides it.',
    ),
  },
  oneOf: [
    { required: ['command'], properties: { url: false, headers: false } },
    { required: ['url'], properties: { command: false, args: false, env: false, cwd: false, sessions: false } },
  ],
};

const conditionSchema = {
  type: 'object',
  description: 'When `if` is true for a call, `action` applies. Conditions are tried in order; the first match acts.',
  additionalProperties: false,
  required: ['if', 'action'],
  properties: {
    if: {
      type: 'string',
      minLength: 1,
      description: 'A CEL expression over `args` (the call arguments), `tool`, `server`, `session` and `agent` (the verified caller: `agent.id`, `agent.groups`, `agent.claims`), e.g. args.region == "us-east-1".',
    },
    action: { type: 'string', enum: ACTIONS, description: 'What to do when the condition matches.' },
    reason: { type: 'string', description: 'Told to the agent and recorded in the audit log when the call is refused.' },
  },
};

/** The parts of a rule, shared by tool rules and category defaults. */
const ruleProperties = {
  action: {
    type: 'string',
    enum: ACTIONS,
    description:
      'Read first. `deny` refuses the call with `reason` and `hide` also removes the tool from tools/list: both act at once, so a rule with them has no `conditions`. `allow` (default) and `require_approval` go on to `conditions`, `validate`, `rate_limit` and `budget`; then `require_approval` holds the call until a person approves or refuses it (see `approval`).',
  },
  reason: { type: 'string', description: 'Told to the agent and recorded in the audit log when the call is refused.' },
  rate_limit: {
    type: 'object',
    description: 'At most `max` calls per `window`; further calls are refused until the window moves on.',
    additionalProperties: false,
    required: ['max', 'window'],
    properties: {
      max: { type: 'integer', minimum: 1, description: 'Calls allowed per window (a positive integer).' },
      window: {
        type: ['number', 'string'],
        exclusiveMinimum: 0,
        format: 'toolgate-duration',
        pattern: DURATION_PATTERN,
        description: 'Window length: seconds as a number (60), or "500ms", "30s", "1m", "1h", "1d".',
      },
      scope: {
        type: 'string',
        enum: ['session', 'tool', 'server', 'global', 'agent', 'agent_server'],
        description:
          'What is counted together: `session` (default) per client session and tool; `tool` per tool across sessions; `server` all tools of the server; `global` every call through toolgate; `agent` per verified agent and tool, across all its sessions (the one an agent cannot reset by reconnecting); `agent_server` per verified agent, all tools of the server.',
      },
    },
  },
  budget: {
    type: 'object',
    description:
      'At most `max` of what calls are worth per `window`: each call spends `amount`, reserved before it is forwarded; a call that would take the window past `max` is refused. Read after `rate_limit`. See the README, "Budgets".',
    additionalProperties: false,
    required: ['amount', 'max', 'window', 'scope'],
    properties: {
      amount: {
        type: 'string',
        minLength: 1,
        maxLength: 4096,
        description:
          'A CEL expression over `args`, `tool`, `server`, `session` and `agent` that yields what this call spends, a number of at least 0, e.g. args.amount or double(args.amount) * (args.currency == "EUR" ? 1.1 : 1.0). A missing, negative, non-numeric or infinite amount refuses the call.',
      },
      max: { type: 'number', exclusiveMinimum: 0, maximum: 1e15, description: 'The most the calls of one window may spend together, in the amount\'s unit (e.g. cents).' },
      window: {
        type: ['number', 'string'],
        exclusiveMinimum: 0,
        format: 'toolgate-duration',
        pattern: DURATION_PATTERN,
        description: 'Window length, sliding: seconds as a number (3600), or "30s", "1m", "1h", "1d".',
      },
      scope: {
        type: 'string',
        enum: ['agent', 'session', 'tool', 'server', 'global'],
        description:
          'Who shares one budget: `agent` the verified agent, across its sessions and connections (callers without a verified agent share the agent `anonymous`); `session` one client session; `tool` each tool the rule matches, across callers; `server` every tool the rule matches; `global` the rule\'s pattern on every server.',
      },
      give_back_on: {
        type: 'array',
        uniqueItems: true,
        description:
          'Which upstream failures give the amount back: `error` (a JSON-RPC error answer) and `tool_error` (a result with isError: true). Default both; `[]` keeps every forwarded amount. A call with no answer (timeout, lost connection) keeps its amount: it may have run.',
        items: { type: 'string', enum: ['error', 'tool_error'], description: 'An upstream failure that gives the amount back.' },
      },
    },
  },
  validate: {
    type: ['boolean', 'object'],
    description:
      '`true`: the arguments must satisfy the tool\'s own inputSchema. A mapping adds an extra JSON Schema under `arguments`.',
    additionalProperties: false,
    properties: {
      input_schema: {
        type: 'boolean',
        description: 'Also check the tool\'s own inputSchema. Default false when `arguments` is given.',
      },
      arguments: { type: 'object', description: 'A JSON Schema the arguments object must satisfy.' },
    },
  },
  conditions: {
    type: 'array',
    description:
      'Read after `action` (only when it is `allow` or `require_approval`), in order: the first whose `if` is true acts with its own `action` (`deny`/`hide` refuse; `allow` lifts the rule\'s `require_approval`; `require_approval` holds the call). Then `validate`, `rate_limit` and `budget`, then the hold. An expression that fails refuses the call.',
    items: conditionSchema,
  },
  timeout: durationSchema('How long the server may take to answer a call this rule forwards (time held for approval not counted). Overrides the server\'s `call_timeout` (default 5m).'),
  approval: {
    type: 'object',
    description: 'How a `require_approval` call (the rule\'s action, or a condition\'s) is held.',
    additionalProperties: false,
    properties: {
      timeout: {
        type: ['number', 'string'],
        exclusiveMinimum: 0,
        format: 'toolgate-duration',
        pattern: DURATION_PATTERN,
        description: 'How long the call waits for a decision before it is refused as expired. Default 10m.',
      },
      notify: {
        type: 'array',
        description: 'Channels told when the hold starts; each must be defined under `notifications` (e.g. webhook).',
        items: { type: 'string', enum: ['webhook'], description: 'A notification channel.' },
      },
      via: {
        type: 'string',
        enum: ['dashboard', 'elicitation'],
        description:
          '`dashboard` (default): a person decides in the dashboard, the CLI or the admin API. `elicitation`: ask the agent\'s own user through the client (elicitation/create) when the client supports it; the dashboard can still decide.',
      },
    },
  },
};

const ruleSchema = {
  type: 'object',
  description:
    'What to do with calls to the matching tools. An empty rule `{}` allows them. A rule with only `category`/`risk` changes how the tools are classified and lets the category default apply.',
  additionalProperties: false,
  properties: {
    ...ruleProperties,
    category: {
      type: 'string',
      enum: CATEGORIES,
      description: 'Classification override: the matching tools are in this category, whatever the classifier says. Category defaults follow it.',
    },
    risk: {
      type: 'string',
      enum: RISK_LEVELS,
      description: 'Classification override: the matching tools have this risk level, whatever the classifier says.',
    },
  },
};

const categoryRuleSchema = (category: Category) => ({
  type: 'object',
  description: `The rule for ${category} tools (${CATEGORY_DESCRIPTIONS[category]}) that no rule under \`policies\` names; it replaces the profile's. Same keys as a tool rule.`,
  additionalProperties: false,
  properties: ruleProperties,
});

const defaultsSchema = {
  type: ['string', 'object'],
  description:
    'Rules by tool category for tools no rule under `policies` names: `recommended` (the built-in profile), or a mapping with an optional `profile` and `categories`. See docs/policy-defaults.md.',
  additionalProperties: false,
  properties: {
    profile: { type: 'string', enum: PROFILE_NAMES, description: 'The built-in profile to start from; entries under `categories` replace its entries.' },
    categories: {
      type: 'object',
      description: `Rules keyed by category: ${CATEGORIES.join(', ')}.`,
      additionalProperties: false,
      properties: Object.fromEntries(CATEGORIES.map((c) => [c, categoryRuleSchema(c)])),
    },
  },
};

const toolRulesSchema = {
  type: 'object',
  description: 'Rules keyed by exact tool name or glob (`*` any run of characters, `?` one character).',
  propertyNames: { minLength: 1, format: 'toolgate-tool-glob' },
  additionalProperties: ruleSchema,
};

// --- per-agent overrides (owned by src/identity) ---
const overrideSchema = (whose: string) => ({
  type: 'object',
  description: `Rules for ${whose} on this server, over the server's own: a tool one of these rules matches (or every tool, when \`default\` is set here) is governed by it; other tools fall through (README "Agent identity" gives the order).`,
  additionalProperties: false,
  properties: {
    default: { type: 'string', enum: ['allow', 'deny'], description: `What happens to ${whose}'s calls of tools no rule here matches. Absent: they fall through to the next override, then the server's rules.` },
    tools: toolRulesSchema,
  },
});
// --- end per-agent overrides ---

const policySchema = {
  type: 'object',
  description: 'Rules for the tools of one server.',
  additionalProperties: false,
  properties: {
    default: { type: 'string', enum: ['allow', 'deny'], description: 'What happens to tools no rule matches. Default `allow`.' },
    tools: toolRulesSchema,
    agents: {
      type: 'object',
      description: 'Overrides per agent (an auth.agents name, or the OAuth agent claim), the most specific: they win over `groups` and the server\'s rules.',
      propertyNames: { minLength: 1, maxLength: 256 },
      additionalProperties: overrideSchema('this agent'),
    },
    groups: {
      type: 'object',
      description: 'Overrides per group, after the agent\'s own; when an agent is in several, the first group written here that has a rule for the tool (or a `default`) wins.',
      propertyNames: { minLength: 1, maxLength: 128 },
      additionalProperties: overrideSchema('members of this group'),
    },
  },
};

// --- audit (owned by src/audit) ---
const auditSchema = {
  type: 'object',
  description:
    'The audit trail: one record per tool call (decision, rule, reason, timings) in an SQLite file under `data_dir`. On by default; read it with `toolgate audit`.',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', description: 'Default true. `false` records nothing and creates no audit file.' },
    arguments: {
      type: 'string',
      enum: ['none', 'keys', 'hash', 'full'],
      description:
        'How much of the call arguments is kept: `none`; `keys` (the top-level argument names); `hash` (default: the names plus a sha256 of the canonical JSON); `full` (the arguments, with `redact` paths replaced by "[redacted]").',
    },
    redact: {
      type: 'array',
      description:
        'Paths into the arguments whose values are never stored, applied before `arguments` (also before hashing): `password`, `credentials.token`, `*.secret` (`*` is any one key), `**.token` (any depth).',
      items: { type: 'string', minLength: 1, description: 'A dotted path; `*` matches one key or array index, `**` any number of them.' },
    },
    retention: {
      type: 'object',
      description: 'Older records are deleted periodically: beyond `max_age`, or beyond the newest `max_rows`.',
      additionalProperties: false,
      properties: {
        max_age: {
          type: ['number', 'string'],
          exclusiveMinimum: 0,
          format: 'toolgate-duration',
          pattern: DURATION_PATTERN,
          description: 'Keep records this long: seconds as a number, or "12h", "30d". Default 30d.',
        },
        max_rows: { type: 'integer', minimum: 1, description: 'Keep at most this many records (the newest). Default 1000000.' },
      },
    },
    file: { type: 'string', minLength: 1, description: 'The SQLite file, relative to `data_dir` unless absolute. Default audit.sqlite.' },
    postgres: {
      type: 'object',
      description: 'The fleet\'s audit trail in PostgreSQL instead of the SQLite file: every gateway writes there (through its own journal in data_dir, so nothing is lost while PostgreSQL is down) and `toolgate audit` reads from there. The table is created and migrated by toolgate.',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', format: 'toolgate-postgres-url', description: 'postgres://user:password@host:5432/database, e.g. "${TOOLGATE_AUDIT_PG}".' },
      },
    },
  },
};
// --- end audit ---

// --- notifications (approvals) ---
const notificationsSchema = {
  type: 'object',
  description: 'Where approval holds are announced.',
  additionalProperties: false,
  properties: {
    webhook: {
      type: 'object',
      description: 'An HTTP endpoint POSTed to when a call is held (retried 3 times; failures are recorded on the approval).',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', format: 'toolgate-http-url', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'The webhook URL (http:// or https://).' },
        format: { type: 'string', enum: ['json', 'slack'], description: '`json` (default): the approval as JSON. `slack`: Slack-compatible `{ "text": ... }`.' },
        headers: stringMap('HTTP headers sent with each notification, e.g. Authorization.', 'Header value.'),
      },
    },
  },
};
// --- end notifications ---

// --- state (owned by src/store) ---
const stateSchema = {
  type: 'object',
  description: 'Where toolgate keeps tool pins, approval holds and rate-limit counters.',
  additionalProperties: false,
  properties: {
    backend: {
      type: 'string',
      enum: ['sqlite', 'memory', 'redis'],
      description:
        '`sqlite` (default): files in data_dir, shared by every toolgate process on this config (serve, each `toolgate stdio`, the CLI); rate limits per process. `memory`: this process only, lost at exit; `toolgate approvals` and `toolgate pins` then cannot see it. `redis` (implied by `redis:`): pins, approvals and exact rate limits shared by a fleet of gateways.',
    },
    redis: {
      type: 'object',
      description: 'The Redis shared by every gateway of the fleet.',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: {
          type: 'string',
          format: 'toolgate-redis-url',
          description: 'redis://[user:password@]host:port[/db], or rediss:// for TLS; e.g. "${REDIS_URL}".',
        },
        prefix: { type: 'string', maxLength: 128, description: 'Prefix of every key and channel toolgate uses, so several fleets can share one Redis. Default "toolgate:".' },
      },
    },
    on_unavailable: {
      type: 'string',
      enum: ['closed', 'open'],
      description:
        'When Redis cannot be reached. `closed` (default): calls under a rate limit are refused with the reason. `open`: they are forwarded uncounted (logged). Budgets, pin checks and approval holds always fail closed.',
    },
  },
};
// --- end state ---

// --- limits (the edge's bounds) ---
const byteSize = (description: string) => ({
  type: ['integer', 'string'],
  minimum: 1,
  format: 'toolgate-bytes',
  pattern: BYTES_PATTERN,
  description,
});

const limitsSchema = {
  type: 'object',
  description:
    'Bounds on what clients and upstreams can make toolgate hold. A client that hits one gets HTTP 503 with a JSON-RPC error naming the limit and this key. Each has a default.',
  additionalProperties: false,
  properties: {
    max_sessions: { type: 'integer', minimum: 1, description: 'Client sessions open at once over HTTP, all servers together. Default 1000.' },
    tool_name_length: {
      type: 'integer',
      minimum: 1,
      description: 'Longest tool name a tools/call may carry (characters); a longer one is refused with -32602 before any policy sees it. Default 256.',
    },
    max_sessions_per_server: { type: 'integer', minimum: 1, description: 'Client sessions open at once for any one server. Default 256.' },
    max_processes_per_server: {
      type: 'integer',
      minimum: 1,
      description: 'Upstream processes running at once for any one stdio server; with `sessions: per-session` each client session starts one. Default 16.',
    },
    session_idle_timeout: {
      type: ['number', 'string'],
      exclusiveMinimum: 0,
      format: 'toolgate-duration',
      pattern: DURATION_PATTERN,
      description: 'A session with no open stream and no traffic for this long is closed, and its upstream process ends (clients start a new session). Default 5m.',
    },
    max_line_bytes: byteSize(
      'Longest stdio line, and largest message from an HTTP upstream: a `toolgate stdio` client line is refused with a JSON-RPC error, an upstream stdout line or HTTP message ends that upstream, an stderr line is cut. Default 4mb.',
    ),
    replay_buffer: byteSize('SSE events kept per session so a client can resume a dropped stream (Last-Event-ID), and messages queued for its GET stream, in bytes. Default 4mb.'),
    max_json_depth: {
      type: 'integer',
      minimum: 2,
      maximum: 1000,
      description: 'How deeply the params of a client message may nest (arrays and objects); a deeper one is refused as an invalid request before any policy, validation or audit sees it. Default 64.',
    },
  },
};
// --- end limits ---

// --- admin (owned by src/admin) ---
const adminSchema = {
  type: 'object',
  description: 'The admin API, the dashboard (at / and /dashboard) and /metrics, behind the admin token and the named operators of `users`. See docs/dashboard.md.',
  additionalProperties: false,
  properties: {
    token: {
      type: 'string',
      minLength: 16,
      description:
        'The admin token (at least 16 characters), usually from the environment: "${TOOLGATE_ADMIN_TOKEN}". Absent: toolgate generates one at first start, prints it once and keeps it in <data_dir>/admin-token.',
    },
    users: {
      type: 'object',
      description: 'Named operators, keyed by name: each signs in with a token of their own, has a role, and is recorded by name on what they decide. `admin.token` stays one more `admin`. See README "Operators".',
      propertyNames: { pattern: SERVER_ID_PATTERN, maxLength: 128 },
      additionalProperties: {
        type: 'object',
        description: 'One operator: their token (`token`, or `token_sha256` to keep the plain token out of the file) and their role.',
        additionalProperties: false,
        required: ['role'],
        properties: {
          token: { type: 'string', minLength: 16, maxLength: 4096, description: 'The operator\'s token (at least 16 characters), usually from the environment: "${ALICE_ADMIN_TOKEN}". Only its SHA-256 is kept in memory.' },
          token_sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'The SHA-256 of the token in hex (`printf %s "$TOKEN" | sha256sum`), so the file never holds the token.' },
          role: { enum: ['viewer', 'approver', 'admin'], description: '`viewer` sees everything (GET); `approver` also approves and refuses held calls; `admin` may do everything (accepting changed tool pins too).' },
        },
        oneOf: [{ required: ['token'], properties: { token_sha256: false } }, { required: ['token_sha256'], properties: { token: false } }],
      },
    },
  },
};
// --- end admin ---

// --- telemetry (owned by src/telemetry) ---
const telemetrySchema = {
  type: 'object',
  description: 'OpenTelemetry traces of the MCP requests through toolgate, sent over OTLP/HTTP (JSON). Off unless `otlp.endpoint` is set. See README "Observability".',
  additionalProperties: false,
  properties: {
    service_name: { type: 'string', minLength: 1, maxLength: 200, description: 'The `service.name` of toolgate\'s spans. Default toolgate.' },
    otlp: {
      type: 'object',
      description: 'Where spans are exported (an OpenTelemetry Collector, Jaeger, Tempo... listening for OTLP over HTTP).',
      additionalProperties: false,
      required: ['endpoint'],
      properties: {
        endpoint: {
          type: 'string',
          format: 'toolgate-http-url',
          pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
          description: 'The collector\'s OTLP/HTTP base URL, e.g. http://127.0.0.1:4318; spans are POSTed to <endpoint>/v1/traces.',
        },
        headers: stringMap('HTTP headers sent with each export, e.g. an API key.', 'Header value.'),
      },
    },
  },
};
// --- end telemetry ---
// --- auth (owned by src/identity) ---
const authSchema = {
  type: 'object',
  description:
    'Who may call the MCP servers. With `agents` or `oauth` configured, every request to /mcp/* must carry `Authorization: Bearer <API key or JWT>` (unless `anonymous: allow`). See README "Agent identity".',
  additionalProperties: false,
  properties: {
    agents: {
      type: 'object',
      description: 'Agents known by an API key, keyed by agent name (used in rules, rate limits, audit and the dashboard).',
      propertyNames: { pattern: SERVER_ID_PATTERN, maxLength: 128 },
      additionalProperties: {
        type: 'object',
        description: 'One agent: its key (`key`, or `key_sha256` to keep the plain key out of the file) and its groups.',
        additionalProperties: false,
        properties: {
          key: { type: 'string', minLength: 16, maxLength: 4096, description: 'The API key (at least 16 characters), usually from the environment: "${CI_BOT_KEY}". Only its SHA-256 is kept in memory.' },
          key_sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'The SHA-256 of the key in hex (`printf %s "$KEY" | sha256sum`), so the file never holds the key.' },
          groups: { type: 'array', maxItems: 64, description: 'Groups the agent belongs to (for per-group rules).', items: { type: 'string', minLength: 1, maxLength: 128, description: 'A group name.' } },
        },
        oneOf: [{ required: ['key'], properties: { key_sha256: false } }, { required: ['key_sha256'], properties: { key: false } }],
      },
    },
    oauth: {
      type: 'object',
      description: 'toolgate as an OAuth 2.1 resource server (the MCP authorization spec): JWT access tokens from `issuer`, checked against its JWKS.',
      additionalProperties: false,
      required: ['issuer'],
      properties: {
        issuer: { type: 'string', format: 'toolgate-http-url', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'The authorization server (the tokens\' `iss`), e.g. https://idp.example.com/realms/mcp.' },
        jwks_uri: { type: 'string', format: 'toolgate-http-url', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'Where the signing keys are. Default: `jwks_uri` from the issuer\'s metadata (/.well-known/oauth-authorization-server or openid-configuration).' },
        audience: {
          type: ['string', 'array'],
          description: 'The `aud` a token must carry (RFC 8707: tokens for other resources are refused). Default: the gateway\'s public URL, or that URL followed by /mcp/<server-id>.',
          items: { type: 'string', minLength: 1, description: 'One accepted audience.' },
          minLength: 1,
        },
        agent_claim: { type: 'string', enum: ['client_id', 'azp', 'sub'], description: 'Which claim names the agent. Default `client_id`.' },
        groups_claim: { type: 'string', minLength: 1, description: 'Which claim lists the agent\'s groups (an array of strings, or a space-separated string). Default `groups`.' },
        required_scopes: { type: 'array', description: 'Scopes every token must have; a token without them gets 403 insufficient_scope.', items: { type: 'string', minLength: 1, description: 'One scope.' } },
        clock_skew: durationSchema('How far `exp` and `nbf` may be off. Default 30s.'),
        jwks_cooldown: durationSchema('Least time between two fetches of the JWKS caused by a token signed with an unknown key (`kid`): a rotated key is picked up at the first token that uses it, and unknown `kid`s cannot make toolgate hammer the issuer. Default 30s.'),
      },
    },
    anonymous: {
      type: 'string',
      enum: ['deny', 'allow'],
      description: '`deny` (default): a request without credentials gets 401. `allow`: it is served as the agent `anonymous` (bad credentials still get 401).',
    },
    public_url: {
      type: 'string',
      format: 'toolgate-http-url',
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
      description: 'The gateway\'s URL as clients reach it, e.g. https://toolgate.example.com: named in the protected-resource metadata and the 401 challenge, and the default audience. Default: from the request\'s Host header.',
    },
  },
};
// --- end auth ---

export const configJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'toolgate configuration',
  description: 'Configuration of toolgate, the policy gateway for MCP tool calls.',
  type: 'object',
  additionalProperties: false,
  required: ['servers'],
  properties: {
    listen: {
      type: 'object',
      description: 'Where toolgate accepts MCP clients.',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1, description: 'Address to bind. Default 127.0.0.1 (this machine only).' },
        port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port. Default 8787; 0 picks a free port.' },
        allowed_hosts: {
          type: 'array',
          description: 'Extra Host header values accepted besides the listen address and localhost names.',
          items: { type: 'string', minLength: 1, description: 'A host name, optionally with :port.' },
        },
        allowed_origins: {
          type: 'array',
          description: 'Browser origins allowed to call toolgate; requests with any other Origin get 403.',
          items: { type: 'string', format: 'toolgate-origin', description: 'scheme://host[:port], e.g. http://localhost:5173.' },
        },
        max_body: {
          type: ['integer', 'string'],
          minimum: 1,
          format: 'toolgate-bytes',
          pattern: BYTES_PATTERN,
          description: 'Largest request body accepted: bytes as a number, or "512kb", "4mb". Default 4mb.',
        },
      },
    },
    data_dir: { type: 'string', minLength: 1, description: 'Folder for toolgate\'s state, relative to this file. Default ./.toolgate.' },
    mode: modeSchema('Default mode for every server.'),
    log: {
      type: 'object',
      description: 'How much toolgate logs.',
      additionalProperties: false,
      properties: {
        level: {
          type: 'string',
          enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
          description: 'Least severe level written. Default info.',
        },
      },
    },
    servers: {
      type: 'object',
      description: 'Upstream MCP servers keyed by id; each is served at /mcp/<id>.',
      minProperties: 1,
      propertyNames: { pattern: SERVER_ID_PATTERN, format: 'toolgate-server-id' },
      additionalProperties: serverSchema,
    },
    policies: {
      type: 'object',
      description: 'Policies keyed by server id. Servers without a policy allow every tool.',
      additionalProperties: policySchema,
    },
    defaults: defaultsSchema,
    pinning: pinningSchema('Checking of tool definitions against their pins, for every server.'),
    audit: auditSchema,
    notifications: notificationsSchema,
    admin: adminSchema,
    state: stateSchema,
    limits: limitsSchema,
    telemetry: telemetrySchema,
    auth: authSchema,
  },
} as const;
