/**
 * Deciding the category. The verb of the name sets a first answer (delete → Destructive, list →
 * Read); the parameters can overrule it when they say more than the name does (a `command`
 * parameter makes any tool an executor); the objects then refine a change into the kind of thing
 * it changes (permissions → Admin, refunds → Financial, comments → Communication).
 */
import type { Evidence, Verb } from './evidence.js';
import { parameterVerdict } from './params.js';
import { LINK_OBJECTS } from './risk-signals.js';
import type { Category, ToolAnnotations } from './types.js';
import {
  ADMIN_OBJECTS,
  ADVISORY_SUFFIXES,
  AGENT_WORDS,
  COMMUNICATION_OBJECTS,
  CONNECTION_PARAMS,
  DEMO_OPENINGS,
  EXECUTION_OBJECTS,
  FINANCIAL_IN_CONTEXT,
  FINANCIAL_OBJECTS,
  MACHINE_MESSAGING,
  RELEASE_OBJECTS,
  STARTING_VERBS,
  VERBS,
  type VerbClass,
} from './signals.js';

/** Facts the category step established that the risk step builds on. */
export type Trait =
  | 'command'
  | 'sql'
  | 'sql-read-only'
  | 'query-language'
  | 'advisory'
  | 'demo'
  | 'agent'
  | 'machine-messaging'
  | 'connection'
  | 'node-admin'
  | 'http-client'
  | 'passthrough'
  | 'unlink'
  | 'outbound'
  | 'unknown';

export interface CategoryDecision {
  category: Category;
  traits: ReadonlySet<Trait>;
  reasons: string[];
}

const BASE: Record<VerbClass, Category> = {
  read: 'Read',
  write: 'Write',
  execute: 'Execute',
  destructive: 'Destructive',
  communicate: 'Communication',
  financial: 'Financial',
  admin: 'Admin',
  vague: 'Write',
};

/** Write verbs that, applied to a comment or message, post it for people to read. */
const POSTING_VERBS = new Set(['add', 'create', 'write', 'post', 'submit', 'put', 'edit', 'update']);
/** Joining or leaving a list changes what someone receives, not what they may access. */
const SUBSCRIPTION_VERBS = new Set(['subscribe', 'unsubscribe', 'follow', 'unfollow', 'opt', 'mute', 'unmute']);
/** Targets whose connection settings are server configuration. */
const CONNECTION_TARGETS = new Set(['database', 'databases', 'db', 'server', 'servers', 'cluster', 'host', 'instance']);

export function decideCategory(ev: Evidence, annotations: ToolAnnotations | undefined): CategoryDecision {
  const traits = new Set<Trait>();
  const reasons: string[] = [];
  const decide = (category: Category): CategoryDecision => ({ category, traits, reasons });
  const v = ev.verb;

  const byParams = parameterVerdict(ev);
  if (byParams) {
    traits.add(byParams.trait);
    reasons.push(byParams.reason);
    return decide(byParams.category);
  }

  const dropSwitch = ev.params.find((p) => p.type === 'boolean' && DROP_SWITCHES.has(p.tokens[0] ?? ''));
  if (dropSwitch && (ev.verb?.cls === 'write' || ev.verb?.cls === 'vague')) {
    reasons.push(`Its switch \`${dropSwitch.name}\` lets a call drop what is in the way: the worst case it accepts deletes (rubric: label the worst case).`);
    return decide('Destructive');
  }
  if (ev.verb?.cls !== 'read' && RUNS_STATEMENTS.test(ev.description)) {
    traits.add('sql');
    reasons.push('The description says it generates and executes SQL or DDL statements: it runs a query language that can mutate (rubric §1, Execute).');
    return decide('Execute');
  }
  if (ev.uiSession && (ev.verb?.base === 'move' || ev.verb?.base === 'hover') && ev.objects.some((o) => POINTER_WORDS.has(o))) {
    reasons.push('Moving the pointer changes nothing on the page.');
    return decide('Read');
  }

  const output = ev.verb?.base === 'generate' ? ev.params.find((p) => OUTPUT_PARAMS.has(p.tokens.join('_'))) : undefined;
  if (output) {
    reasons.push(`It writes what it generates to \`${output.name}\`: a local file is created (rubric §1, Write).`);
    return decide('Write');
  }

  const last = ev.nameTokens[ev.nameTokens.length - 1];
  if (last !== undefined && ADVISORY_SUFFIXES.has(last) && ev.nameTokens.length > 1) {
    traits.add('advisory');
    reasons.push(`The name ends in "${last}": the tool returns advice or documentation rather than acting.`);
    return decide('Read');
  }

  if (DEMO_OPENINGS.test(ev.description) && (v === undefined || ['execute', 'write', 'vague', 'communicate'].includes(v.cls))) {
    traits.add('demo');
    reasons.push('The description presents the tool as a demonstration or simulation with no real effect.');
    return decide('Read');
  }

  if (v?.base === 'add' && ev.params.length > 0 && ev.params.every((p) => p.type === 'number' || p.type === 'integer')) {
    reasons.push('"add" with only numbers to work on is arithmetic: it computes and returns a result.');
    return decide('Read');
  }

  if (v === undefined) {
    traits.add('unknown');
    return decide(fallback(annotations, reasons));
  }
  if (v.cls === 'write' && STARTING_VERBS.has(v.base) && ev.headObject !== undefined && VERBS.get(ev.headObject) === 'read') {
    reasons.push(`"${v.word} ${ev.headObject}" starts a ${ev.headObject}, which only reads.`);
    return decide('Read');
  }
  const lastObject = ev.objects[ev.objects.length - 1];
  if (ev.verbSource === 'name' && v.cls === 'execute' && (v.base === 'run' || v.base === 'execute') && lastObject !== undefined && READ_RUNS.has(lastObject) && !ev.objects.some((o) => DATABASE_WORDS.has(o)) && !/\bdatabase\b/i.test(ev.description)) {
    reasons.push(`"${v.word}" runs a ${lastObject}, which only reads.`);
    return decide('Read');
  }
  if (ev.verbSource === 'description' && v.cls === 'execute' && (v.base === 'run' || v.base === 'execute')) {
    const next = descriptionObject(ev.description);
    if (next !== undefined) {
      reasons.push(`The description says it runs a ${next}, which only reads.`);
      return decide('Read');
    }
  }
  reasons.push(verbSentence(ev, v));
  const base = BASE[v.cls];
  if (v.cls === 'vague') reasons.push(`"${v.word}" says little by itself and the description names no clearer action, so it is treated as a change.`);

  const objects = ev.objects;
  const has = (set: ReadonlySet<string>): string | undefined => objects.find((o) => set.has(o));
  const machine = [...objects, ...ev.paramTokens, ...ev.descriptionTokens].find((w) => MACHINE_MESSAGING.has(w));

  if (v.cls === 'communicate') {
    const notice = objects.find((o) => NOTICE_OBJECTS.has(o));
    if (notice !== undefined) {
      reasons.push(`It sends a ${notice} to people: a message, whatever it is about (rubric §1, Communication).`);
      return decide('Communication');
    }
    const money =
      has(FINANCIAL_OBJECTS) ?? (ev.paymentsContext ? has(FINANCIAL_IN_CONTEXT) : undefined) ?? (ev.paramTokens.has('amount') ? 'an amount' : undefined);
    if (money !== undefined) {
      reasons.push(`It sends "${money}", which moves money.`);
      return decide('Financial');
    }
    const release = has(RELEASE_OBJECTS);
    if (v.base === 'publish' && release !== undefined) {
      reasons.push(`"publish" applies to "${release}": it ships software rather than sending a message.`);
      return decide('Execute');
    }
    if (v.base === 'post' && has(COMMUNICATION_OBJECTS) === undefined) {
      // "post" in generated API tools is the HTTP method: `api_post_search`, `api_post_page`.
      const read = ev.headObject !== undefined && VERBS.get(ev.headObject) === 'read';
      reasons.push(`"post" here is an HTTP method on ${read ? 'a read' : 'a record'}, not a message to people.`);
      return decide(read ? 'Read' : 'Write');
    }
    if (machine !== undefined) {
      traits.add('machine-messaging');
      reasons.push(`The message goes to a ${machine}, a machine-to-machine channel, so it is a data write rather than communication with people.`);
      return decide('Write');
    }
    return decide('Communication');
  }

  if (v.cls === 'admin') {
    const money = has(FINANCIAL_OBJECTS) ?? (ev.paymentsContext ? has(FINANCIAL_IN_CONTEXT) : undefined);
    if (money !== undefined) {
      reasons.push(`"${v.word}" applies to "${money}", a money-bearing object: Financial comes before Admin (rubric §1, rule 2 precedes rule 4).`);
      return decide('Financial');
    }
  }

  if (v.cls === 'execute' && (v.base === 'upgrade' || v.base === 'scale') && has(RESOURCE_TIERS) !== undefined) {
    reasons.push(`"${v.word}" a ${has(RESOURCE_TIERS)} changes its declared size or tier: declarative desired state is Write, not Execute (rubric §1).`);
    return decide('Write');
  }
  if (v.cls === 'execute' && v.base === 'forward' && !objects.includes('port') && has(COMMUNICATION_OBJECTS)) {
    reasons.push('It forwards a message to someone else.');
    return decide('Communication');
  }

  if (v.cls === 'write' || v.cls === 'vague' || v.cls === 'destructive') {
    if (v.cls !== 'destructive') {
      const money = has(FINANCIAL_OBJECTS) ?? (ev.paymentsContext ? has(FINANCIAL_IN_CONTEXT) : undefined);
      if (money !== undefined) {
        reasons.push(`It changes "${money}", a money-bearing object${FINANCIAL_OBJECTS.has(money) ? '' : ' in a payments context'}.`);
        return decide('Financial');
      }
    } else {
      const money = has(FINANCIAL_OBJECTS);
      if (money !== undefined) {
        reasons.push(`It deletes "${money}", a money-bearing object: deleting a financial object is still Financial (rubric §1, rule 2 precedes rule 3).`);
        return decide('Financial');
      }
    }
    // Deleting an identity or credential is Destructive (rule 3 precedes 4); removing a member
    // or revoking a grant destroys nothing and stays Admin.
    const deletes = v.cls === 'destructive' && v.base !== 'remove' && v.base !== 'reset';
    const delivery = v.cls !== 'destructive' ? deliveryDestination(ev) : undefined;
    if (delivery !== undefined) {
      traits.add('outbound');
      reasons.push(`\`${delivery}\` names where future events are delivered: an outbound subscription is Write, not Admin (rubric §3: outbound subscriptions/webhooks).`);
      return decide('Write');
    }
    const admin = SUBSCRIPTION_VERBS.has(v.base) || deletes ? undefined : (has(ADMIN_OBJECTS) ?? (ev.identityContext && v.cls !== 'destructive' ? 'tenant configuration of an identity provider' : undefined));
    if (admin !== undefined) {
      reasons.push(`It changes "${admin}": identity, access or configuration, which is administration.`);
      return decide('Admin');
    }
    const connectionParam = ev.params.find((p) => CONNECTION_PARAMS.has(p.tokens.join('_')));
    if (v.base === 'connect' && (has(CONNECTION_TARGETS) !== undefined || connectionParam !== undefined)) {
      traits.add('connection');
      const target = has(CONNECTION_TARGETS) ?? `target named by \`${connectionParam?.name}\``;
      reasons.push(`It chooses which ${target} the server talks to, which is server configuration.`);
      return decide('Admin');
    }
    if ((objects.includes('node') || objects.includes('nodes')) && ev.clusterContext) {
      traits.add('node-admin');
      reasons.push('It manages the nodes of a cluster, which is cluster administration.');
      return decide('Admin');
    }
    if (v.cls === 'destructive' && v.base === 'reset' && (ev.nameTokens[0] === 'git' || ev.paramTokens.has('repo_path'))) {
      traits.add('unlink');
      reasons.push('Resetting a local repository moves its head; VCS history keeps what was there (rubric §2: lowered, trivially reversible).');
      return decide('Write');
    }
    if (v.cls === 'destructive') {
      const link = v.base === 'remove' || v.base === 'unlink' ? has(LINK_OBJECTS) : v.base === 'delete' && !ev.paymentsContext ? has(SUBSCRIPTIONS) : undefined;
      if (link !== undefined) {
        traits.add('unlink');
        reasons.push(`Removing a ${link} unlinks it; nothing is deleted.`);
        return decide('Write');
      }
      return decide(base);
    }
    const run = has(EXECUTION_OBJECTS);
    if (run !== undefined && STARTING_VERBS.has(v.base)) {
      reasons.push(`"${v.word}" a ${run} starts it: the tool runs something.`);
      return decide('Execute');
    }
    const agent = has(AGENT_WORDS);
    if (agent !== undefined && (v.base === 'assign' || v.base === 'delegate')) {
      traits.add('agent');
      reasons.push(`It hands work to an autonomous ${agent}, which then acts (writes code, opens changes) on its own.`);
      return decide('Execute');
    }
    if (PAGES_PEOPLE.test(ev.description)) {
      reasons.push('The description says it pages or notifies people: delivering a message to people is Communication (rubric §1, rule 5).');
      return decide('Communication');
    }
    if (v.base === 'sync' && has(DEPLOYED_OBJECTS) !== undefined) {
      reasons.push(`Syncing an ${has(DEPLOYED_OBJECTS)} to its target state deploys it (rubric §1: launches a deployment is Execute).`);
      return decide('Execute');
    }
    const conversation = has(CONVERSATION_OBJECTS);
    if (conversation !== undefined && (v.base === 'start' || POSTING_VERBS.has(v.base)) && machine === undefined) {
      reasons.push(`Starting or changing a ${conversation} posts a message other people read (rubric §1, Communication).`);
      return decide('Communication');
    }
    const social = has(COMMUNICATION_OBJECTS);
    if (social !== undefined && POSTING_VERBS.has(v.base) && machine === undefined && !objects.includes('draft')) {
      reasons.push(`It posts a ${social} that other people will see.`);
      return decide('Communication');
    }
    if (machine !== undefined) traits.add('machine-messaging');
  }
  return decide(base);
}

/** Parameters that name where a subscription delivers: an address, URL or endpoint. */
const DESTINATION_PARAMS = new Set(['destination', 'endpoint', 'callback_url', 'webhook_url', 'notify_url', 'delivery_url']);
/** Parameters that list which events a subscription delivers. */
const EVENT_LIST_PARAMS = new Set(['events', 'subscribed_events', 'event_types', 'enabled_events']);

/**
 * The parameter naming where events go, when the tool also chooses which events: the tool sets up
 * delivery of the account's future data to a destination the caller picks.
 */
function deliveryDestination(ev: Evidence): string | undefined {
  if (!ev.params.some((p) => EVENT_LIST_PARAMS.has(p.tokens.join('_')))) return undefined;
  return ev.params.find((p) => DESTINATION_PARAMS.has(p.tokens.join('_')))?.name;
}

/** Parameters that name where generated files are written. */
const OUTPUT_PARAMS = new Set(['output_dir', 'output_directory', 'output_path', 'output_file', 'out_dir', 'destination']);
/** Deleting one's own subscription to notifications unsubscribes: nothing is lost. */
const SUBSCRIPTIONS = new Set(['subscription', 'subscriptions']);
/** Boolean switches whose first word deletes (`dropTarget`): the tool can destroy. */
const DROP_SWITCHES = new Set(['drop', 'delete', 'purge', 'truncate']);
/** A description saying the tool itself executes generated SQL or DDL. */
const RUNS_STATEMENTS = /\b(?:generat\w+ and execut\w+|execut\w+|runs?|appl(?:y|ies))\s+(?:the\s+)?(?:\w+\s+){0,2}(?:ddl|sql)(?:\s+statements?)?\b/i;
/** The pointer of an interactive session. */
const POINTER_WORDS = new Set(['mouse', 'cursor', 'pointer']);
/** Threads and conversations: starting one posts its first message. */
const CONVERSATION_OBJECTS = new Set(['thread', 'threads', 'conversation', 'conversations', 'discussion']);

/** A description saying the tool reaches people directly: paging an on-call, notifying a team. */
const PAGES_PEOPLE = /\b(?:pages?|paging|notif(?:y|ies)|alerts?|texts?|calls?)\s+(?:the\s+|an?\s+)?(?:on-?call|responders?|people|users|team|recipients?|subscribers)\b/i;
/** Objects whose sync to a desired state is a deployment. */
const DEPLOYED_OBJECTS = new Set(['application', 'applications', 'app', 'apps', 'release', 'releases']);
/** Messages about something else (an invoice reminder is still a message). */
const NOTICE_OBJECTS = new Set(['reminder', 'reminders', 'notification', 'notifications', 'notice']);
/** Resources whose size or tier is declared: upgrading one is a change of desired state. */
const RESOURCE_TIERS = new Set(['cluster', 'clusters', 'instance', 'instances', 'plan', 'tier', 'database', 'workspace']);

/** A query against one of these may write; its reads are not assumed. */
const DATABASE_WORDS = new Set(['database', 'databases', 'db', 'sql', 'table', 'tables']);
const READ_RUNS = new Set(['query', 'queries', 'search', 'find', 'count', 'aggregation', 'report', 'scan', 'analysis', 'lookup']);

/** What a description's opening "Run a …" runs, when that is a read (`Run an aggregation`). */
function descriptionObject(description: string): string | undefined {
  const m = /^\W*(?:runs?|executes?)\s+(?:an?\s+|the\s+)?(\w+)(?:\s+(\w+))?/i.exec(description);
  if (!m) return undefined;
  const words = [m[1], m[2]].filter((w): w is string => w !== undefined).map((w) => w.toLowerCase());
  return words.find((w) => READ_RUNS.has(w));
}

function verbSentence(ev: Evidence, v: Verb): string {
  switch (ev.verbSource) {
    case 'name':
      return `The name's verb "${v.word}" (in \`${ev.name}\`) means ${describeClass(v.cls)}.`;
    case 'name (noun)':
      return `The name has no verb; its word "${v.word}" stands for ${describeClass(v.cls)}.`;
    case 'title':
      return `The name has no verb; the title's verb "${v.word}" means ${describeClass(v.cls)}.`;
    case 'description':
      return `The name has no clear verb; the description opens with "${v.word}", which means ${describeClass(v.cls)}.`;
    default:
      return '';
  }
}

function describeClass(cls: VerbClass): string {
  const text: Record<VerbClass, string> = {
    read: 'reading',
    write: 'a change',
    execute: 'running something',
    destructive: 'deleting',
    communicate: 'sending a message',
    financial: 'moving money',
    admin: 'administration',
    vague: 'an unspecified action',
  };
  return text[cls];
}

function fallback(annotations: ToolAnnotations | undefined, reasons: string[]): Category {
  if (annotations?.readOnlyHint === true) {
    reasons.push('Nothing in the name or description says what the tool does; only the server\'s own readOnlyHint says it reads, which is taken as weak evidence.');
    return 'Read';
  }
  if (annotations?.destructiveHint === true) {
    reasons.push('Nothing in the name or description says what the tool does; the server\'s destructiveHint says it deletes.');
    return 'Destructive';
  }
  reasons.push('Nothing in the name, description or annotations says what the tool does, so it is treated as a change until someone looks.');
  return 'Write';
}
