/**
 * Vocabularies for the risk step: what makes a read sensitive, a change hard to undo, a deletion
 * total, a payment final. General words only, like `signals.ts`.
 */
import { set } from './signals.js';

/** Things whose mere reading exposes secrets. */
export const SECRET_WORDS = set(`secret secrets credential credentials password passwords token
  tokens env environment api_key access_key ssh_key private_key signing_key keychain vault`);

/** Reads of these expose people's data or private conversations. */
export const PERSONAL_DATA = set(`user users profile profiles contact contacts member members people
  employee employees customer customers phone phone_number phone_numbers`);
/** Directory entries: people, unless they are principals of a system (IAM or database users). */
export const DIRECTORY_ENTRIES = set(`user users member members people employee employees`);
/** Words that make "users" principals of a system, listed by identifier. */
export const PRINCIPAL_SYSTEMS = set(`iam db database databases principal principals service`);
/** What a browser session returns that is the content of an arbitrary page. */
export const PAGE_CONTENT = set(`snapshot screenshot console network requests html content text`);
/** Heads of a read that are metadata, whatever they belong to (`list_email_labels`). */
export const METADATA_HEADS = set(`label labels tag tags folder folders filter filters name names id ids
  type types kind kinds field fields column columns category categories template templates attributes
  groups schemas values`);
/** Reads of these return stored records: query results that may hold anything. */
export const RECORD_OBJECTS = set(`record records document documents row rows item_data entries`);
/** Parameters that select records by content: a query over stored data. */
export const RECORD_FILTER_PARAMS = set(`filter conditions where query projection`);
/** Parameters that name a store of records. */
export const RECORD_STORE_PARAMS = set(`collection table`);
/** Attachments and downloaded content: whatever people put in them. */
export const ATTACHMENT_WORDS = set(`attachment attachments`);
/** Messages are private when read from a channel, thread or queue (see CHANNEL_WORDS). */
export const MESSAGE_WORDS = set(`message messages replies reply thread threads`);
/** Private correspondence wherever it is read from. */
export const PRIVATE_MESSAGE_WORDS = set(`email emails mail mails inbox mailbox conversation
  conversations chat chats dm dms`);
/** Where messages live: reading from one of these reads other people's words. */
export const CHANNEL_WORDS = set(`channel channels thread threads queue queues inbox mailbox
  conversation conversations chat chats`);

/** Reads of money records. */
export const FINANCIAL_RECORDS = set(`invoice invoices payment payments charge charges transaction
  transactions balance balances payout payouts refund refunds dispute disputes statement statements
  order orders`);

/** Security findings: reading them hands an attacker a list of weak points. */
export const SECURITY_FINDINGS = set(`vulnerability vulnerabilities scanning scanner cve cves security
  sast dast codeql dependabot snyk trivy advisory advisories exploit exploits`);

/** In an interactive session these only change what is on screen. */
export const UI_STATE_VERBS = set(`close resize move save back forward switch open maximize minimize
  zoom`);

/** Write verbs whose effect is small and easy to undo. */
export const LOW_WRITE_VERBS = set(`star unstar fork toggle mark dismiss cancel stop pause init
  initialize scaffold reconnect disconnect request bookmark favorite pin unpin like unlike vote upvote
  follow unfollow snooze mute unmute label tag untag draft complete assign unassign`);

/** Objects whose creation or change is small and easy to undo. */
export const LOW_WRITE_OBJECTS = set(`branch branches label labels tag tags directory directories
  folder folders entity entities relation relations observation observations note notes memory
  memories notification notifications reaction reactions customer customers product products todo
  todos reminder reminders bookmark bookmarks draft drafts insight insights memo memos
  watcher watchers worklog worklogs tracking link links sub_issue`);

/** Small planning records: adding one is trivially undone; changing one moves others' plans. */
export const ADDED_PLANNING = set(`sprint sprints version versions`);

/** Records that creating one only adds to: nothing that existed changes. */
export const ADDED_RECORDS = set(`record row document entry`);

/** Write verbs that publish, merge or reshape shared systems. */
export const HIGH_WRITE_VERBS = set(`push merge apply scale rollout rollback restore migrate release
  provision promote restart reboot shutdown`);

/** Objects whose change touches shared infrastructure. */
export const HIGH_WRITE_OBJECTS = set(`cluster clusters domain domains dns certificate certificates
  firewall vpc infrastructure stack stacks deployment deployments replica replicas manifest
  production frontend website`);

/** Deleting these loses a whole store of other people's work. */
export const CRITICAL_DELETE_OBJECTS = set(`repository repositories repo repos database databases db
  cluster clusters account accounts organization organizations org orgs bucket buckets workspace
  workspaces tenant tenants project projects`);

/** Deleting these loses only metadata that is recreated in one call (Destructive ladder: Low). */
export const LOW_DELETE_OBJECTS = set(`label labels tag tags reaction reactions star stars bookmark
  bookmarks filter filters rule rules`);

/** Destructive verbs that remove everything at once. */
export const HIGH_DELETE_VERBS = set(`purge drop truncate wipe destroy uninstall terminate erase
  teardown deprovision kill prune reset`);

/** Containers: deleting one removes everything in it. */
export const CONTAINER_OBJECTS = set(`topic topics queue queues table tables index indexes collection
  collections namespace namespaces stack stacks service services instance instances vm vms server
  servers volume volumes snapshot snapshots channel channels environment environments function
  functions schema schemas directory directories folder folders package packages`);

/** Links between items: removing one unlinks, nothing is lost. */
export const LINK_OBJECTS = set(`sub_issue label labels tag tags assignee assignees reviewer reviewers
  reaction reactions link links star watcher watchers subscription subscriptions`);

/** Execute verbs that ship or change what runs for others. */
export const HIGH_EXECUTE_WORDS = set(`deploy install upgrade push publish release provision trigger
  workflow workflows pipeline pipelines launch production`);

/** Execute verbs that build or run something locally or in a sandbox. */
export const MEDIUM_EXECUTE_WORDS = set(`build compile test lint invoke forward tunnel local preview
  assign dispatch`);

/** Deletion that takes whatever is inside along with it. */
export const CASCADE_PHRASE = /\b(?:all|everything)\b[^.]{0,40}\b(?:in|within|inside|under)\s+(?:it|them)\b|\band all (?:of )?(?:its|their)\b|\brecursive(?:ly)?\b/i;

/** Money leaves the account. */
export const MONEY_MOVEMENT = set(`refund refunds payout payouts transfer transfers charge charges pay
  withdraw withdrawal capture purchase buy sell trade remit`);

/** Catalogue objects: setting one up bills nobody until a customer uses it. */
export const CATALOGUE_OBJECTS = set(`plan plans price prices product products`);

/** Bills that are prepared before anyone is asked to pay (a draft invoice, an order to approve). */
export const PREPARED_BILLS = set(`invoice invoices order orders subscription subscriptions transaction
  transactions`);

/** Commits the customer to a bill. */
export const BILLING_COMMITMENT = set(`invoice invoices subscription subscriptions dispute disputes
  order orders credit credits finalize void bill bills`);

/** Creates a way to collect or discount money, without moving any yet. */
export const PAYMENT_INSTRUMENTS = set(`payment_link payment_intent checkout session quote coupon
  coupons discount discounts promotion`);

/** Grant more access than before, whatever they are applied to. */
export const GRANT_VERBS = set(`grant invite authorize elevate impersonate rotate share`);

/** Grant access when applied to an access object (`add_permission`, `create_user`). */
export const ADDING_ACCESS_VERBS = set(`add attach create assign allow put_access`);

/** Objects that are access itself: adding one lets someone in. */
export const ACCESS_OBJECTS = set(`permission permissions role roles access acl acls allowlist whitelist
  credential credentials token tokens api_key access_key ssh_key deploy_key signing_key user users
  member members membership memberships collaborator collaborators invitation invitations
  service_account role_binding policy policies`);

/** Setting one of these hands out or replaces a credential. */
export const CREDENTIAL_OBJECTS = set(`secret secrets credential credentials password passwords token
  tokens api_key access_key ssh_key deploy_key signing_key private_key env dsn`);

/** Verbs that lock an identity out. */
export const LOCKOUT_VERBS = set(`deactivate suspend ban revoke disable lock`);

/** Identity objects whose removal locks someone out. */
export const IDENTITY_OBJECTS = set(`user users account accounts member members service_account
  api_key access_key ssh_key deploy_key credential credentials password token tokens`);

/** Communication that reaches many people at once. */
export const BROADCAST_WORDS = set(`publish broadcast announce batch bulk mass all tweet tweets campaign
  campaigns newsletter`);

/** Communication that carries no content of its own. */
export const LIGHT_COMMUNICATION = set(`reaction reactions react emoji typing`);

/** Runtime logs (not commit logs), a process's output and a history of calls: they often hold tokens and personal data. */
export const LOG_WORDS = set(`log logs event events trace traces console queries output outputs calls`);

/** Changes every match of a filter rather than one item. */
export const BULK_WORDS = set(`many bulk`);
export const BULK_PHRASE = /\ball (?:the )?(?:documents|records|rows|items|entries|objects|keys|files)\b[^.]{0,20}\b(?:that|which|matching)\b/i;

/** Reads that copy data out wholesale. */
export const BULK_READ_VERBS = set(`export dump backup`);

/** Description phrases saying a setting guards the server itself. */
export const SAFEGUARD_PHRASE = /\b(?:full access|security issues?|allowed ?directories|blocked ?commands|safeguards?|sandbox(?:ing)?|allow-?list|deny-?list|block-?list)\b/i;
