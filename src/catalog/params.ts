/**
 * Parameters that decide a category on their own, whatever the name says: a `command` makes a
 * tool a command runner, `sql` makes it a database console, `url` + `method` + `body` make it a
 * general HTTP client. Names can be bland (`interact_with_process`, `query`); parameters are
 * what the tool will actually accept.
 */
import type { Evidence, Param } from './evidence.js';
import type { Category } from './types.js';
import {
  COMMAND_LINE_PHRASE,
  COMMAND_PARAMS,
  INPUT_PARAMS,
  INTERPRETER_OBJECTS,
  READ_ONLY_PHRASE,
  SQL_MENTION,
  SQL_PARAMS,
  URL_PARAMS,
} from './signals.js';

export interface ParameterVerdict {
  category: Category;
  trait: 'command' | 'sql' | 'sql-read-only' | 'query-language' | 'http-client' | 'passthrough';
  reason: string;
}

export function parameterVerdict(ev: Evidence): ParameterVerdict | undefined {
  const v = ev.verb;
  const runsAnything = v === undefined || v.cls === 'execute' || v.cls === 'vague';

  const interpreter = ev.objects.find((o) => INTERPRETER_OBJECTS.has(o));
  const feeds = ev.params.find((p) => INPUT_PARAMS.has(p.tokens.join('_')));
  if (interpreter && feeds && v?.cls !== 'read' && v?.cls !== 'destructive') {
    return { category: 'Execute', trait: 'command', reason: `It passes \`${feeds.name}\` to a ${interpreter}, which runs whatever it is given.` };
  }
  const command = ev.params.find((p) => isCommandParam(p));
  if (command && runsAnything) {
    return {
      category: 'Execute',
      trait: 'command',
      reason: `Parameter \`${command.name}\` takes a command to run, so the tool executes whatever the caller passes.`,
    };
  }
  const phrase = runsAnything ? COMMAND_LINE_PHRASE.exec(ev.description) : null;
  if (phrase) {
    return { category: 'Execute', trait: 'command', reason: `The description says it runs ${phrase[0]}: whatever command the caller writes.` };
  }

  const url = ev.params.find((p) => isUrlParam(p));
  const changingRequest = url ? CHANGING_HTTP_REQUEST.exec(ev.description) : null;
  if (url && changingRequest) {
    return {
      category: 'Execute',
      trait: 'http-client',
      reason: `The description says it performs ${changingRequest[0]} to the address in \`${url.name}\`: a request that can change any remote system (rubric §3: generic passthrough).`,
    };
  }
  const method = ev.params.find((p) => p.tokens.join('_') === 'method' || p.tokens.join('_') === 'http_method');
  const payload = ev.paramTokens.has('body') || ev.paramTokens.has('headers') || ev.paramTokens.has('data');
  if (url && method && payload && v?.cls !== 'read') {
    return {
      category: 'Execute',
      trait: 'http-client',
      reason: `Parameters \`${url.name}\` and \`${method.name}\` make it a general HTTP client: any request, to any address.`,
    };
  }

  const service = ev.params.find((p) => SERVICE_PARAMS.has(p.tokens.join('_')) && p.values.length === 0);
  const operation = ev.params.find((p) => OPERATION_PARAMS.has(p.tokens.join('_')) && p.values.length === 0);
  if (service && operation && v?.cls !== 'read') {
    return {
      category: 'Execute',
      trait: 'passthrough',
      reason: `Parameters \`${service.name}\` and \`${operation.name}\` name any service and operation: a generic API passthrough (rubric §3).`,
    };
  }

  const pipeline = ev.params.find((p) => p.tokens.join('_') === 'pipeline' && p.type === 'array');
  const runsPipeline = v === undefined || v.cls === 'read' || v.base === 'run' || v.base === 'execute';
  if (pipeline && runsPipeline && !READ_ONLY_PHRASE.test(ev.description)) {
    return {
      category: 'Execute',
      trait: 'sql',
      reason: `Parameter \`${pipeline.name}\` takes a query pipeline, whose stages may write (rubric §1: pipelines with write stages are Execute).`,
    };
  }

  const readOnlyLanguage = READ_ONLY_LANGUAGES.exec(`${ev.name} ${ev.description}`);
  const query = ev.params.find((p) => p.tokens.includes('query'));
  if (readOnlyLanguage && query && (v === undefined || v.cls === 'read' || v.cls === 'execute')) {
    return { category: 'Read', trait: 'query-language', reason: `\`${query.name}\` takes ${readOnlyLanguage[0]}, a query language that can only read (rubric §1).` };
  }

  const sql = ev.params.find((p) => isSqlParam(p, ev.description));
  if (sql) {
    if (READ_ONLY_PHRASE.test(ev.description) || READ_ONLY_PHRASE.test(ev.titleTokens.join(' '))) {
      return { category: 'Read', trait: 'sql-read-only', reason: `Parameter \`${sql.name}\` takes SQL, and the description says the query is read-only.` };
    }
    if (v?.cls === 'write' || v?.cls === 'destructive') {
      return {
        category: v.cls === 'write' ? 'Write' : 'Destructive',
        trait: 'sql',
        reason: `Parameter \`${sql.name}\` takes SQL and the name's verb "${v.word}" says it changes data.`,
      };
    }
    return { category: 'Execute', trait: 'sql', reason: `Parameter \`${sql.name}\` takes arbitrary SQL and nothing in the definition limits it to reads.` };
  }
  return undefined;
}

/** A description of a tool that sends one state-changing HTTP request. */
const CHANGING_HTTP_REQUEST = /\ban? HTTP (?:POST|PUT|PATCH|DELETE) request\b/i;

/** Query languages that cannot change anything: metrics and log queries. */
const READ_ONLY_LANGUAGES = /\bpromql\b|\blogql\b|\btraceql\b|\blogs? insights?\b|\bcwl insights\b/i;

/** Parameters that name which service or API a passthrough calls. */
const SERVICE_PARAMS = new Set(['service', 'service_name', 'api', 'api_name']);
/** Parameters that name the operation a passthrough performs, as free text. */
const OPERATION_PARAMS = new Set(['method', 'operation', 'operation_name', 'action']);

export function isUrlParam(p: Param): boolean {
  return URL_PARAMS.has(p.tokens.join('_')) || p.format === 'uri' || p.format === 'url';
}

export function isCommandParam(p: Param): boolean {
  return COMMAND_PARAMS.has(p.name.toLowerCase()) || COMMAND_PARAMS.has(p.tokens.join('_'));
}

function isSqlParam(p: Param, toolDescription: string): boolean {
  const joined = p.tokens.join('_');
  if (SQL_PARAMS.has(joined)) return true;
  return joined === 'query' && (SQL_MENTION.test(p.description) || SQL_MENTION.test(toolDescription));
}
