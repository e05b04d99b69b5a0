/**
 * The configuration as toolgate uses it after loading: YAML parsed, `${VAR}` expanded,
 * validated against the JSON Schema in `schema.ts`, defaults filled in.
 * The YAML shape is a public contract (see README): extend it, never rename it.
 */

import type { Category, Risk } from '../catalog/types.js';

export type Mode = 'enforce' | 'monitor';
export type RuleAction = 'allow' | 'deny' | 'hide' | 'require_approval';
export type RateLimitScope = 'session' | 'tool' | 'server' | 'global' | 'agent' | 'agent_server';
/** What happens when an upstream's tool definitions change from the pinned ones (see the catalog). */
export type PinningMode = 'block' | 'warn' | 'off';

export interface ListenConfig {
  host: string;
  port: number;
  /** Extra Host header values accepted besides the listen address and localhost names. */
  allowedHosts: string[];
  /** Origins accepted from browsers; requests with any other Origin get 403. */
  allowedOrigins: string[];
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
}

export interface StdioServerConfig {
  kind: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** `per-session` (default): one upstream process per client session. `shared`: one for all. */
  sessions: 'per-session' | 'shared';
  mode?: Mode;
  /** Overrides the top-level `pinning` for this server. */
  pinning?: PinningMode;
  /** How long the upstream may take to answer a forwarded call; absent: `DEFAULT_CALL_TIMEOUT_MS`. */
  callTimeoutMs?: number;
}

export interface HttpServerConfig {
  kind: 'http';
  url: string;
  headers: Record<string, string>;
  mode?: Mode;
  /** Overrides the top-level `pinning` for this server. */
  pinning?: PinningMode;
  /** How long the upstream may take to answer a forwarded call; absent: `DEFAULT_CALL_TIMEOUT_MS`. */
  callTimeoutMs?: number;
}

export type ServerConfig = StdioServerConfig | HttpServerConfig;

export interface RateLimitConfig {
  max: number;
  /** Window length in milliseconds (the YAML takes seconds or "1m" / "1h" / "1d"). */
  windowMs: number;
  scope: RateLimitScope;
}

/** Who shares one budget (src/policy/rate-limit-key.ts, `budgetKey`). */
export type BudgetScope = 'agent' | 'session' | 'tool' | 'server' | 'global';

/** Upstream failures that give a budget's amount back: a JSON-RPC error answer, an `isError` result. */
export type BudgetGiveBack = 'error' | 'tool_error';

export interface BudgetConfig {
  /** A CEL expression over the call (`args`, `tool`, `server`, `session`, `agent`): what the call spends. */
  amount: string;
  /** The most the calls inside one window may spend together, in the amount's unit. */
  max: number;
  /** Window length in milliseconds; the window slides, like a rate limit's. */
  windowMs: number;
  scope: BudgetScope;
  giveBackOn: BudgetGiveBack[];
}

export interface ValidateConfig {
  /** Check arguments against the tool's own inputSchema from the upstream. */
  inputSchema: boolean;
  /** Extra JSON Schema the arguments object must satisfy. */
  arguments?: Record<string, unknown>;
}

export interface ConditionConfig {
  /** A CEL expression over `args`, `tool`, `server`, `session`, `agent`. */
  if: string;
  action: RuleAction;
  reason?: string;
}

export interface ToolRuleConfig {
  /** How a `require_approval` call is held (the rule's action or a condition's); defaults applied. */
  approval?: import('../policy/types.js').ApprovalRule;
  action: RuleAction;
  reason?: string;
  rateLimit?: RateLimitConfig;
  budget?: BudgetConfig;
  validate?: ValidateConfig;
  conditions: ConditionConfig[];
  /**
   * Classification overrides: they win over the classifier's category and risk for the tools the
   * rule matches. A rule that sets nothing else is only an override (see src/policy/compile.ts).
   */
  category?: Category;
  risk?: Risk;
  /** How long the upstream may take to answer a call this rule forwards (held time not counted); overrides the server's. */
  timeoutMs?: number;
}

/**
 * Rules by tool category for tools no explicit rule names. Resolved when loaded: `categories`
 * holds the profile's entries with the file's own entries in their place where it gives one.
 */
export interface DefaultsConfig {
  profile?: 'recommended';
  categories: Partial<Record<Category, ToolRuleConfig>>;
  /**
   * Set by the loader when a profile is used: the categories the file gives itself (the rest came
   * from the profile), so `explain` can say where an entry is written. Without it, an entry equal
   * to the profile's is taken to be the profile's.
   */
  written?: Category[];
}

export interface ServerPolicyConfig {
  default: 'allow' | 'deny';
  /** Keyed by exact tool name or glob (`*` any run of characters, `?` one character). */
  tools: Record<string, ToolRuleConfig>;
  /** Overrides per agent id; absent when the file has none. */
  agents?: Record<string, PolicyOverrideConfig>;
  /** Overrides per group, in the order written (which decides between groups). */
  groups?: Record<string, PolicyOverrideConfig>;
}

/** Rules for one agent or group over a server's own (see src/policy/compile.ts for the order). */
export interface PolicyOverrideConfig {
  /** Absent: tools no rule here matches fall through. */
  default?: 'allow' | 'deny';
  tools: Record<string, ToolRuleConfig>;
}

// --- audit (owned by src/audit) ---
/** How much of a call's arguments the audit record keeps; see docs/audit.md. */
export type AuditArgumentsMode = 'none' | 'keys' | 'hash' | 'full';

export interface AuditConfig {
  enabled: boolean;
  arguments: AuditArgumentsMode;
  /** Dotted paths into the arguments whose values are never stored (`*` one key, `**` any depth). */
  redact: string[];
  /** Records older than `maxAgeMs`, or beyond the newest `maxRows`, are deleted periodically. */
  retention: { maxAgeMs: number; maxRows: number };
  /** The SQLite file; relative paths are taken from `dataDir`. */
  file: string;
  /** The fleet's trail in PostgreSQL instead of the SQLite file; the journal stays in `dataDir`. */
  postgres?: { url: string };
}
// --- end audit ---

// --- state (owned by src/store) ---
/**
 * Where pins, approval holds and rate-limit counters are kept. `sqlite` (default): files in
 * `dataDir`, shared by every toolgate process on the config (serve, each stdio process, the
 * CLI). `memory`: this process only, nothing kept across restarts. `redis`: shared by a fleet.
 */
export type StateConfig = { backend: 'sqlite' | 'memory' } | { backend: 'redis'; redis: RedisConfig; onUnavailable: 'closed' | 'open' };

export interface RedisConfig {
  /** redis:// or rediss:// (TLS), with credentials and database when needed. */
  url: string;
  /** Put before every key and channel. */
  prefix: string;
}
// --- end state ---

// --- limits (the edge's bounds; see README "HTTP hygiene") ---
/** Bounds on what clients and upstreams can make the gateway hold. Each has a default (`LIMIT_DEFAULTS`). */
export interface LimitsConfig {
  /** Longest tool name a `tools/call` may carry; longer ones are refused before any rule is looked up. */
  toolNameLength: number;
  /** Client sessions open at once on the HTTP listener, all servers together. */
  maxSessions: number;
  /** Client sessions open at once for any one server. */
  maxSessionsPerServer: number;
  /** Upstream processes running at once for any one stdio server (each per-session client starts one). */
  maxProcessesPerServer: number;
  /** A session with no open stream and no traffic for this long is closed, and its upstream with it. */
  sessionIdleMs: number;
  /** Longest line of stdio framing (a client's stdin line, an upstream's stdout or stderr line), and largest HTTP upstream message, in bytes. */
  maxLineBytes: number;
  /** Bytes of SSE events kept per session for resumption, and of messages queued for its GET stream. */
  replayBufferBytes: number;
  /** How deeply a client message's params may nest (arrays and objects); deeper ones are refused as invalid requests. */
  maxJsonDepth: number;
}
// --- end limits ---

// --- admin (owned by src/admin) ---
/** The admin API, dashboard and /metrics. See docs/dashboard.md. */
export interface AdminConfig {
  /** The admin token; absent: generated at first start and kept in `<data_dir>/admin-token`. */
  token?: string;
  /** Named operators by name; only their tokens' SHA-256 is kept. */
  users?: Record<string, OperatorConfig>;
}

export type OperatorRole = 'viewer' | 'approver' | 'admin';

export interface OperatorConfig {
  /** Lower-case hex SHA-256 of the token. */
  tokenSha256: string;
  role: OperatorRole;
}
// --- end admin ---

// --- telemetry (owned by src/telemetry) ---
/** OpenTelemetry traces; absent (or no `otlp`): no spans are made at all. */
export interface TelemetryConfig {
  serviceName: string;
  otlp?: { endpoint: string; headers: Record<string, string> };
}
// --- end telemetry ---
// --- auth (owned by src/identity) ---
/** One agent known by an API key; only the key's SHA-256 is kept. */
export interface AgentKeyConfig {
  /** Lower-case hex SHA-256 of the key. */
  keySha256: string;
  groups: string[];
}

/** The gateway as an OAuth 2.1 resource server (MCP authorization spec). */
export interface OAuthConfig {
  issuer: string;
  /** Absent: read from the issuer's metadata (`jwks_uri`). */
  jwksUri?: string;
  /** Accepted `aud` values; absent: the gateway's public URL and `<public URL>/mcp/<server-id>`. */
  audience?: string[];
  agentClaim: 'client_id' | 'azp' | 'sub';
  groupsClaim: string;
  requiredScopes: string[];
  /** Allowed `exp`/`nbf` clock skew. */
  clockSkewMs: number;
  /** Least time between two JWKS fetches caused by a token with an unknown `kid`. */
  jwksCooldownMs: number;
}

export interface AuthConfig {
  agents: Record<string, AgentKeyConfig>;
  oauth?: OAuthConfig;
  /** `deny` (default once agents or oauth are configured): requests without credentials get 401. */
  anonymous: 'deny' | 'allow';
  /** The gateway's URL as clients reach it (metadata, challenges, default audience); absent: from the request's Host. */
  publicUrl?: string;
}
// --- end auth ---

export interface Config {
  /** Absolute path of the file this came from, for messages and reload. */
  file?: string;
  listen: ListenConfig;
  dataDir: string;
  mode: Mode;
  servers: Record<string, ServerConfig>;
  /** Servers with no entry here get `{ default: 'allow', tools: {} }`. */
  policies: Record<string, ServerPolicyConfig>;
  /** Where approval holds are announced. */
  notifications?: { webhook?: { url: string; format: 'json' | 'slack'; headers: Record<string, string> } };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
  /** Present only when the file has a `defaults:` section. */
  defaults?: DefaultsConfig;
  /** Top-level pinning of tool definitions (default `block`); servers may override it. */
  pinning: PinningMode;
  /** Present only when the file has an `audit:` section; otherwise `AUDIT_DEFAULTS` (audit on) apply. */
  audit?: AuditConfig;
  /** Present only when the file has an `admin:` section. */
  admin?: AdminConfig;
  /** Present only when the file has a `state:` section; otherwise the SQLite backend. */
  state?: StateConfig;
  /** Present only when the file has an `auth:` section; otherwise every caller is anonymous. */
  auth?: AuthConfig;
  /** Always present: the file's `limits:` over `LIMIT_DEFAULTS`. */
  limits: LimitsConfig;
  /** Present only when the file has a `telemetry:` section. */
  telemetry?: TelemetryConfig;
}
