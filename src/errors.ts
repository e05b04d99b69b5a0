/**
 * Every error toolgate raises on purpose: a stable string `code`, a message that says what was
 * wrong and how to fix it, optional `data`. Conversion to JSON-RPC errors or HTTP responses
 * happens only at the edge (transport), never here.
 */
export type ToolgateErrorCode =
  | 'config_invalid'
  | 'config_unreadable'
  | 'unknown_server'
  | 'unknown_session'
  | 'wrong_instance'
  | 'session_required'
  | 'body_too_large'
  | 'parse_error'
  | 'invalid_request'
  | 'forbidden_origin'
  | 'forbidden_host'
  | 'not_acceptable'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'conflict'
  | 'not_found'
  | 'unauthorized'
  /** Authenticated, but the operator's role does not allow this; the message names the role needed. */
  | 'forbidden'
  | 'upstream_unavailable'
  | 'upstream_closed'
  | 'upstream_error'
  | 'store_error'
  /** A configured bound (sessions, processes, line length, ...) was reached; the message names its config key. */
  | 'limit_reached'
  /** A client asked to resume a stream from an event toolgate no longer keeps (limits.replay_buffer). */
  | 'replay_unavailable'
  /** Too many failed attempts from one address (sign-in, bearer token); retry after `data.retryAfterS`. */
  | 'too_many_attempts';

export class ToolgateError extends Error {
  readonly code: ToolgateErrorCode;
  readonly data?: unknown;

  constructor(code: ToolgateErrorCode, message: string, options?: { data?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolgateError';
    this.code = code;
    this.data = options?.data;
  }
}

/** One problem found in a config file, located for an editor: `file:line:column`. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** JSON-pointer-like path in the document, e.g. `/policies/aws-ecs/tools/delete_*`. */
  path: string;
  message: string;
  hint?: string;
}

export class ConfigError extends ToolgateError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super('config_invalid', ConfigError.format(problems), { data: problems });
    this.name = 'ConfigError';
    this.problems = problems;
  }

  static format(problems: ConfigProblem[]): string {
    return problems
      .map((p) => `${p.file}:${p.line}:${p.column}: ${p.path || '/'}: ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`)
      .join('\n');
  }
}
