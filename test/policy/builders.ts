/** Tiny builders for Config objects and calls, so each test states only what it is about. */
import { LIMIT_DEFAULTS } from '../../src/config/build.js';
import type { Config, Mode, RateLimitConfig, ServerConfig, ServerPolicyConfig, ToolRuleConfig } from '../../src/config/types.js';
import type { ToolDefinition } from '../../src/catalog/types.js';
import type { ToolCall } from '../../src/policy/types.js';

export function rule(action: ToolRuleConfig['action'] = 'allow', extra: Partial<ToolRuleConfig> = {}): ToolRuleConfig {
  return { action, conditions: [], ...extra };
}

export function limit(max: number, windowSeconds: number, scope: RateLimitConfig['scope']): RateLimitConfig {
  return { max, windowMs: windowSeconds * 1000, scope };
}

export function server(tools: Record<string, ToolRuleConfig>, fallback: 'allow' | 'deny' = 'allow'): ServerPolicyConfig {
  return { default: fallback, tools };
}

export function config(
  policies: Record<string, ServerPolicyConfig>,
  options: { mode?: Mode; serverModes?: Record<string, Mode | undefined> } = {},
): Config {
  const servers: Record<string, ServerConfig> = {};
  for (const id of new Set([...Object.keys(policies), ...Object.keys(options.serverModes ?? {})])) {
    servers[id] = { kind: 'http', url: `http://127.0.0.1:9/${id}`, headers: {}, mode: options.serverModes?.[id] };
  }
  return {
    file: '/etc/toolgate/test.yaml',
    listen: { host: '127.0.0.1', port: 0, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 1_000_000 },
    dataDir: '/tmp/toolgate-test',
    mode: options.mode ?? 'enforce',
    servers,
    policies,
    log: { level: 'silent' },
    pinning: 'block',
    limits: { ...LIMIT_DEFAULTS },
  };
}

/** A policy for the single server `srv`. */
export function srv(tools: Record<string, ToolRuleConfig>, fallback: 'allow' | 'deny' = 'allow'): Config {
  return config({ srv: server(tools, fallback) });
}

export function call(tool: string, args: Record<string, unknown> = {}, extra: Partial<ToolCall> = {}): ToolCall {
  return { server: 'srv', tool, args, ...extra };
}

/** A tool definition as tools/list gives it; only the schema matters to validation. */
export function def(inputSchema: object, extra: Partial<ToolDefinition> = {}): ToolDefinition {
  return { name: 'tool', description: 'A tool.', inputSchema: inputSchema as ToolDefinition['inputSchema'], ...extra };
}
