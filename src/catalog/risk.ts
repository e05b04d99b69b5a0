/**
 * Deciding the risk within a category: what is the worst a single call can do, and how hard is it
 * to undo. Each category starts from a typical level and moves on named signals — a read of
 * secrets is worse than a read of a directory listing, deleting a repository is worse than
 * deleting a message. Every move adds the sentence that justifies it.
 */
import type { CategoryDecision } from './category.js';
import { isCommandParam, isUrlParam } from './params.js';
import type { Evidence } from './evidence.js';
import { raiseRisk, riskIndex, type Risk } from './types.js';
import { splitWords } from './words.js';
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
  ADDED_RECORDS,
  ADDED_PLANNING,
  ATTACHMENT_WORDS,
  CATALOGUE_OBJECTS,
  PAGE_CONTENT,
  PRINCIPAL_SYSTEMS,
  DIRECTORY_ENTRIES,
  LOW_DELETE_OBJECTS,
  METADATA_HEADS,
  PREPARED_BILLS,
  RECORD_FILTER_PARAMS,
  RECORD_OBJECTS,
  RECORD_STORE_PARAMS,
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
  FINANCIAL_OBJECTS,
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

  if (t.has('demo')) return done('Low', 'Read/Low (rubric §3: guidance and demonstrations): a demonstration has no effect outside the server.');
  if (t.has('advisory')) return done('Low', 'Read/Low (rubric §3: tools that only return guidance): advice and documentation change nothing.');

  switch (decision.category) {
    case 'Read':
      return readRisk(ev, decision, find, done);
    case 'Write':
      return withModifiers(ev, writeBase(ev, decision, find, done), 'High', reasons);
    case 'Execute': {
      if (t.has('command') && runsPageScript(ev)) return done('High', 'Execute ladder High (rubric §3, browser automation: evaluate JS → Execute/High): the script runs inside a browser page, not on the host.');
      if (t.has('command')) return done('Critical', 'Execute ladder Critical: arbitrary shell/OS commands can do anything the server\'s credentials allow.');
      if (t.has('passthrough')) {
        const reach = ev.paymentsContext ? 'can move money' : find(IDENTITY_REACH, [...ev.serverTokens, ...ev.descriptionTokens]);
        if (reach) return done('Critical', `Execute ladder Critical: an API passthrough that ${reach === 'can move money' ? reach : `reaches ${reach}`}.`);
        return done('High', 'Execute ladder High: a single-service API passthrough: any operation the service offers.');
      }
      if (t.has('http-client')) return done('High', 'Execute ladder High: any method to any URL can change remote systems and reach internal addresses.');
      if (t.has('sql') && DISPOSABLE_PHRASE.test(ev.description)) return done('Medium', 'Execute ladder Medium: it runs its statements in a temporary, disposable copy first.');
      if (t.has('sql')) return done('High', 'Execute ladder High: arbitrary SQL or a pipeline with write stages on a live database.');
      if (ev.uiSession && ev.verb?.base === 'install') return done('Medium', 'Execute ladder Medium: it installs a local tool for this session.');
      const high = find(HIGH_EXECUTE_WORDS, [...ev.nameTokens, ...ev.nameVerbs.map((v) => v.base)]);
      if (high) return done('High', `Execute ladder High: "${high}" is a deploy, install or workflow run that changes what runs for others.`);
      if (t.has('agent')) return done('Medium', 'Execute ladder Medium: the agent\'s work arrives as a proposed change that people review.');
      const medium = find(MEDIUM_EXECUTE_WORDS, [...ev.nameTokens, ...ev.nameVerbs.map((v) => v.base)]);
      if (medium) return done('Medium', `Execute ladder Medium: "${medium}" builds or runs something local or contained, without shipping it.`);
      return done('High', 'Execute base High: it runs something whose reach the definition does not limit.');
    }
    case 'Destructive':
      return destructiveRisk(ev, find, done);
    case 'Communication': {
      const light = find(LIGHT_COMMUNICATION, [...ev.objects, ...ev.nameVerbs.map((v) => v.base)]);
      if (ev.objects.includes('test') && !ev.params.some((p) => RECIPIENT_PARAMS.has(p.tokens.join('_')))) {
        return done('Low', 'Communication/Low (rubric §2 table: message to self): a test message goes to the caller\'s own address, no recipient can be chosen.');
      }
      if (light) return done('Low', 'Communication/Low (rubric §2): a reaction carries no content of its own.');
      const broadcast = find(BROADCAST_WORDS, [...ev.nameTokens, ...(verb ? [verb] : [])]);
      if (broadcast) return done('High', `Communication base Medium, raised one step (bulk or public audience): "${broadcast}" reaches many recipients at once.`);
      const recipient = ev.params.find((p) => RECIPIENT_PARAMS.has(p.tokens.join('_')));
      if (recipient) return done('High', `Communication base Medium, raised one step (external audience): \`${recipient.name}\` lets the caller address anyone, outside the organisation included.`);
      if (ev.paymentsContext) return done('High', 'Communication base Medium, raised one step (external audience): it writes to the account\'s customers.');
      return withModifiers(ev, done('Medium', 'Communication base Medium: it posts a message people will read; it cannot be unsent.'), 'Critical', reasons);
    }
    case 'Financial':
      return financialRisk(ev, find, done);
    case 'Admin':
      return adminRisk(ev, decision, find, done);
  }
}

/** JavaScript run in a browser page: it reaches the page and its session, not the host's shell. */
function runsPageScript(ev: Evidence): boolean {
  return /\b(?:javascript|js)\b/i.test(ev.description) && /\b(?:browser|page|console)\b/i.test(ev.description) && !/\b(?:shell|terminal|node\.?js|server[- ]side)\b/i.test(ev.description);
}

/** A description saying the work happens in a throw-away copy. */
const DISPOSABLE_PHRASE = /\b(?:execut\w*|runs?|appl\w*)\s+(?:\w+\s+){0,3}in (?:a|the) (?:temporary|disposable|sandbox)\b/i;

/** Names of identity systems an API passthrough may reach (Execute ladder: Critical). */
const IDENTITY_REACH = new Set(['iam', 'identity', 'graph', 'okta', 'entra', 'aws', 'azure', 'gcp']);

/**
 * The rubric's one-step raises that the category's own ladder does not already account for: a
 * `public` switch (public or customer-visible audience) and bulk by filter. Write is capped at
 * High (rubric §2 table).
 */
function withModifiers(ev: Evidence, base: RiskDecision, cap: Risk, reasons: string[]): RiskDecision {
  let risk = base.risk;
  const raise = (why: string): void => {
    if (riskIndex(risk) >= riskIndex(cap)) return;
    const next = raiseRisk(risk);
    reasons.push(`Raised one step from ${risk} to ${next} (rubric §2: ${why}).`);
    risk = next;
  };
  const publicSwitch = ev.params.find((p) => PUBLIC_PARAMS.has(p.tokens.join('_')));
  if (publicSwitch) raise(`it reaches a public or customer-visible audience through \`${publicSwitch.name}\``);
  const adds = ev.verb !== undefined && ADDING_VERBS.has(ev.verb.base);
  const bulk = ev.nameTokens.find((w) => BULK_WORDS.has(w)) ?? (BULK_PHRASE.test(ev.description) ? 'every match' : undefined);
  if (bulk && !adds && base.risk !== 'High') raise(`it acts in bulk ("${bulk}")`);
  return { risk, reasons };
}

/** Parameters that make what is created public or customer-visible. */
const PUBLIC_PARAMS = new Set(['public', 'is_public']);

function writeBase(ev: Evidence, decision: CategoryDecision, find: Find, done: Done): RiskDecision {
  const t = decision.traits;
  const verb = ev.verb?.base;
  if (t.has('unknown')) return done('Medium', 'Write base Medium: what it changes is unknown.');
  if (t.has('outbound')) return done('High', 'Write/High (rubric §3: outbound subscriptions/webhooks): it delivers the account\'s future events to an address or URL the caller chooses.');
  if (t.has('unlink')) return done('Low', 'Write base Medium, lowered one step (trivially reversible): unlinking is undone by linking again.');
  if (t.has('sql')) return done('High', 'Write/High: arbitrary SQL writes can change or destroy any table.');
  const output = verb === 'generate' ? ev.params.find((p) => p.tokens.includes('output')) : undefined;
  if (output) return done('Low', `Write base Medium, lowered one step (local, additive): it only writes generated files to \`${output.name}\`.`);
  const forward = ev.params.find((p) => FORWARD_PARAMS.has(p.tokens.join('_')));
  if (forward) return done('High', `Write/High (rubric §3: outbound delivery): \`${forward.name}\` sends the account's data on to an address the caller chooses.`);
  const highVerb = ev.nameVerbs.find((v) => HIGH_WRITE_VERBS.has(v.base));
  if (highVerb) return done('High', `Write base Medium, raised one step (changes what production users get): "${highVerb.word}" publishes or reshapes a shared system.`);
  const free = ev.nameTokens.includes('free');
  const highObject = find(HIGH_WRITE_OBJECTS, ev.objects);
  if (highObject && free) return done('Low', `Write base Medium, lowered one step (disposable, no cost): a free ${highObject}.`);
  if (highObject) return done('High', `Write base Medium, raised one step (production reach or costly infrastructure): it changes ${highObject === 'manifest' ? 'cluster manifests' : `a ${highObject}`}.`);
  if (ev.clusterContext && (hasParam(ev, RESOURCE_KIND_PARAMS) || ev.paramTokens.has('manifest'))) {
    return done('High', 'Write base Medium, raised one step (apply/patch workloads): it can create or change any kind of resource in a cluster.');
  }
  const command = ev.params.find((p) => isCommandParam(p));
  if (command) return done('High', `Write base Medium, raised one step (changes what code runs): \`${command.name}\` sets a command that what it creates will run.`);
  if (commitsToBranch(ev)) return done('High', 'Write base Medium, raised one step (push to a shared branch): it commits straight to a branch of a remote repository.');
  if (verb === 'subscribe' && hasParam(ev, ENDPOINT_PARAMS)) {
    return done('High', 'Write/High (rubric §3: outbound subscriptions): it subscribes an endpoint the caller chooses, which then receives future data.');
  }
  if (ev.uiSession && verb !== undefined && !PAGE_ACTING_VERBS.has(verb) && (UI_STATE_VERBS.has(verb) || ev.objects.some((o) => SESSION_FRAMES.has(o)))) return done('Low', 'Write base Medium, lowered one step (the server\'s own session): it only changes what an interactive session shows.');
  if (verb === 'upload' && ev.params.some((p) => PATH_PARAMS.has(p.tokens.join('_')))) {
    return done('High', 'Write/High (rubric §3: file upload exfiltrates local files): it sends local files, chosen by path, somewhere else.');
  }
  const passing = find(PASSING_OBJECTS, ev.objects);
  if (passing && verb !== undefined && SESSION_CONTROL_VERBS.has(verb)) {
    return done('Low', `Write base Medium, lowered one step (the user's own session, trivially stopped): "${ev.verb?.word}" ${passing} starts nothing that lasts.`);
  }
  if (verb !== undefined && LOW_WRITE_VERBS.has(verb)) return done('Low', `Write base Medium, lowered one step (trivially reversible): "${ev.verb?.word}" is a small change that is easy to undo.`);
  const compoundHead = ev.objects[ev.objects.length - 1];
  const changesExisting = verb !== undefined && CHANGING_VERBS.has(verb) && compoundHead !== undefined && RECORDS_OF_PEOPLE.has(compoundHead);
  const small = !changesExisting && compoundHead !== undefined && (LOW_WRITE_OBJECTS.has(compoundHead) || (ADDED_PLANNING.has(compoundHead) && verb !== undefined && ADDING_VERBS.has(verb))) ? compoundHead : undefined;
  if (small !== undefined) {
    return done('Low', `Write base Medium, lowered one step (additive or trivially undone): a ${small} is small and easy to undo.`);
  }
  if (verb !== undefined && ADDING_VERBS.has(verb) && ev.headObject !== undefined && ADDED_RECORDS.has(ev.headObject.replace(/s$/, ''))) {
    return done('Low', `Write base Medium, lowered one step (additive): it adds a ${ev.headObject} and changes nothing that existed.`);
  }
  if (labelsOnly(ev)) return done('Low', 'Write base Medium, lowered one step (trivially reversible): it only adds or removes labels.');
  if (ev.nameTokens[0] === 'git' || ev.paramTokens.has('repo_path')) {
    return done('Low', 'Write base Medium, lowered one step (VCS history keeps it): it works on a local version-controlled repository.');
  }
  return done('Medium', 'Write base Medium: it changes stored data; the change can be undone, but not always easily.');
}

/** Verbs that change a record that already exists: nothing is added, so the "additive" lowering does not apply. */
const CHANGING_VERBS = new Set(['update', 'modify', 'edit', 'replace', 'patch', 'set']);
/** Records about a person or business: creating one only adds, changing one rewrites what others rely on (contact, billing details). */
const RECORDS_OF_PEOPLE = new Set(['customer', 'customers', 'contact', 'contacts']);

/** Verbs that act on the live site a page shows (rubric §3: click/type/fill/select → Write/Medium), whatever frame they end in. */
const PAGE_ACTING_VERBS = new Set(['click', 'type', 'fill', 'press', 'drag', 'submit']);

/** Frames of an interactive session: choosing or opening one changes only what is shown. */
const SESSION_FRAMES = new Set(['tab', 'tabs', 'window', 'windows', 'session', 'viewport', 'user_agent']);
/** Things whose starting or stopping lasts only as long as the user's session ("start" depends on what starts). */
const PASSING_OBJECTS = new Set(['playback', 'music', 'song', 'track', 'video', 'audio', 'media', 'timer', 'stopwatch', 'recording', 'slideshow', 'presentation']);
const SESSION_CONTROL_VERBS = new Set(['start', 'stop', 'pause', 'resume', 'play', 'skip']);
/** Resources whose deletion is High on the Destructive ladder: one resource with its data or access. */
const RESOURCE_WITH_DATA = new Set(['application', 'applications', 'app', 'apps', 'user', 'users', 'policy', 'policies', 'access_key', 'api_key', 'deployment', 'deployments', 'process']);
/** Infrastructure stacks, and the cluster services whose stack is the cluster itself. */
const STACK_WORDS = new Set(['stack', 'stacks']);
const CLUSTER_STACKS = new Set(['eks', 'aks', 'gke', 'cluster', 'clusters', 'kubernetes']);
/** Structures derived from the data they index: dropping one loses no data. */
const DERIVED_OBJECTS = new Set(['index', 'indexes', 'view', 'views']);
/** Parameters through which matching data is forwarded elsewhere (a mail filter's `forward`). */
const FORWARD_PARAMS = new Set(['forward', 'forward_to', 'forwarding_address', 'redirect_to']);

/** Every parameter that is not an identifier is about labels: the change is labelling. */
function labelsOnly(ev: Evidence): boolean {
  const content = ev.params.filter((p) => !['id', 'ids'].includes(p.tokens[p.tokens.length - 1] ?? '') || p.tokens.some((w) => w.startsWith('label')));
  return content.length > 0 && content.every((p) => p.tokens.some((w) => w === 'label' || w === 'labels' || w === 'tag' || w === 'tags'));
}

function destructiveRisk(ev: Evidence, find: Find, done: Done): RiskDecision {
  // The head of an English compound is its last noun: `org_package` is a package.
  const head = [...ev.objects].reverse().find((o) => !MODIFIERS.has(o));
  const resource = find(RESOURCE_WITH_DATA, ev.objects);
  if (head !== undefined && STACK_WORDS.has(head) && ev.objects.some((o) => CLUSTER_STACKS.has(o))) {
    return done('Critical', 'Destructive ladder Critical: deleting a cluster\'s stack deletes the whole cluster.');
  }
  if (head !== undefined && DERIVED_OBJECTS.has(head) && ev.params.some((p) => RECORD_STORE_PARAMS.has(p.tokens.join('_')))) {
    return done('Medium', `Destructive ladder Medium: a ${head} holds no data of its own and is rebuilt from the ${ev.params.some((p) => p.tokens.includes('table')) ? 'table' : 'collection'}.`);
  }
  if (head !== undefined && LOW_DELETE_OBJECTS.has(head) && resource === undefined) return done('Low', `Destructive ladder Low: a ${head} is metadata without content, recreated in one call.`);
  if (head !== undefined && CRITICAL_DELETE_OBJECTS.has(head)) return done('Critical', `Destructive ladder Critical: the tool exists to delete a whole ${head}, with everything in it.`);
  const wipe = ev.nameVerbs.find((v) => HIGH_DELETE_VERBS.has(v.base));
  if (wipe) return done('High', `Destructive ladder High: "${wipe.word}" removes all items at once.`);
  const filter = ev.params.find((p) => RECORD_FILTER_PARAMS.has(p.tokens.join('_')));
  if (ev.nameTokens.includes('all') || find(BULK_WORDS, ev.nameTokens) || ev.paramTokens.has('recursive') || CASCADE_PHRASE.test(ev.description) || BULK_PHRASE.test(ev.description) || filter) {
    return done('High', `Destructive ladder High: it deletes ${filter ? `whatever \`${filter.name}\` matches` : 'in bulk'}, not one item.`);
  }
  const container = head !== undefined && CONTAINER_OBJECTS.has(head) ? head : undefined;
  if (container) return done('High', `Destructive ladder High: deleting a ${container} removes everything in it.`);
  if (resource && ev.nameTokens.includes('local')) return done('Medium', `Destructive ladder High, lowered one step (local, disposable): a local ${resource}.`);
  if (resource) return done('High', `Destructive ladder High: a ${resource} is one resource with its data or access.`);
  if (ev.clusterContext && hasParam(ev, RESOURCE_KIND_PARAMS)) return done('High', 'Destructive ladder High: it can delete any kind of resource in a cluster.');
  return done('Medium', 'Destructive ladder Medium: it deletes one small or recoverable item.');
}

function financialRisk(ev: Evidence, find: Find, done: Done): RiskDecision {
  const all = [...ev.nameTokens, ...ev.nameVerbs.map((v) => v.base)];
  const firstSentence = (ev.description.split(/(?<=[.!?])\s/)[0] ?? '').toLowerCase().split(/[^a-z]+/);
  const sendsMoney = ev.verb?.base === 'send' && ev.objects.some((o) => FINANCIAL_OBJECTS.has(o) && !PREPARED_BILLS.has(o)) ? 'send' : undefined;
  const moves = find(MONEY_MOVEMENT, all) ?? find(MONEY_MOVEMENT, firstSentence) ?? sendsMoney;
  if (moves) return done('Critical', `Financial/Critical: money leaves the account ("${moves}").`);
  const verb = ev.verb?.base;
  const conceding = (verb === 'accept' || verb === 'close') && all.some((w) => w === 'dispute' || w === 'disputes');
  if (conceding) return done('Critical', 'Financial/Critical: accepting a dispute refunds the customer: money leaves the account.');
  const creates = verb !== undefined && ADDING_VERBS.has(verb);
  if (ev.verb?.cls === 'destructive') {
    return done('Medium', `Financial base High, lowered one step (a single item): deleting one ${compoundHead(ev) ?? 'record'} moves no money and bills nobody.`);
  }
  const committing = committingValue(ev);
  if (committing) {
    return done('High', `Financial base High: its schema accepts \`${committing.param}\` = "${committing.value}", which issues the bill (rubric: label the worst case the arguments allow).`);
  }
  if (verb !== undefined && PAUSING_VERBS.has(verb)) {
    return done('Medium', `Financial base High, lowered one step (trivially reversible): "${ev.verb?.word}" is undone by resuming.`);
  }
  const head = compoundHead(ev);
  const catalogue = head !== undefined && CATALOGUE_OBJECTS.has(head) ? head : undefined;
  const bill = catalogue === undefined ? find(PREPARED_BILLS, ev.objects) : undefined;
  if (catalogue && creates && !bill) return done('Low', `Financial/Low: setting up a ${catalogue} is catalogue work with no customer effect until someone buys.`);
  if (catalogue && !bill) return done('High', `Financial base High: changing an existing ${catalogue} changes what its customers are billed.`);
  if (bill && creates) return done('Medium', `Financial base High, lowered one step (prepared, not yet sent): a new ${bill} still has to be sent, approved or paid.`);
  const commits = find(BILLING_COMMITMENT, all);
  if (commits) return done('High', `Financial base High: it changes a ${commits}, which bills a customer.`);
  const instrument = find(PAYMENT_INSTRUMENTS, all);
  if (instrument) return done('Medium', `Financial base High, lowered one step: a ${instrument.replace('_', ' ')} only collects or discounts money once someone uses it.`);
  return done('Low', 'Financial/Low: it sets up prices or records; no money moves until something else uses them.');
}

/** Values of a status-like parameter that put a bill in front of the customer. */
const COMMITTING_VALUES = new Set(['billed', 'finalized', 'finalize', 'issued', 'sent', 'paid', 'open']);
/** Financial changes undone by resuming. */
const PAUSING_VERBS = new Set(['pause', 'suspend', 'hold']);

function committingValue(ev: Evidence): { param: string; value: string } | undefined {
  for (const p of ev.params) {
    const value = p.values.find((v) => COMMITTING_VALUES.has(v.toLowerCase()));
    if (value !== undefined) return { param: p.name, value };
  }
  return undefined;
}

function adminRisk(ev: Evidence, decision: CategoryDecision, find: Find, done: Done): RiskDecision {
  const t = decision.traits;
  const verb = ev.verb?.base;
  if (t.has('connection')) return done('Low', 'Admin ladder Low: session-only selection of what to connect to.');
  if (t.has('node-admin') || (ev.objects.some((o) => o === 'node' || o === 'nodes') && (verb === 'drain' || verb === 'cordon'))) {
    return done('High', 'Admin ladder High: draining or cordoning nodes changes the cluster for every workload on them.');
  }
  const policy = ev.objects.find((o) => o === 'policy' || o === 'policies');
  const permissions = ev.params.find((p) => p.tokens.some((w) => w === 'permissions' || w === 'statement' || w === 'policy_document'));
  const principal = find(PRINCIPAL_OBJECTS, ev.objects);
  if (policy && verb !== undefined && POLICY_GRANTING_VERBS.has(verb) && (permissions || principal)) {
    return done('Critical', `Admin ladder Critical: it attaches or puts an arbitrary ${policy} on ${principal ? `a ${principal}` : 'an identity'}.`);
  }
  const secretParam = ev.params.find((p) => p.tokens.some((w) => w === 'password' || w === 'secret'));
  if (principal && verb !== undefined && ADDING_VERBS.has(verb) && secretParam) {
    return done('Critical', `Admin ladder Critical: it creates a ${principal} with a long-lived credential (\`${secretParam.name}\`).`);
  }
  const grant = ev.nameVerbs.find((v) => GRANT_VERBS.has(v.base));
  if (grant) return done(verb === 'rotate' ? 'Critical' : 'High', verb === 'rotate' ? 'Admin ladder Critical: it rotates a long-lived credential.' : `Admin ladder High: "${grant.word}" grants access.`);
  const credential = find(CREDENTIAL_OBJECTS, ev.objects);
  if (credential && verb !== undefined && REVOKING_VERBS.has(verb)) {
    return done('Medium', `Admin ladder Medium: "${ev.verb?.word}" takes a ${credential.replace('_', ' ')} away; nothing is handed out (rubric §1: revoking is Admin, nothing is destroyed).`);
  }
  if (credential && verb !== undefined && ADDING_ACCESS_VERBS.has(verb) && SAFE_TO_EXPOSE.test(ev.description)) {
    return done('High', `Admin ladder High: it mints a ${credential.replace('_', ' ')} that the description says is safe to expose, so not a long-lived secret.`);
  }
  if (credential && verb !== undefined && ADDING_ACCESS_VERBS.has(verb) && !POSTING_CREDENTIALS.has(credential)) {
    return done('Critical', `Admin ladder Critical: it mints a long-lived credential (${credential.replace('_', ' ')}).`);
  }
  if (policy) return done('High', `Admin ladder High: it changes a resource, access or security ${policy}.`);
  const app = find(PRINCIPAL_APPS, ev.objects);
  const person = principal === 'group' || principal === 'groups' ? undefined : principal;
  if ((person || app) && verb !== undefined && PRINCIPAL_CHANGES.has(verb)) {
    return done('High', `Admin ladder High: it creates or changes a principal (${person ?? app}).`);
  }
  const signIn = ev.identityContext ? find(SIGN_IN_SETTINGS, ev.objects) : undefined;
  if (signIn && verb !== undefined && PRINCIPAL_CHANGES.has(verb) && !ev.objects.includes('preview')) return done('High', `Admin ladder High: the ${signIn} is part of how people sign in.`);
  if (ev.objects.includes('preview')) return done('Low', 'Admin ladder Low: a preview changes nothing people use.');
  const access = find(ACCESS_OBJECTS, ev.objects);
  if (access && verb !== undefined && ADDING_ACCESS_VERBS.has(verb)) return done('High', `Admin ladder High: "${ev.verb?.word}" a ${access} creates a principal or lets someone in.`);
  const security = find(SECURITY_SETTINGS, ev.objects);
  if (security) return done('High', `Admin ladder High: it changes ${security} settings, how people prove who they are.`);
  const outbound = ev.params.find((p) => isUrlParam(p) || ENDPOINT_PARAMS.has(p.tokens.join('_')));
  if (outbound && ev.verb?.cls !== 'destructive') {
    return done('High', `Admin ladder High: \`${outbound.name}\` points it at an address the caller chooses, where data will be sent from now on.`);
  }
  const safeguard = SAFEGUARD_PHRASE.exec(ev.description);
  if (safeguard) return done('High', `Admin ladder High: it changes the server's own guard settings ("${safeguard[0]}").`);
  if (credential) {
    return done('High', `Admin ladder High: it sets ${credential === 'env' ? 'environment variables, which often carry secrets' : `a ${credential}, which hands out or replaces a credential`}.`);
  }
  const identity = find(IDENTITY_OBJECTS, ev.objects);
  if (identity && (ev.verb?.cls === 'destructive' || LOCKOUT_VERBS.has(verb ?? ''))) {
    return done('Medium', `Admin ladder Medium: "${ev.verb?.word}" removes or suspends a ${identity}'s access; nothing is destroyed.`);
  }
  return done('Medium', 'Admin ladder Medium: non-security settings, or removing a member or grant.');
}

/** Verbs that take access away. */
const REVOKING_VERBS = new Set(['revoke', 'deauthorize', 'detach', 'disable', 'deactivate', 'expire', 'invalidate']);
/** A description saying the credential or value it handles is not secret (a publishable key). */
const SAFE_TO_EXPOSE = /\b(?:(?:can|may) be (?:safely )?(?:exposed|shared|made public)|safe to (?:expose|share|publish)|publishable)\b/i;

/** Credentials that are not minted as long-lived secrets: a DSN or webhook URL only posts. */
const POSTING_CREDENTIALS = new Set(['env', 'password', 'passwords', 'dsn']);
/** Applications of an identity provider or OAuth apps: principals that sign people in. */
const PRINCIPAL_APPS = new Set(['application', 'applications', 'app', 'apps', 'oauth']);
/** Verbs that create or change a principal. */
const PRINCIPAL_CHANGES = new Set(['create', 'add', 'update', 'replace', 'upsert', 'put', 'set', 'modify', 'edit', 'register']);
/** Sign-in surfaces of an identity provider: domains, certificates, sign-in pages. */
const SIGN_IN_SETTINGS = new Set(['domain', 'domains', 'certificate', 'certificates', 'sign', 'signin', 'login']);
/** Principals a policy or credential is attached to. */
const PRINCIPAL_OBJECTS = new Set(['user', 'users', 'role', 'roles', 'group', 'groups', 'service_account', 'principal', 'iam']);
/** Verbs that give a policy effect. */
const POLICY_GRANTING_VERBS = new Set(['attach', 'put', 'add', 'create', 'set', 'assign']);
/** Security settings of a tenant: how people authenticate. */
const SECURITY_SETTINGS = new Set(['auth', 'sso', 'saml', 'mfa', 'oauth', 'authentication', 'restriction', 'restrictions']);

/** Verbs that only add records; doing many at once changes nothing that existed. */
const ADDING_VERBS = new Set(['insert', 'create', 'add', 'append', 'upload', 'import', 'store', 'save']);

type Find = (set: ReadonlySet<string>, among?: readonly string[]) => string | undefined;
type Done = (risk: Risk, reason?: string) => RiskDecision;

function readRisk(ev: Evidence, decision: CategoryDecision, find: Find, done: Done): RiskDecision {
  if (decision.traits.has('query-language') && !ev.objects.some((o) => LOG_WORDS.has(o)) && !/\blogs?\b/i.test(ev.name)) {
    return done('Low', 'Read sensitivity Low: a metrics query returns numbers, not content.');
  }
  if (decision.traits.has('sql-read-only')) return done('Medium', 'Read sensitivity Medium: query results under a read-only guard may still hold any data.');
  const secret = SAFE_TO_EXPOSE.test(ev.description) ? undefined : (find(SECRET_WORDS) ?? connectionString(ev) ?? returnedSecret(ev));
  if (secret) return done('High', `Read sensitivity High: its purpose is secret material (${secret === 'env' ? 'environment variables' : secret}).`);
  const verb = ev.verb?.base;
  if (verb === 'generate') return done('Low', 'Read/Low (rubric §3): it generates text or an artefact without applying it.');
  if (verb !== undefined && ESTIMATE_VERBS.has(verb) && ev.verbSource === 'name') return done('Low', `Read/Low (rubric §3: an estimate): "${ev.verb?.word}" computes what would happen and returns it, without reading stored records.`);
  if (verb !== undefined && ANSWER_ONLY_VERBS.has(verb)) return done('Low', `Read sensitivity Low: "${ev.verb?.word}" answers with a yes/no or a number, not the data itself.`);
  const person = find(PERSONAL_DATA);
  const principals = [...ev.nameTokens, ...ev.descriptionTokens, ...ev.serverTokens].some((w) => PRINCIPAL_SYSTEMS.has(w));
  if (person && verb !== undefined && BULK_READ_VERBS.has(verb)) return done('High', `Read sensitivity High: bulk export of personal data (${person}).`);
  const lastObject = compoundHead(ev);
  if (lastObject !== undefined && METADATA_HEADS.has(lastObject)) return done('Low', `Read sensitivity Low: ${lastObject} are names and metadata.`);
  const single = verb !== undefined && SINGLE_READ_VERBS.has(verb);
  if (single && ev.clusterContext && hasParam(ev, RESOURCE_KIND_PARAMS) && ev.objects.every((o) => CLUSTER_WORDS.has(o) || GENERIC_RESOURCES.has(o))) {
    return done('Medium', 'Read sensitivity Medium: a generic reader that can be pointed at any cluster object, secrets included.');
  }
  const logs = ev.objects.find((o) => LOG_WORDS.has(o));
  if (logs && !/\bcommits?\b/i.test(ev.description)) return done('Medium', `Read sensitivity Medium: ${logs} often hold tokens, personal data and internal details.`);
  const page = ev.uiSession || CURRENT_PAGE.test(ev.description) ? find(PAGE_CONTENT, ev.nameTokens) : undefined;
  if (page) return done('Medium', `Read sensitivity Medium: a ${page} of the page returns the content of an arbitrary site (prompt injection, personal data).`);
  const message = find(MESSAGE_WORDS) ?? (ev.nameTokens.includes('history') ? 'history' : undefined);
  const channel = [...ev.nameTokens, ...ev.paramTokens, ...ev.descriptionTokens].find((w) => CHANNEL_WORDS.has(w));
  if (message && channel) return done('Medium', 'Read sensitivity Medium: messages and chat history.');
  const mail = find(PRIVATE_MESSAGE_WORDS);
  if (mail) return done('Medium', `Read sensitivity Medium: ${mail} is private correspondence.`);
  const attachment = find(ATTACHMENT_WORDS);
  if (attachment) return done('Medium', 'Read sensitivity Medium: attachments hold whatever people put in them.');
  const self = ev.nameTokens.includes('me') || /\b(authenticated|current) user\b|\bown profile\b/i.test(ev.description);
  const identifiers = principals && person !== undefined && DIRECTORY_ENTRIES.has(person);
  if (person && !self && !identifiers) return done('Medium', `Read sensitivity Medium: ${person.replace('_', ' ')} are personal data (profiles with contact details).`);
  const money = find(FINANCIAL_RECORDS) ?? (ev.paymentsContext ? find(FINANCIAL_IN_CONTEXT) : undefined);
  if (money && !(lastObject !== undefined && CATALOGUE_OBJECTS.has(lastObject))) return done('Medium', `Read sensitivity Medium: ${money} are customer or financial records.`);
  if (find(SECURITY_FINDINGS)) return done('Medium', 'Read sensitivity Medium: security findings point an attacker at weak spots.');
  const bulkRead = verb !== undefined && BULK_READ_VERBS.has(verb) ? ev.verb?.word : undefined;
  if (bulkRead) return done('Medium', `Read sensitivity Medium: "${bulkRead}" copies data out wholesale.`);
  const key = genericKeyRead(ev);
  if (key) return done('Medium', `Read sensitivity Medium: a generic reader — it returns whatever a data store holds under any \`${key}\` (database results).`);
  const customer = customerScope(ev);
  if (customer) return done('Medium', `Read sensitivity Medium: customer records (it reads what belongs to the customer named by \`${customer}\`).`);
  const contents = contentSearch(ev);
  if (contents) return done('Medium', `Read sensitivity Medium: arbitrary local files — with \`${contents}\` it returns what the files contain, not only their names (worst case the schema accepts).`);
  const records = find(RECORD_OBJECTS, ev.objects) ?? recordQuery(ev);
  if (records) return done('Medium', `Read sensitivity Medium: ${records} are database query results, which may hold anything.`);
  const fileRead = readsFileContents(ev);
  if (fileRead) return done('Medium', `Read sensitivity Medium: arbitrary local files (at the path in \`${fileRead}\`).`);
  const url = ev.params.find((p) => isUrlParam(p));
  if (url) return done('Medium', `Read sensitivity Medium: \`${url.name}\` takes an arbitrary URL (SSRF, prompt injection).`);
  if (decision.traits.has('unknown')) return done('Medium', 'Read sensitivity Medium: what it reads is unknown.');
  return done('Low', 'Read sensitivity Low: names, metadata, status or public data.');
}

/** Verbs that compute an answer instead of returning stored records. */
const ESTIMATE_VERBS = new Set(['preview', 'estimate', 'calculate', 'quote']);

/** The secret a description says the tool returns: "the endpointSecretKey is returned …". */
function returnedSecret(ev: Evidence): string | undefined {
  for (const sentence of ev.description.split(/(?<=[.!?])\s+|\n+/)) {
    const words = splitWords(sentence);
    const at = words.findIndex((w, i) => w === 'returned' && (words[i - 1] === 'is' || words[i - 1] === 'are'));
    const secret = at < 0 ? undefined : words.slice(Math.max(0, at - 5), at - 1).find((w) => RETURNED_SECRETS.has(w));
    if (secret !== undefined) return `a ${secret} in its output`;
  }
  return undefined;
}
const RETURNED_SECRETS = new Set(['secret', 'password', 'private_key', 'credentials']);

/** Verbs that return one object in full (a generic reader), rather than a list of identifiers. */
const SINGLE_READ_VERBS = new Set(['get', 'read', 'describe', 'show', 'view', 'fetch', 'inspect', 'cat']);
/** Words after the thing a name is about: `get_member_by_name`, `plan_details`. */
const NAME_TAILS = new Set(['details', 'detail', 'info', 'information', 'data', 'list']);

/** The noun a name is about: its last object, before any "by …" key and generic tail. */
function compoundHead(ev: Evidence): string | undefined {
  const by = ev.nameTokens.indexOf('by');
  const scope = by > 0 ? new Set(ev.nameTokens.slice(0, by)) : undefined;
  const objects = ev.objects.filter((o) => (scope === undefined || scope.has(o)) && !NAME_TAILS.has(o));
  return objects[objects.length - 1];
}

/** Verbs whose answer is a yes/no or a count. */
const ANSWER_ONLY_VERBS = new Set(['check', 'count', 'exists', 'is', 'has', 'can', 'verify', 'assert']);

/** A connection string or URI carries its password (`get_connection_string`). */
function connectionString(ev: Evidence): string | undefined {
  const i = ev.nameTokens.indexOf('connection');
  const next = i >= 0 ? ev.nameTokens[i + 1] : undefined;
  return next === 'string' || next === 'uri' || next === 'url' ? 'a connection string with its password' : undefined;
}

/** A query by filter over a collection or table, or a `query` of a data store by filter: its answer is stored records. */
function recordQuery(ev: Evidence): string | undefined {
  const filter = ev.params.some((p) => RECORD_FILTER_PARAMS.has(p.tokens.join('_')));
  const store = ev.params.some((p) => RECORD_STORE_PARAMS.has(p.tokens.join('_')));
  const queries = ev.verbSource === 'name' && ev.verb?.base === 'query' && ev.objects.some((o) => DATA_STORES.has(o));
  return filter && (store || queries) ? 'records matching a filter' : undefined;
}

/** Stores of records a query runs over. */
const DATA_STORES = new Set(['database', 'databases', 'data', 'table', 'tables', 'collection', 'collections', 'source', 'sheet', 'dataset']);

/** A description about the page an interactive session has open. */
const CURRENT_PAGE = /\b(?:current|open|active) (?:web ?)?page\b/i;

/** A bare read verb (`get`) over a required `key`: a reader that can be pointed at any stored value. */
function genericKeyRead(ev: Evidence): string | undefined {
  if (ev.verbSource !== 'name' || ev.objects.length > 0) return undefined;
  return ev.params.find((p) => (p.tokens.join('_') === 'key' || p.tokens.join('_') === 'keys') && ev.required.includes(p.name))?.name;
}

/** Parameters that name a customer: what is read under one belongs to that customer. */
function customerScope(ev: Evidence): string | undefined {
  return ev.params.find((p) => p.tokens[0] === 'customer' && p.tokens[p.tokens.length - 1] === 'id' && ev.required.includes(p.name))?.name;
}

/** A search over a path whose schema or description lets it match file contents rather than names. */
function contentSearch(ev: Evidence): string | undefined {
  const path = ev.params.find((p) => PATH_PARAMS.has(p.tokens.join('_')));
  if (path === undefined) return undefined;
  const mode = ev.params.find((p) => p.values.some((v) => v === 'content' || v === 'contents'))?.name;
  if (mode !== undefined) return mode;
  return ev.verb?.base === 'search' && /\b(?:within|inside) (?:the )?files?\b|\bfile contents\b|\bcontents of (?:text )?files\b/i.test(ev.description) ? path.name : undefined;
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
  if (ev.params.some((p) => REMOTE_STORE.has(p.tokens.join('_')) || (REMOTE_STORE.has(p.tokens[0] ?? '') && p.tokens[p.tokens.length - 1] === 'id'))) return undefined;
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
