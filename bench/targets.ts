/**
 * The things a load run can be pointed at: the HTTP upstream itself, toolgate in its set-ups
 * (allow-all; the realistic policy on the memory store, on the Redis store, and with tracing on;
 * fronting stdio), and the two other stdio→Streamable HTTP bridges. Each target is started as its own
 * process with a fresh heap for every measurement, so peak RSS and CPU belong to that cell alone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditSupport } from './audit.js';
import { freePort, startProcess, waitForHttp, waitForLine, type Started } from './processes.js';
import type { BenchRedis } from './services.js';
import { buildHasLimits } from './snapshot.js';

export interface TargetContext {
  /** The repository: node_modules (supergateway, mcp-proxy) and the working directory. */
  repoRoot: string;
  /** The private build (snapshot.ts) holding dist/bench and dist/src. */
  buildRoot: string;
  /** A scratch folder for config files and data dirs. */
  workDir: string;
  /** The HTTP echo upstream, e.g. http://127.0.0.1:18901/mcp. */
  upstreamUrl: string;
  /** Absolute path of dist/bench/stdio-echo-server.js. */
  stdioServer: string;
  /** The toolgate CLI to run, normally dist/src/cli/main.js; another build for A/B comparisons. */
  toolgateCli: string;
  /** Whether the gateway has an audit trail, and the YAML that turns it on or off. */
  audit: AuditSupport;
  /** The run's Redis and key prefix, for targets with `redis` (state.redis). */
  redis?: BenchRedis;
  /** The OTLP endpoint targets with `telemetry` export to (a sink that discards). */
  otlpEndpoint?: string;
}

export interface RunningTarget {
  /** The MCP endpoint the load client talks to. */
  url: string;
  /** The proxy process whose CPU and memory are reported; undefined for the direct run. */
  proxy?: Started;
  /** toolgate's data_dir, where the audit trail is written. */
  dataDir?: string;
  stop(): Promise<void>;
}

export type TargetId =
  | 'direct'
  | 'byte-pipe'
  | 'toolgate-allow'
  | 'toolgate-policy'
  | 'toolgate-policy-redis'
  | 'toolgate-policy-telemetry'
  | 'toolgate-stdio'
  | 'toolgate-stdio-shared'
  | 'supergateway-stdio'
  | 'mcp-proxy-stdio';

/** The id of a toolgate target run from the `--compare` build: `toolgate-policy@b`. */
export type CompareId = `${TargetId}@b`;

export interface Target {
  id: TargetId | CompareId;
  label: string;
  /** Which upstream it fronts; ratios only compare targets of the same kind. */
  upstream: 'http' | 'stdio';
  /** The session counts it is measured at (those of the run among them); undefined: all of the run's. */
  sessions?: readonly number[];
  start(context: TargetContext): Promise<RunningTarget>;
}

/** What a toolgate target runs with, beyond a bare proxy. */
export interface ToolgateSetup {
  /** The realistic policy, with the audit trail on. */
  policy: boolean;
  /** Rate limits, pins and approvals in the run's Redis (`state.redis`) instead of memory and data_dir. */
  redis?: boolean;
  /** Every request traced and exported over OTLP to the run's sink. */
  telemetry?: boolean;
}

/** The realistic policy of the issue: a rate limit that never trips and the tool's own schema. */
const REALISTIC_POLICY = `policies:
  http-echo:
    default: allow
    tools:
      echo:
        rate_limit: { max: 1000000000, window: 60 }
        validate: true
`;

/**
 * The idle-session probe opens 10,000+ sessions and the load runs 64 stdio processes: far past
 * the default limits, which are for agents, not for a benchmark. Builds from before `limits:`
 * existed (--compare-commit) would refuse the key, and have no limits to raise.
 */
const BENCH_LIMITS = 'limits: { max_sessions: 100000, max_sessions_per_server: 100000, max_processes_per_server: 1000, session_idle_timeout: 1h }';

function toolgateYaml(context: TargetContext, port: number, dataDir: string, setup: ToolgateSetup, withLimits: boolean): string {
  const stdio = `command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(context.stdioServer)}]`;
  return [
    `listen: { host: 127.0.0.1, port: ${port} }`,
    withLimits ? BENCH_LIMITS : '',
    `data_dir: ${JSON.stringify(dataDir)}`,
    'log: { level: warn }',
    (setup.policy ? context.audit.onYaml : context.audit.offYaml) ?? '',
    setup.redis ? `state: { redis: { url: ${JSON.stringify(needed(context.redis, 'Redis').url)}, prefix: ${JSON.stringify(needed(context.redis, 'Redis').prefix)} } }` : '',
    setup.telemetry ? `telemetry: { otlp: { endpoint: ${JSON.stringify(needed(context.otlpEndpoint, 'an OTLP sink'))} } }` : '',
    'servers:',
    `  http-echo: { url: ${JSON.stringify(context.upstreamUrl)} }`,
    `  stdio-echo: { ${stdio} }`,
    `  stdio-echo-shared: { ${stdio}, sessions: shared }`,
    setup.policy ? REALISTIC_POLICY : '',
  ].join('\n');
}

function needed<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`this toolgate target needs ${what}, which the harness did not start (run it through bench/run.ts)`);
  return value;
}

let started = 0;

/**
 * Starts `toolgate serve` on a config written for this start (own port, own data_dir); ready when
 * /healthz answers 200.
 */
export async function startToolgate(
  context: TargetContext,
  name: string,
  setup: ToolgateSetup,
  nodeArgs: string[] = [],
  cli = context.toolgateCli,
): Promise<{ proxy: Started; baseUrl: string; dataDir: string }> {
  const port = await freePort();
  const run = `${name}-${++started}`;
  const file = join(context.workDir, `toolgate-${run}.yaml`);
  const dataDir = join(context.workDir, `data-${run}`);
  writeFileSync(file, toolgateYaml(context, port, dataDir, setup, buildHasLimits(cli)));
  const proxy = startProcess(`toolgate (${name})`, process.execPath, [...nodeArgs, cli, 'serve', '-c', file], { cwd: context.repoRoot });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(proxy, `${baseUrl}/healthz`, (status) => status === 200);
  } catch (error) {
    await proxy.stop();
    throw error;
  }
  return { proxy, baseUrl, dataDir };
}

export interface ToolgateTargetSpec {
  id: TargetId;
  label: string;
  server: string;
  setup: ToolgateSetup;
  sessions?: readonly number[];
}

function toolgateTarget({ id, label, server, setup, sessions }: ToolgateTargetSpec, compareCli?: string): Target {
  return {
    id: compareCli === undefined ? id : `${id}@b`,
    label: compareCli === undefined ? label : `${label} [B]`,
    upstream: server === 'http-echo' ? 'http' : 'stdio',
    ...(sessions ? { sessions } : {}),
    async start(context) {
      const { proxy, baseUrl, dataDir } = await startToolgate(context, id, setup, [], compareCli);
      return { url: `${baseUrl}/mcp/${server}`, proxy, dataDir, stop: () => proxy.stop() };
    },
  };
}

/**
 * The Redis-store and telemetry-on cells are each compared with the realistic policy on the
 * memory store with telemetry off (`toolgate-policy`), at the session counts their goals name.
 */
export const TOOLGATE_TARGETS: readonly ToolgateTargetSpec[] = [
  { id: 'toolgate-allow', label: 'toolgate, allow-all', server: 'http-echo', setup: { policy: false } },
  { id: 'toolgate-policy', label: 'toolgate, realistic policy', server: 'http-echo', setup: { policy: true } },
  { id: 'toolgate-policy-redis', label: 'toolgate, realistic policy, Redis store', server: 'http-echo', setup: { policy: true, redis: true }, sessions: [1, 16] },
  { id: 'toolgate-policy-telemetry', label: 'toolgate, realistic policy, telemetry on', server: 'http-echo', setup: { policy: true, telemetry: true }, sessions: [1, 16] },
  { id: 'toolgate-stdio', label: 'toolgate → stdio (per-session)', server: 'stdio-echo', setup: { policy: false } },
  { id: 'toolgate-stdio-shared', label: 'toolgate → stdio (shared)', server: 'stdio-echo-shared', setup: { policy: false } },
];

const DIRECT: Target = {
  id: 'direct',
  label: 'direct to HTTP upstream',
  upstream: 'http',
  async start(context) {
    return { url: context.upstreamUrl, stop: async () => {} };
  },
};

/** byte-pipe.ts: what any proxy in this runtime costs, the floor toolgate's cells are held against. */
const BYTE_PIPE: Target = {
  id: 'byte-pipe',
  label: 'byte pipe (node:http, no parsing)',
  upstream: 'http',
  async start(context) {
    const script = join(context.buildRoot, 'dist', 'bench', 'byte-pipe.js');
    const proxy = startProcess('byte pipe', process.execPath, [script, '--upstream', context.upstreamUrl], { cwd: context.workDir });
    try {
      const port = (await waitForLine(proxy, /listening (\d+)/))[1];
      return { url: `http://127.0.0.1:${port}/mcp`, proxy, stop: () => proxy.stop() };
    } catch (error) {
      await proxy.stop();
      throw error;
    }
  },
};

const SUPERGATEWAY: Target = {
  id: 'supergateway-stdio',
  label: 'supergateway → stdio (stateful)',
  upstream: 'stdio',
  async start(context) {
    const port = await freePort();
    const main = join(context.repoRoot, 'node_modules', 'supergateway', 'dist', 'index.js');
    // --stateful: one child per session, like toolgate's default; --logLevel none: its default
    // `info` prints every message, which would measure its terminal rather than its proxying.
    const args = [
      main,
      '--stdio', `${process.execPath} ${context.stdioServer}`,
      '--outputTransport', 'streamableHttp',
      '--stateful',
      '--port', String(port),
      '--streamableHttpPath', '/mcp',
      '--healthEndpoint', '/healthz',
      '--logLevel', 'none',
    ];
    const proxy = startProcess('supergateway', process.execPath, args, { cwd: context.workDir });
    await waitOrStop(proxy, `http://127.0.0.1:${port}/healthz`, (status) => status === 200);
    return { url: `http://127.0.0.1:${port}/mcp`, proxy, stop: () => proxy.stop() };
  },
};

const MCP_PROXY: Target = {
  id: 'mcp-proxy-stdio',
  label: 'mcp-proxy → stdio (one shared child)',
  upstream: 'stdio',
  async start(context) {
    const port = await freePort();
    const main = join(context.repoRoot, 'node_modules', 'mcp-proxy', 'dist', 'bin', 'mcp-proxy.mjs');
    // mcp-proxy always starts one child and shares it between sessions; defaults otherwise.
    const args = [main, '--host', '127.0.0.1', '--port', String(port), '--server', 'stream', '--streamEndpoint', '/mcp', '--', process.execPath, context.stdioServer];
    const proxy = startProcess('mcp-proxy', process.execPath, args, { cwd: context.workDir });
    // Any HTTP answer on /mcp means it listens (a GET without a session is refused, which is fine).
    await waitOrStop(proxy, `http://127.0.0.1:${port}/mcp`, () => true);
    return { url: `http://127.0.0.1:${port}/mcp`, proxy, stop: () => proxy.stop() };
  },
};

export const TARGET_IDS: readonly TargetId[] = ['direct', 'byte-pipe', ...TOOLGATE_TARGETS.map(({ id }) => id), 'supergateway-stdio', 'mcp-proxy-stdio'];

/**
 * Every target, in the order they run. With `compareCli` (another toolgate build, `--compare`),
 * each toolgate target is followed by the same target on that build, `<id>@b`, so an A/B
 * comparison is interleaved in one run like every other ratio.
 */
export function targets(compareCli?: string): Target[] {
  const toolgate = TOOLGATE_TARGETS.flatMap((spec) => [toolgateTarget(spec), ...(compareCli === undefined ? [] : [toolgateTarget(spec, compareCli)])]);
  return [DIRECT, BYTE_PIPE, ...toolgate, SUPERGATEWAY, MCP_PROXY];
}

async function waitOrStop(proxy: Started, url: string, ready: (status: number) => boolean): Promise<void> {
  try {
    await waitForHttp(proxy, url, ready);
  } catch (error) {
    await proxy.stop();
    throw error;
  }
}
