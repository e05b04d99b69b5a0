/**
 * The policy the fuzzer runs the gateway with, and the fuzzer's own reading of it: which calls
 * must never reach the upstream whatever the gateway answers. The oracle is written from the
 * policy text, independently of the gateway's code, so a gateway that refuses in its answer but
 * forwards anyway (or forwards what it should have refused) is caught from the upstream's log.
 */
import { RECORDING_SERVER } from '../helpers/harness.js';

/** Tool names the generator calls by name: the fixture's tools, and a few it does not have. */
export const KNOWN_TOOLS = [
  'echo', 'weather', 'get_status', 'deploy_webapp', 'delete_app', 'delete_everything', 'admin_reset', 'slow', 'crash',
  'ask_model', 'ask_user', 'list_client_roots', 'log_something', 'change_tools', 'rug_pull', 'build_and_push_image_to_ecr', 'no_such_tool',
] as const;

/** At most this many `get_status` calls may ever reach the upstream (scope tool, one hour). */
export const GET_STATUS_LIMIT = 3;

export function fuzzConfig(options: { port: number; dataDir: string; recordFile: string }): string {
  return `listen: { host: 127.0.0.1, port: ${options.port} }
data_dir: ${JSON.stringify(options.dataDir)}
log: { level: warn }
servers:
  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(options.recordFile)} } }
policies:
  app:
    default: allow
    tools:
      "delete_*": { action: deny, reason: "fuzz: nothing is deleted" }
      "admin_*": { action: hide }
      "ask_*": { action: deny }
      slow: { action: deny }
      crash: { action: deny }
      list_client_roots: { action: deny }
      get_status:
        rate_limit: { max: ${GET_STATUS_LIMIT}, window: 1h, scope: tool }
      deploy_webapp:
        validate: { input_schema: true }
      echo:
        conditions:
          - if: 'args.text == "forbidden"'
            action: deny
            reason: "fuzz: the forbidden word"
`;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** deploy_webapp's real input schema (the fixture's), checked by hand. */
function validDeployArguments(args: Record<string, unknown>): boolean {
  const { project_root: root, region, replicas } = args;
  return typeof root === 'string' && typeof region === 'string' && (replicas === undefined || (Number.isInteger(replicas) && (replicas as number) >= 1));
}

/**
 * Why the policy refuses a `tools/call` with these params, or undefined when it may be forwarded.
 * A call the policy allows may still be answered with an error (unknown tool, bad arguments): that
 * is the upstream's business.
 */
export function policyRefusal(params: unknown): string | undefined {
  if (!isObject(params)) return 'params is not an object';
  const { name, arguments: args } = params;
  if (typeof name !== 'string') return 'the tool name is not a string';
  if (args !== undefined && !isObject(args)) return 'arguments is not an object';
  const argsObject = (args ?? {}) as Record<string, unknown>;
  if (name.startsWith('delete_')) return 'delete_* is denied';
  if (name.startsWith('admin_')) return 'admin_* is hidden';
  if (name.startsWith('ask_')) return 'ask_* is denied';
  if (['slow', 'crash', 'list_client_roots'].includes(name)) return `${name} is denied`;
  if (name === 'echo' && argsObject.text === 'forbidden') return 'echo with text "forbidden" is denied by a condition';
  if (name === 'deploy_webapp' && !validDeployArguments(argsObject)) return 'deploy_webapp arguments do not match its schema (validate)';
  return undefined;
}
