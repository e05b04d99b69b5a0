/**
 * Deciding the risk within a category: what is the worst a single call can do, and how hard is it
 * to undo. Each category starts from a typical level and moves on named signals — a read of
 * secrets is worse than a read of a directory listing, deleting a repository is worse than
 * deleting a message. Every move adds the sentence that justifies it.
 */
import type { CategoryDecision } from './category.js';
import { isCommandParam, isUrlParam } from './params.js';
import type { Evidence } from './evidence.js';
import type { Risk } from './types.js';
import {
  ACCESS_OBJECTS,
  ADDING_ACCESS_VERBS,
  BILLING_COMMITMENT,
  BROADCAST_WORDS,
  BULK_PHRASE,
  BULK_READ_VERBS,
  BULK_WORDS,
  CASCADE_PHRASE,
  CHANNEL_WORDS,
  CONTAINER_OBJECTS,
  CREDENTIAL_OBJECTS,
  CRITICAL_DELETE_OBJECTS,
  FINANCIAL_RECORDS,
  GRANT_VERBS,
  HIGH_DELETE_VERBS,
  HIGH_EXECUTE_WORDS,
  HIGH_WRITE_OBJECTS,
  HIGH_WRITE_VERBS,
  HISTORY_WORDS,
  IDENTITY_OBJECTS,
  LIGHT_COMMUNICATION,
  LOCKOUT_VERBS,
  LOG_WORDS,
  LOW_WRITE_OBJECTS,
  LOW_WRITE_VERBS,
  MEDIUM_EXECUTE_WORDS,
  MESSAGE_WORDS,
  MONEY_MOVEMENT,
  PAYMENT_INSTRUMENTS,
  PERSONAL_DATA,
  PRIVATE_MESSAGE_WORDS,
  SAFEGUARD_PHRASE,
  SECRET_WORDS,
  SECURITY_FINDINGS,
  UI_STATE_VERBS,
} from './risk-signals.js';
import {
  CLUSTER_WORDS,
  ENDPOINT_PARAMS,
  FINANCIAL_IN_CONTEXT,
  PATH_PARAMS,
  RECIPIENT_PARAMS,
  RESOURCE_KIND_PARAMS,
} from './signals.js';

export interface RiskDecision {
  risk: Risk;
  reasons: string[];
}

export function decideRisk(ev: Evidence, decision: CategoryDecision): RiskDecision {
  const reasons: string[] = [];
  const t = decision.traits;
  const done = (risk: Risk, reason?: string): RiskDecision => {
    if (reason) reasons.push(reason);
    return { risk, reasons };
  };
  const words = [...ev.nameTokens, ...ev.titleTokens];
  const find = (set: ReadonlySet<string>, among: readonly string[] = words): string | undefined => among.find((w) => set.has(w));
  const verb = ev.verb?.base;

  if (t.has('demo')) return done('Low', 'A demonstration has no effect outside the server.');
  if (t.has('advisory')) return done('Low', 'Advice and documentation change nothing.');

  switch (decision.category) {
    case 'Read':
      return readRisk(ev, decision, find, done);
    case 'Write': {
      if (t.has('unknown')) return done('Medium', 'What it changes is unknown.');
      if (t.has('unlink')) return done('Low', 'Unlinking is undone by linking again.');
      if (t.has('sql')) return done('High', 'Arbitrary SQL writes can change or destroy any table.');
      const highVerb = ev.nameVerbs.find((v) => HIGH_WRITE_VERBS.has(v.base));
      if (highVerb) return done('High', `"${highVerb.word}" publishes or reshapes a shared system, often without review.`);
      const highObject = find(HIGH_WRITE_OBJECTS, ev.objects);
      if (highObject) return done('High', `It changes ${highObject === 'manifest' ? 'cluster manifests' : `a ${highObject}`}, shared infrastructure others depend on.`);
      if (ev.clusterContext && (hasParam(ev, RESOURCE_KIND_PARAMS) || ev.paramTokens.has('manifest'))) {
        return done('High', 'It can create or change any kind of resource in a cluster.');
      }
      const adds = verb !== undefined && ADDING_VERBS.has(verb);
      const bulk = find(BULK_WORDS, ev.nameTokens) ?? (BULK_PHRASE.test(ev.description) ? 'every match' : undefined);
      if (bulk && !adds) return done('High', 'It changes every record matching a filter at once.');
      const command = ev.params.find((p) => isCommandParam(p));
      if (command) return done('High', `Parameter \`${command.name}\` sets a command that what it creates will run.`);
      if (commitsToBranch(ev)) return done('High', 'It commits straight to a branch of a remote repository, skipping review.');
      if (verb === 'subscribe' && hasParam(ev, ENDPOINT_PARAMS)) {
        return done('High', 'It subscribes an endpoint the caller chooses, which then receives future data.');
      }
      if (ev.uiSession && verb !== undefined && UI_STATE_VERBS.has(verb)) return done('Low', 'It only changes what an interactive session shows; nothing persists.');
      if (verb === 'upload' && ev.params.some((p) => PATH_PARAMS.has(p.tokens.join('_')))) {
        return done('High', 'It sends local files, chosen by path, somewhere else.');
      }
      if (verb !== undefined && LOW_WRITE_VERBS.has(verb)) return done('Low', `"${ev.verb?.word}" is a small change that is easy to undo.`);
      if (ev.headObject !== undefined && LOW_WRITE_OBJECTS.has(ev.headObject)) {
        return done('Low', `Creating or changing a ${ev.headObject} is small and easy to undo.`);
      }
      if (ev.nameTokens[0] === 'git' || ev.paramTokens.has('repo_path')) {
        return done('Low', 'It works on a local version-controlled repository, where changes can be undone.');
      }
      return done('Medium', 'It changes stored data; the change can be reviewed and undone, but not always easily.');
    }
    case 'Execute': {
      if (t.has('command')) return done('Critical', 'Arbitrary commands can do anything the server\'s credentials allow.');
      if (t.has('http-client')) return done('High', 'Any method to any URL: it can change remote systems and reach internal addresses.');
      if (t.has('sql')) return done('High', 'Arbitrary SQL can read, change or destroy any table the connection reaches.');
      const high = find(HIGH_EXECUTE_WORDS, [...ev.nameTokens, ...ev.nameVerbs.map((v) => v.base)]);
      if (high) return done('High', `"${high}" changes what runs for others (deployments, installs, workflows).`);
      if (t.has('agent')) return done('Medium', 'The agent\'s work arrives as a proposed change that people review.');
      const medium = find(MEDIUM_EXECUTE_WORDS, [...ev.nameTokens, ...ev.nameVerbs.map((v) => v.base)]);
      if (medium) return done('Medium', `"${medium}" runs something local or contained, without shipping it.`);
      return done('High', 'It runs something whose reach the definition does not limit.');
    }
    case 'Destructive': {
      // The head of an English compound is its last noun: `org_package` is a package.
      const head = [...ev.objects].reverse().find((o) => !MODIFIERS.has(o));
      const critical = head !== undefined && CRITICAL_DELETE_OBJECTS.has(head) ? head : undefined;
      if (critical) return done('Critical', `Deleting a ${critical} loses everything in it, usually for good.`);
      const wipe = ev.nameVerbs.find((v) => HIGH_DELETE_VERBS.has(v.base));
      if (wipe) return done('High', `"${wipe.word}" removes everything at once.`);
      if (ev.nameTokens.includes('all') || find(BULK_WORDS, ev.nameTokens) || ev.paramTokens.has('recursive') || CASCADE_PHRASE.test(ev.description) || BULK_PHRASE.test(ev.description)) return done('High', 'It deletes everything matching, not one item.');
      const container = head !== undefined && CONTAINER_OBJECTS.has(head) ? head : undefined;
      if (container) return done('High', `Deleting a ${container} removes everything in it.`);
      if (ev.clusterContext && hasParam(ev, RESOURCE_KIND_PARAMS)) return done('High', 'It can delete any kind of resource in a cluster.');
      return done('Medium', 'It deletes individual items.');
    }
    case 'Communication': {
      const light = find(LIGHT_COMMUNICATION, [...ev.objects, ...ev.nameVerbs.map((v) => v.base)]);
      if (light) return done('Low', 'A reaction carries no content of its own.');
      const broadcast = find(BROADCAST_WORDS, [...ev.nameTokens, ...(verb ? [verb] : [])]);
      if (broadcast) return done('High', `"${broadcast}" reaches many recipients at once and cannot be taken back.`);
      const recipient = ev.params.find((p) => RECIPIENT_PARAMS.has(p.tokens.join('_')));
      if (recipient) return done('High', `Parameter \`${recipient.name}\` lets the caller address anyone, outside the organisation included.`);
      return done('Medium', 'It posts a message people will read; it cannot be unsent.');
    }
    case 'Financial': {
      const amount = ev.params.find((p) => p.tokens.includes('amount'));
      if (amount) reasons.push(`Parameter \`${amount.name}\` sets how much money is involved.`);
      const all = [...ev.nameTokens, ...ev.nameVerbs.map((v) => v.base)];
      const firstSentence = (ev.description.split(/(?<=[.!?])\s/)[0] ?? '').toLowerCase().split(/[^a-z]+/);
      const moves = find(MONEY_MOVEMENT, all) ?? find(MONEY_MOVEMENT, firstSentence.filter((w) => w !== 'send'));
      if (moves) return done('Critical', `"${moves}" moves money out of the account.`);
      const commits = find(BILLING_COMMITMENT, all);
      if (commits && (commits !== 'subscription' && commits !== 'subscriptions' ? true : ev.paymentsContext)) {
        return done('High', `It changes a ${commits}, which bills a customer.`);
      }
      const instrument = find(PAYMENT_INSTRUMENTS, all);
      if (instrument) return done('Medium', `A ${instrument.replace('_', ' ')} collects or discounts money once someone uses it.`);
      return done('Low', 'It sets up prices or records; no money moves until something else uses them.');
    }
    case 'Admin': {
      if (t.has('connection')) return done('Low', 'It only chooses a connection for this session.');
      if (t.has('node-admin')) return done('High', 'Draining or cordoning nodes disrupts every workload on them.');
      const grant = ev.nameVerbs.find((v) => GRANT_VERBS.has(v.base));
      if (grant) return done('High', `"${grant.word}" grants access or credentials.`);
      const access = find(ACCESS_OBJECTS, ev.objects);
      if (access && verb !== undefined && ADDING_ACCESS_VERBS.has(verb)) return done('High', `"${ev.verb?.word}" a ${access} lets someone in.`);
      const outbound = ev.params.find((p) => isUrlParam(p) || ENDPOINT_PARAMS.has(p.tokens.join('_')));
      if (outbound && ev.verb?.cls !== 'destructive') {
        return done('High', `Parameter \`${outbound.name}\` points it at an address the caller chooses, where data will be sent from now on.`);
      }
      const safeguard = SAFEGUARD_PHRASE.exec(ev.description);
      if (safeguard) return done('High', `The description ties it to the server's own safeguards ("${safeguard[0]}"): a change can switch them off.`);
      const credential = find(CREDENTIAL_OBJECTS, ev.objects);
      if (credential) {
        return done('High', `It sets ${credential === 'env' ? 'environment variables, which often carry secrets' : `a ${credential}, which hands out or replaces a credential`}.`);
      }
      const identity = find(IDENTITY_OBJECTS, ev.objects);
      if (identity && (ev.verb?.cls === 'destructive' || LOCKOUT_VERBS.has(ev.verb?.base ?? ''))) {
        return done('High', `"${ev.verb?.word}" on a ${identity} locks someone or something out.`);
      }
      return done('Medium', 'It changes configuration or access settings.');
    }
  }
}

/** Verbs that only add records; doing many at once changes nothing that existed. */
const ADDING_VERBS = new Set(['insert', 'create', 'add', 'append', 'upload', 'import', 'store', 'save']);

type Find = (set: ReadonlySet<string>, among?: readonly string[]) => string | undefined;
type Done = (risk: Risk, reason?: string) => RiskDecision;

function readRisk(ev: Evidence, decision: CategoryDecision, find: Find, done: Done): RiskDecision {
  if (decision.traits.has('sql-read-only')) return done('Medium', 'Read-only SQL can still read every table the connection reaches.');
  const secret = find(SECRET_WORDS);
  if (secret) return done('High', `It reads ${secret === 'env' ? 'environment variables' : `"${secret}"`}, which can expose secrets.`);
  if (ev.clusterContext && hasParam(ev, RESOURCE_KIND_PARAMS) && ev.objects.every((o) => CLUSTER_WORDS.has(o) || GENERIC_RESOURCES.has(o))) {
    return done('Medium', 'It can read any kind of cluster resource, secrets included.');
  }
  const lastObject = ev.objects[ev.objects.length - 1];
  const logs = lastObject !== undefined && LOG_WORDS.has(lastObject);
  if (logs && !/\bcommits?\b/i.test(ev.description)) return done('Medium', 'Logs often hold tokens, personal data and internal details.');
  const message = find(MESSAGE_WORDS);
  const channel = [...ev.nameTokens, ...ev.paramTokens, ...ev.descriptionTokens].find((w) => CHANNEL_WORDS.has(w));
  if (message && channel) return done('Medium', 'It reads private conversations.');
  if (find(HISTORY_WORDS)) return done('Medium', 'Activity history shows what someone did, often with the data they used.');
  const mail = find(PRIVATE_MESSAGE_WORDS);
  if (mail) return done('Medium', `It reads ${mail}: private correspondence.`);
  const person = find(PERSONAL_DATA);
  const self = ev.nameTokens.includes('me') || /\b(authenticated|current) user\b|\bown profile\b/i.test(ev.description);
  if (person && !self) return done('Medium', `It reads ${person}: personal data.`);
  const money = find(FINANCIAL_RECORDS) ?? (ev.paymentsContext ? find(FINANCIAL_IN_CONTEXT) : undefined);
  if (money) return done('Medium', `It reads ${money}: financial records.`);
  if (find(SECURITY_FINDINGS)) return done('Medium', 'Security findings point an attacker at weak spots.');
  const bulkRead = ev.verb !== undefined && BULK_READ_VERBS.has(ev.verb.base) ? ev.verb.word : undefined;
  if (bulkRead) return done('Medium', `"${bulkRead}" copies data out wholesale.`);
  const fileRead = readsFileContents(ev);
  if (fileRead) return done('Medium', `It returns the contents of files at a path the caller chooses (\`${fileRead}\`).`);
  const url = ev.params.find((p) => isUrlParam(p));
  if (url) return done('Medium', `Parameter \`${url.name}\` takes a URL: it fetches untrusted content and can reach internal addresses.`);
  if (decision.traits.has('unknown')) return done('Medium', 'What it reads is unknown.');
  return done('Low', 'It only reads, and nothing it reads stands out as sensitive.');
}

const CONTENT_VERBS = new Set(['read', 'get', 'cat', 'open', 'view', 'download', 'load', 'tail', 'dump']);
const CONTENT_OBJECTS = new Set(['file', 'files', 'content', 'contents', 'media']);
const METADATA = new Set(['info', 'metadata', 'stat', 'stats', 'exists', 'size', 'sizes', 'hash', 'checksum', 'digest', 'mime', 'blame']);
/** Parameters that place a path inside a remote store rather than on the server's disk. */
const REMOTE_STORE = new Set(['repo', 'repository', 'owner', 'bucket', 'container', 'drive_id', 'project']);
/** Objects that name no kind in particular: the kind comes from a parameter. */
const GENERIC_RESOURCES = new Set(['resource', 'resources', 'object', 'objects', 'k8s']);
/** Words that qualify a deletion without being what is deleted. */
const MODIFIERS = new Set(['batch', 'many', 'bulk', 'all', 'version', 'versions', 'by', 'id']);

function readsFileContents(ev: Evidence): string | undefined {
  if (ev.verb === undefined || !CONTENT_VERBS.has(ev.verb.base)) return undefined;
  if (!ev.objects.some((o) => CONTENT_OBJECTS.has(o)) || ev.objects.some((o) => METADATA.has(o))) return undefined;
  if (ev.params.some((p) => REMOTE_STORE.has(p.tokens.join('_')))) return undefined;
  return ev.required.find((r) => PATH_PARAMS.has(r.toLowerCase()) || PATH_PARAMS.has(r.toLowerCase().replace(/[^a-z]/g, '')));
}

function hasParam(ev: Evidence, set: ReadonlySet<string>): boolean {
  return ev.params.some((p) => set.has(p.tokens.join('_')) || set.has(p.name.toLowerCase()));
}

/** Content, a commit message and a branch: the tool writes a commit to a remote branch. */
function commitsToBranch(ev: Evidence): boolean {
  const p = ev.paramTokens;
  return p.has('branch') && p.has('message') && (p.has('content') || p.has('files'));
}
