/**
 * The validated YAML value turned into `Config`: snake_case to camelCase, durations and sizes
 * to numbers, defaults filled in. Runs only after every check passed, so it trusts the shape.
 */
import type { Category } from '../catalog/types.js';
import { PROFILES } from '../policy/recommended.js';
import { createHash } from 'node:crypto';
import type {
  AdminConfig,
  AuthConfig,
  AuditConfig,
  StateConfig,
  ConditionConfig,
  Config,
  DefaultsConfig,
  LimitsConfig,
  Mode,
  OAuthConfig,
  OperatorConfig,
  OperatorRole,
  PolicyOverrideConfig,
  PinningMode,
  BudgetConfig,
  RateLimitConfig,
  ServerConfig,
  ServerPolicyConfig,
  ToolRuleConfig,
  ValidateConfig,
} from './types.js';
import { parseBytes, parseDuration } from './duration.js';

/** The YAML file as the schema describes it. */
interface RawConfig {
  listen?: { host?: string; port?: number; allowed_hosts?: string[]; allowed_origins?: string[]; max_body?: number | string };
  data_dir?: string;
  mode?: Mode;
  log?: { level?: Config['log']['level'] };
  servers: Record<string, RawServer>;
  policies?: Record<string, RawPolicy>;
  defaults?: 'recommended' | RawDefaults;
  pinning?: PinningMode;
  audit?: RawAudit;
  notifications?: { webhook?: { url: string; format?: 'json' | 'slack'; headers?: Record<string, string> } };
  admin?: { token?: string; users?: Record<string, { token?: string; token_sha256?: string; role: OperatorRole }> };
  state?: { backend?: 'sqlite' | 'memory' | 'redis'; redis?: { url: string; prefix?: string }; on_unavailable?: 'closed' | 'open' };
  limits?: RawLimits;
  telemetry?: { service_name?: string; otlp?: { endpoint: string; headers?: Record<string, string> } };
  auth?: RawAuth;
}

interface RawAuth {
  agents?: Record<string, { key?: string; key_sha256?: string; groups?: string[] }>;
  oauth?: {
    issuer: string;
    jwks_uri?: string;
    audience?: string | string[];
    agent_claim?: OAuthConfig['agentClaim'];
    groups_claim?: string;
    required_scopes?: string[];
    clock_skew?: number | string;
    jwks_cooldown?: number | string;
  };
  anonymous?: 'deny' | 'allow';
  public_url?: string;
}

interface RawLimits {
  max_sessions?: number;
  max_sessions_per_server?: number;
  max_processes_per_server?: number;
  session_idle_timeout?: number | string;
  max_line_bytes?: number | string;
  replay_buffer?: number | string;
  tool_name_length?: number;
  max_json_depth?: number;
}

interface RawDefaults {
  profile?: 'recommended';
  categories?: Partial<Record<Category, RawRule>>;
}

interface RawAudit {
  enabled?: boolean;
  arguments?: AuditConfig['arguments'];
  redact?: string[];
  retention?: { max_age?: number | string; max_rows?: number };
  file?: string;
  postgres?: { url: string };
}

interface RawServer {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  sessions?: 'per-session' | 'shared';
  url?: string;
  headers?: Record<string, string>;
  mode?: Mode;
  pinning?: PinningMode;
  call_timeout?: number | string;
}

interface RawPolicy {
  default?: 'allow' | 'deny';
  tools?: Record<string, RawRule>;
  agents?: Record<string, { default?: 'allow' | 'deny'; tools?: Record<string, RawRule> }>;
  groups?: Record<string, { default?: 'allow' | 'deny'; tools?: Record<string, RawRule> }>;
}

interface RawRule {
  action?: ToolRuleConfig['action'];
  reason?: string;
  rate_limit?: { max: number; window: number | string; scope?: RateLimitConfig['scope'] };
  budget?: { amount: string; max: number; window: number | string; scope: BudgetConfig['scope']; give_back_on?: BudgetConfig['giveBackOn'] };
  validate?: boolean | { input_schema?: boolean; arguments?: Record<string, unknown> };
  conditions?: ConditionConfig[];
  category?: ToolRuleConfig['category'];
  risk?: ToolRuleConfig['risk'];
  approval?: { timeout?: number | string; notify?: string[]; via?: 'dashboard' | 'elicitation' };
  timeout?: number | string;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  maxBodyBytes: 4 * 1024 * 1024,
  dataDir: './.toolgate',
} as const;

/** The audit trail when the file says nothing: on, arguments hashed, 30 days or a million records. */
export const AUDIT_DEFAULTS: Readonly<AuditConfig> = Object.freeze({
  enabled: true,
  arguments: 'hash',
  redact: [],
  retention: { maxAgeMs: 30 * 86_400_000, maxRows: 1_000_000 },
  file: 'audit.sqlite',
});

/** The bounds when the file says nothing (README "HTTP hygiene" lists them). */
export const LIMIT_DEFAULTS: Readonly<LimitsConfig> = Object.freeze({
  maxSessions: 1000,
  maxSessionsPerServer: 256,
  maxProcessesPerServer: 16,
  sessionIdleMs: 5 * 60_000,
  maxLineBytes: 4 * 1024 * 1024,
  replayBufferBytes: 4 * 1024 * 1024,
  toolNameLength: 256,
  maxJsonDepth: 64,
});

export function buildConfig(value: unknown): Config {
  const raw = value as RawConfig;
  const servers: Record<string, ServerConfig> = {};
  for (const [id, s] of Object.entries(raw.servers)) servers[id] = buildServer(s);
  const policies: Record<string, ServerPolicyConfig> = {};
  for (const [id, p] of Object.entries(raw.policies ?? {})) policies[id] = buildPolicy(p);
  return {
    listen: {
      host: raw.listen?.host ?? DEFAULTS.host,
      port: raw.listen?.port ?? DEFAULTS.port,
      allowedHosts: raw.listen?.allowed_hosts ?? [],
      allowedOrigins: raw.listen?.allowed_origins ?? [],
      maxBodyBytes: raw.listen?.max_body === undefined ? DEFAULTS.maxBodyBytes : parseBytes(raw.listen.max_body),
    },
    dataDir: raw.data_dir ?? DEFAULTS.dataDir,
    mode: raw.mode ?? 'enforce',
    servers,
    policies,
    log: { level: raw.log?.level ?? 'info' },
    ...(raw.defaults === undefined ? {} : { defaults: buildDefaults(raw.defaults) }),
    pinning: raw.pinning ?? 'block',
    limits: buildLimits(raw.limits ?? {}),
    ...(raw.audit === undefined ? {} : { audit: buildAudit(raw.audit) }),
    ...(raw.telemetry === undefined
      ? {}
      : {
          telemetry: {
            serviceName: raw.telemetry.service_name ?? 'toolgate',
            ...(raw.telemetry.otlp === undefined ? {} : { otlp: { endpoint: raw.telemetry.otlp.endpoint.replace(/\/+$/, ''), headers: raw.telemetry.otlp.headers ?? {} } }),
          },
        }),
    ...(raw.auth === undefined ? {} : { auth: buildAuth(raw.auth) }),
    ...(raw.admin === undefined ? {} : { admin: buildAdmin(raw.admin) }),
    ...(raw.state === undefined ? {} : { state: buildState(raw.state) }),
    ...(raw.notifications?.webhook === undefined
      ? {}
      : { notifications: { webhook: { url: raw.notifications.webhook.url, format: raw.notifications.webhook.format ?? 'json', headers: raw.notifications.webhook.headers ?? {} } } }),
  };
}

// --- admin (owned by src/admin) ---
/** Like agent keys, operator tokens are hashed here and not kept. */
function buildAdmin(a: NonNullable<RawConfig['admin']>): AdminConfig {
  const users: Record<string, OperatorConfig> = {};
  for (const [name, user] of Object.entries(a.users ?? {})) users[name] = { tokenSha256: secretSha256(user.token, user.token_sha256), role: user.role };
  return { ...(a.token === undefined ? {} : { token: a.token }), ...(a.users === undefined ? {} : { users }) };
}
// --- end admin ---

/** The lower-case hex SHA-256 of a secret given either plain or already hashed (the schema requires exactly one). */
export function secretSha256(plain: string | undefined, sha256: string | undefined): string {
  return sha256 !== undefined ? sha256.toLowerCase() : createHash('sha256').update(plain!, 'utf8').digest('hex');
}

// --- auth (owned by src/identity) ---
/** Allowed `exp`/`nbf` skew when `auth.oauth.clock_skew` is not set. */
export const DEFAULT_CLOCK_SKEW_MS = 30_000;
/** Least time between JWKS fetches caused by unknown key ids when `auth.oauth.jwks_cooldown` is not set. */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;

/** Plain keys are hashed here and not kept: the compiled config holds only their SHA-256. */
function buildAuth(a: RawAuth): AuthConfig {
  const agents: AuthConfig['agents'] = {};
  for (const [name, agent] of Object.entries(a.agents ?? {})) {
    agents[name] = { keySha256: secretSha256(agent.key, agent.key_sha256), groups: agent.groups ?? [] };
  }
  const o = a.oauth;
  const oauth: OAuthConfig | undefined = o && {
    issuer: o.issuer,
    ...(o.jwks_uri === undefined ? {} : { jwksUri: o.jwks_uri }),
    ...(o.audience === undefined ? {} : { audience: typeof o.audience === 'string' ? [o.audience] : o.audience }),
    agentClaim: o.agent_claim ?? 'client_id',
    groupsClaim: o.groups_claim ?? 'groups',
    requiredScopes: o.required_scopes ?? [],
    clockSkewMs: o.clock_skew === undefined ? DEFAULT_CLOCK_SKEW_MS : parseDuration(o.clock_skew),
    jwksCooldownMs: o.jwks_cooldown === undefined ? DEFAULT_JWKS_COOLDOWN_MS : parseDuration(o.jwks_cooldown),
  };
  return {
    agents,
    ...(oauth ? { oauth } : {}),
    anonymous: a.anonymous ?? 'deny',
    ...(a.public_url === undefined ? {} : { publicUrl: a.public_url.replace(/\/+$/, '') }),
  };
}
// --- end auth ---

function buildLimits(l: RawLimits): LimitsConfig {
  return {
    maxSessions: l.max_sessions ?? LIMIT_DEFAULTS.maxSessions,
    maxSessionsPerServer: l.max_sessions_per_server ?? LIMIT_DEFAULTS.maxSessionsPerServer,
    maxProcessesPerServer: l.max_processes_per_server ?? LIMIT_DEFAULTS.maxProcessesPerServer,
    sessionIdleMs: l.session_idle_timeout === undefined ? LIMIT_DEFAULTS.sessionIdleMs : parseDuration(l.session_idle_timeout),
    maxLineBytes: l.max_line_bytes === undefined ? LIMIT_DEFAULTS.maxLineBytes : parseBytes(l.max_line_bytes),
    replayBufferBytes: l.replay_buffer === undefined ? LIMIT_DEFAULTS.replayBufferBytes : parseBytes(l.replay_buffer),
    toolNameLength: l.tool_name_length ?? LIMIT_DEFAULTS.toolNameLength,
    maxJsonDepth: l.max_json_depth ?? LIMIT_DEFAULTS.maxJsonDepth,
  };
}

function buildAudit(a: RawAudit): AuditConfig {
  return {
    enabled: a.enabled ?? AUDIT_DEFAULTS.enabled,
    arguments: a.arguments ?? AUDIT_DEFAULTS.arguments,
    redact: a.redact ?? [],
    retention: {
      maxAgeMs: a.retention?.max_age === undefined ? AUDIT_DEFAULTS.retention.maxAgeMs : parseDuration(a.retention.max_age),
      maxRows: a.retention?.max_rows ?? AUDIT_DEFAULTS.retention.maxRows,
    },
    file: a.file ?? AUDIT_DEFAULTS.file,
    ...(a.postgres === undefined ? {} : { postgres: { url: a.postgres.url } }),
  };
}

/** The profile's entries, each replaced by the file's own entry for that category when it gives one. */
function buildDefaults(d: NonNullable<RawConfig['defaults']>): DefaultsConfig {
  const raw: RawDefaults = typeof d === 'string' ? { profile: d } : d;
  const categories: DefaultsConfig['categories'] = raw.profile === undefined ? {} : structuredClone(PROFILES[raw.profile]);
  for (const [category, rule] of Object.entries(raw.categories ?? {}) as [Category, RawRule][]) {
    categories[category] = buildRule(rule);
  }
  if (raw.profile === undefined) return { categories };
  return { profile: raw.profile, categories, written: Object.keys(raw.categories ?? {}) as Category[] };
}

function buildServer(s: RawServer): ServerConfig {
  const overrides = {
    ...(s.mode === undefined ? {} : { mode: s.mode }),
    ...(s.pinning === undefined ? {} : { pinning: s.pinning }),
    ...(s.call_timeout === undefined ? {} : { callTimeoutMs: parseDuration(s.call_timeout) }),
  };
  if (s.url !== undefined) return { kind: 'http', url: s.url, headers: s.headers ?? {}, ...overrides };
  return {
    kind: 'stdio',
    command: s.command!,
    args: s.args ?? [],
    env: s.env ?? {},
    ...(s.cwd === undefined ? {} : { cwd: s.cwd }),
    sessions: s.sessions ?? 'per-session',
    ...overrides,
  };
}

function buildPolicy(p: RawPolicy): ServerPolicyConfig {
  return {
    default: p.default ?? 'allow',
    tools: buildRules(p.tools),
    ...(p.agents === undefined ? {} : { agents: buildOverrides(p.agents) }),
    ...(p.groups === undefined ? {} : { groups: buildOverrides(p.groups) }),
  };
}

function buildRules(raw: Record<string, RawRule> | undefined): Record<string, ToolRuleConfig> {
  const tools: Record<string, ToolRuleConfig> = {};
  for (const [pattern, rule] of Object.entries(raw ?? {})) tools[pattern] = buildRule(rule);
  return tools;
}

function buildOverrides(raw: NonNullable<RawPolicy['agents']>): Record<string, PolicyOverrideConfig> {
  const overrides: Record<string, PolicyOverrideConfig> = {};
  for (const [name, o] of Object.entries(raw)) overrides[name] = { ...(o.default === undefined ? {} : { default: o.default }), tools: buildRules(o.tools) };
  return overrides;
}

function buildRule(r: RawRule): ToolRuleConfig {
  const rule: ToolRuleConfig = {
    action: r.action ?? 'allow',
    conditions: (r.conditions ?? []).map((c) => ({
      if: c.if,
      action: c.action,
      ...(c.reason === undefined ? {} : { reason: c.reason }),
    })),
  };
  if (r.reason !== undefined) rule.reason = r.reason;
  if (r.category !== undefined) rule.category = r.category;
  if (r.risk !== undefined) rule.risk = r.risk;
  if (r.timeout !== undefined) rule.timeoutMs = parseDuration(r.timeout);
  if (r.rate_limit) {
    rule.rateLimit = { max: r.rate_limit.max, windowMs: parseDuration(r.rate_limit.window), scope: r.rate_limit.scope ?? 'session' };
  }
  if (r.budget) {
    const b = r.budget;
    rule.budget = { amount: b.amount, max: b.max, windowMs: parseDuration(b.window), scope: b.scope, giveBackOn: b.give_back_on ?? ['error', 'tool_error'] };
  }
  const validate = buildValidate(r.validate);
  if (validate) rule.validate = validate;
  if (r.action === 'require_approval' || r.approval !== undefined || rule.conditions.some((c) => c.action === 'require_approval')) {
    rule.approval = {
      timeoutMs: r.approval?.timeout === undefined ? DEFAULT_APPROVAL_TIMEOUT_MS : parseDuration(r.approval.timeout),
      notify: r.approval?.notify ?? [],
      via: r.approval?.via ?? 'dashboard',
    };
  }
  return rule;
}

/** How long the upstream may take to answer a forwarded call when neither the rule nor the server says. */
export const DEFAULT_CALL_TIMEOUT_MS = 5 * 60_000;

/** How long a held call waits for a person when the rule does not say. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60_000;

function buildValidate(v: RawRule['validate']): ValidateConfig | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return { inputSchema: true };
  return {
    inputSchema: v.input_schema === true,
    ...(v.arguments === undefined ? {} : { arguments: v.arguments }),
  };
}

// --- state (owned by src/store) ---
/** `redis:` implies the Redis backend; checks.ts refuses a `redis:` under another backend. */
function buildState(raw: NonNullable<RawConfig['state']>): StateConfig {
  if (raw.redis === undefined) return { backend: raw.backend === 'memory' ? 'memory' : 'sqlite' };
  return { backend: 'redis', redis: { url: raw.redis.url, prefix: raw.redis.prefix ?? 'toolgate:' }, onUnavailable: raw.on_unavailable ?? 'closed' };
}
// --- end state ---
