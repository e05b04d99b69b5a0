/**
 * The classifier's vocabularies: general English and operations words, never names of particular
 * servers or tools. Each list says what kind of effect a word signals, so adding a word is a
 * one-line change that reads like the reason for it.
 */

/** What a verb in a tool's name (or its description's opening) says the tool does. */
export type VerbClass =
  | 'read'
  | 'write'
  | 'execute'
  | 'destructive'
  | 'communicate'
  | 'financial'
  | 'admin'
  /** Says little by itself ("optimize", "secure", "handle"): the description decides. */
  | 'vague';

function classify(entries: Record<VerbClass, string>): ReadonlyMap<string, VerbClass> {
  const map = new Map<string, VerbClass>();
  for (const [cls, words] of Object.entries(entries) as [VerbClass, string][]) {
    for (const w of words.split(/\s+/).filter(Boolean)) map.set(w, cls);
  }
  return map;
}

export const VERBS: ReadonlyMap<string, VerbClass> = classify({
  read: `get list read fetch search find query describe show view inspect lookup look check count
    retrieve explain echo ping tail cat ls stat grep diff compare analyze analyse audit scan monitor
    poll wait sleep estimate calculate compute convert parse render preview suggest recommend
    troubleshoot diagnose explore browse navigate scrape crawl download export extract summarize
    summarise translate transcribe geocode generate think plan validate verify lint measure receive
    peek sum open load visualize screenshot whoami compress decompress hash encode decode is has can
    exists simulate help research reason print display dump identify detect classify recall hover
    scroll focus aggregate sample ask subtract multiply divide go`,
  write: `create add insert write edit update modify change set put patch apply save store upload
    append rename move copy replace upsert import init initialize scaffold mark toggle enable disable
    assign unassign label tag untag star unstar fork clone commit stage unstage checkout switch merge
    rebase push pull sync archive unarchive restore rollback rollout revert scale resize attach detach
    link unlink register unregister subscribe unsubscribe follow unfollow like unlike vote upvote
    confirm approve reject dismiss close reopen lock unlock pin unpin opt start stop pause resume
    cancel reconnect connect disconnect schedule reschedule book reserve draft request submit
    complete fill click type press drag select configure setup provision manage bookmark restart
    reboot shutdown
    favorite finalize void release promote transition accept decline snooze mute unmute
    remember memorize revise replay end`,
  execute: `execute exec run call invoke eval evaluate trigger dispatch launch spawn deploy build
    compile install upgrade rerun forward tunnel`,
  destructive: `delete remove rm destroy drop purge truncate wipe erase uninstall terminate kill
    cleanup clean clear discard prune evict unpublish trash deprovision teardown shred flush reset`,
  communicate: `send post reply comment message notify email mail sms tweet retweet broadcast announce
    dm react mention publish`,
  financial: `pay refund charge payout withdraw deposit buy sell purchase trade bill remit tip donate`,
  admin: `grant revoke authorize deauthorize impersonate rotate ban unban suspend unsuspend deactivate
    reactivate invite elevate cordon uncordon drain login logout authenticate share activate`,
  vague: `secure optimize handle process perform do use resolve assist take capture transfer place`,
});

/** Nouns that stand for the verb when a name has no verb at all (`node_management`). */
export const NOMINALIZATIONS: ReadonlyMap<string, string> = new Map([
  ['management', 'manage'],
  ['deployment', 'deploy'],
  ['installation', 'install'],
  ['creation', 'create'],
  ['deletion', 'delete'],
  ['removal', 'remove'],
  ['execution', 'execute'],
  ['invocation', 'invoke'],
  ['migration', 'migrate'],
  ['provisioning', 'provision'],
]);

/** Nouns that make a verbless name a read: `git_status`, `directory_tree`, `get_me`. */
export const READ_NOUNS = set(`status info information details tree history log logs metrics stats
  statistics schema schemas help guidance docs documentation health version whoami me diff usage
  summary report overview inventory definition definitions snapshot screenshot`);

/** A name ending in one of these is about advice, not action: `deploy_app_help`. */
export const ADVISORY_SUFFIXES = set(`help guidance guide docs documentation tutorial instructions
  examples usage explanation faq howto`);

/** Verbs only descriptions use to open a read-only tool: "Returns…", "Provides…". */
export const DESCRIPTION_READ_VERBS = set(`return provide give`);

/** Objects that make a change to identity, access or server/cluster configuration Admin. */
export const ADMIN_OBJECTS = set(`permission permissions role roles policy policies iam acl acls
  credential credentials password passwords secret secrets token tokens api_key access_key ssh_key
  deploy_key signing_key private_key user users member members membership memberships collaborator
  collaborators service_account role_binding config configuration settings setting env protection
  attribute attributes context contexts auth sso saml mfa oauth firewall security_group webhook dsn
  access allowlist whitelist invitation invitations ruleset rulesets toolset toolsets
  webhooks quota quotas license licenses certificate certificates restriction restrictions`);

/** Objects whose change moves or commits money; always Financial. */
export const FINANCIAL_OBJECTS = set(`payment payments payment_intent payment_link refund refunds
  payout payouts charge charges invoice invoices dispute disputes price prices coupon coupons
  discount discounts promotion wallet billing tax funds money crypto cryptocurrency bitcoin bill bills`);

/** Objects that are Financial only when the server or tool is about payments ("subscription"). */
export const FINANCIAL_IN_CONTEXT = set(`subscription subscriptions transfer transfers transaction
  transactions balance balances plan plans order orders checkout quote quotes credit credits card
  cards session sessions`);

/** Words that say a server or tool is about payments or billing. */
export const PAYMENT_CONTEXT = set(`stripe paypal square braintree adyen billing payment payments
  invoice invoices currency proration refund refunds payout checkout ledger bank banking plaid
  razorpay mollie chargebee recurly paddle quickbooks xero coinbase merchant shop shopify commerce
  ecommerce woocommerce magento bigcommerce trading broker brokerage`);

/** Parameters that, together, say a tool handles money. */
export const MONEY_PARAMS = set(`amount unit_amount currency price amount_cents total payment_method`);

/** Objects that make a write a message to people: `add_issue_comment`, `add_reaction`. */
export const COMMUNICATION_OBJECTS = set(`comment comments reaction reactions reply replies message
  messages email emails mail sms dm tweet post announcement chat`);

/** Words that make a "message" machine-to-machine (a queue) rather than to people. */
export const MACHINE_MESSAGING = set(`queue queues stream streams kafka kinesis`);

/** What `publish` means when it is about shipping software, not broadcasting a message. */
export const RELEASE_OBJECTS = set(`package packages release releases image images version versions
  artifact artifacts site page pages app extension module crate gem chart build`);

/** Parameters that carry a command line or program text to run. */
export const COMMAND_PARAMS = set(`command commands cmd cli_command shell shell_command script
  bash powershell javascript python_code code`);

/** Objects that are a live command interpreter: input sent to them is run. */
export const INTERPRETER_OBJECTS = set(`process processes terminal terminals shell shells repl console
  tty pty`);

/** Parameters through which a tool feeds an interpreter. */
export const INPUT_PARAMS = set(`input stdin keys command cmd`);

/** Parameters that carry SQL. */
export const SQL_PARAMS = set(`sql sql_query statement sql_statement query_sql`);

/** Parameters that name a file system path the caller chooses. */
export const PATH_PARAMS = set(`path paths file files filename file_path filepath filename`);

/** Parameters that carry a URL the tool will fetch or call. */
export const URL_PARAMS = set(`url urls uri href link endpoint_url`);

/** Parameters that let one tool reach any resource kind of a cluster or cloud account. */
export const RESOURCE_KIND_PARAMS = set(`resource_type resourcetype kind resource_kind`);

/** Identity providers: every change on one is tenant configuration (rubric §1, Admin). */
export const IDENTITY_PROVIDERS = set(`okta auth0 keycloak entra onelogin jumpcloud authentik zitadel
  cognito idp identity`);

/** Words that say the tool works on a cluster or other shared infrastructure. */
export const CLUSTER_WORDS = set(`kubernetes k8s kubectl cluster clusters namespace namespaces
  helm pod pods`);

/** Parameters that point at people outside the tool, for messages. */
export const RECIPIENT_PARAMS = set(`to recipient recipients email emails phone phone_number
  phonenumber cc bcc address addresses`);

/** Parameters through which a subscription sends future data elsewhere. */
export const ENDPOINT_PARAMS = set(`endpoint callback callback_url webhook webhook_url url notify_url`);

/** Words that say a tool drives an interactive session whose state is passing. */
export const UI_SESSION_WORDS = set(`browser tab tabs window windows dialog mouse keyboard cursor
  viewport`);

/** Nouns for a run of something: creating or starting one runs it (`create_deployment`). */
export const EXECUTION_OBJECTS = set(`deployment deployments build builds execution executions
  invocation invocations run runs processor processors pipeline pipelines workflow workflows container
  containers job jobs task tasks pipelinerun pipelineruns taskrun taskruns`);
/** Verbs that, applied to an execution object, start it. */
export const STARTING_VERBS = set(`create start queue new trigger begin restart rerun`);

/** Descriptions of a tool that passes a whole command line through. */
export const COMMAND_LINE_PHRASE = /\b(?:cli|shell|terminal|bash|command[- ]line)\s+commands?\b|\bany\s+(?:\w+\s+)?commands?\b|\barbitrary\s+commands?\b/i;

/** Names of autonomous agents a tool can hand work to. */
export const AGENT_WORDS = set(`agent agents copilot assistant bot`);

/** Parameters that say where to connect to. */
export const CONNECTION_PARAMS = set(`connection_string dsn uri host database_url connection_url`);

/** Words that, in a description, say a tool is a demonstration or a simulation. */
export const DEMO_OPENINGS = /^\s*(demonstrates|simulates|a demo|demo tool|example tool|sample tool)\b/i;

/** A tool description that says its `query` parameter is SQL. */
export const SQL_MENTION = /\bsql\b|\b(?:select|insert|update|delete)\b[^.]{0,40}\b(?:query|queries|statements?)\b/i;

/** Description phrases saying a query tool cannot change anything. */
export const READ_ONLY_PHRASE = /\bread[- ]only\b|\bonly\s+select\b|\bselect\s+(?:queries|statements)\s+only\b|\bexecute a select\b/i;

/** Words without meaning for the "thin description" check. */
export const FILLER_WORDS = set(`a an the this that tool tools operation operations execute call
  api method function of to for in on by with from and or is are be it its via using use`);

export function set(words: string): ReadonlySet<string> {
  return new Set(words.split(/\s+/).filter(Boolean));
}
