/**
 * The classifier on tools invented for these tests, modelled on public MCP servers that are not
 * in the labelled dataset (databases, browsers, mail, chat, cloud, identity, payments, CI). The
 * labels were written before the classifier first saw these tools, to measure how it generalises;
 * the rules were then improved, so the table now guards those improvements against regressions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTool } from '../../src/catalog/classify.js';
import type { Category, Risk } from '../../src/catalog/types.js';
import { schema, tool } from './build.js';

type Case = [server: string, name: string, description: string, props: Parameters<typeof schema>[0], required: string[], category: Category, risk: Risk];

const num = (name: string): [string, Record<string, unknown>] => [name, { type: 'number' }];
const bool = (name: string): [string, Record<string, unknown>] => [name, { type: 'boolean' }];

const CASES: Case[] = [
  // Databases
  ['sqlite', 'read_query', 'Execute a SELECT query on the SQLite database', ['query'], ['query'], 'Read', 'Medium'],
  ['sqlite', 'write_query', 'Execute an INSERT, UPDATE, or DELETE query on the SQLite database', ['query'], ['query'], 'Write', 'High'],
  ['sqlite', 'list_tables', 'List all tables in the SQLite database', [], [], 'Read', 'Low'],
  ['sqlite', 'describe_table', 'Get the schema information for a specific table', ['table_name'], ['table_name'], 'Read', 'Low'],
  ['supabase', 'execute_sql', 'Executes raw SQL in the Postgres database.', ['project_id', 'query'], ['project_id', 'query'], 'Execute', 'High'],
  ['supabase', 'apply_migration', 'Applies a migration to the database.', ['project_id', 'name', 'query'], ['project_id', 'name', 'query'], 'Write', 'High'],
  ['mysql', 'mysql_query', 'Execute a SQL query against the MySQL database', ['sql'], ['sql'], 'Execute', 'High'],
  ['redis', 'set', 'Set a Redis string value with an optional expiration time.', ['key', 'value'], ['key', 'value'], 'Write', 'Medium'],
  // Read ladder Medium: database results / a generic reader that can be pointed at any stored value.
  ['redis', 'get', 'Get a Redis string value.', ['key'], ['key'], 'Read', 'Medium'],
  ['redis', 'flushall', 'Delete all keys in all databases', [], [], 'Destructive', 'High'],
  ['mongodb', 'drop_collection', 'Removes a collection or view from the database.', ['database', 'collection'], ['database', 'collection'], 'Destructive', 'High'],
  ['mongodb', 'find', 'Run a find query against a MongoDB collection', ['database', 'collection', 'filter'], ['database', 'collection'], 'Read', 'Medium'],
  ['elastic', 'delete_index', 'Delete an Elasticsearch index', ['index'], ['index'], 'Destructive', 'High'],
  ['airtable', 'create_record', 'Create a new record in a table', ['baseId', 'tableId', 'fields'], ['baseId', 'tableId', 'fields'], 'Write', 'Low'],
  // Browsers and the web
  ['puppeteer', 'puppeteer_navigate', 'Navigate to a URL', ['url'], ['url'], 'Read', 'Medium'],
  // Rubric §3 / Read ladder Medium: a screenshot of the current page is the content of an arbitrary site.
  ['puppeteer', 'puppeteer_screenshot', 'Take a screenshot of the current page or a specific element', ['name', 'selector'], [], 'Read', 'Medium'],
  ['puppeteer', 'puppeteer_click', 'Click an element on the page', ['selector'], ['selector'], 'Write', 'Medium'],
  // Rubric §3, browser automation: evaluate JS → Execute/High (JS in a real browser page, not the host's shell).
  ['puppeteer', 'puppeteer_evaluate', 'Execute JavaScript in the browser console', ['script'], ['script'], 'Execute', 'High'],
  ['browser', 'browser_snapshot', 'Capture accessibility snapshot of the current page', [], [], 'Read', 'Medium'],
  ['brave-search', 'brave_web_search', 'Performs a web search using the Brave Search API.', ['query', num('count')], ['query'], 'Read', 'Low'],
  ['youtube', 'get_transcript', 'Extract the transcript of a YouTube video', ['url'], ['url'], 'Read', 'Medium'],
  ['fetch-like', 'http_request', 'Make an HTTP request to any URL with a custom method, headers and body', ['url', 'method', 'headers', 'body'], ['url'], 'Execute', 'High'],
  // Mail and chat
  ['gmail', 'send_email', 'Sends a new email', ['to', 'subject', 'body', 'cc', 'bcc'], ['to', 'subject', 'body'], 'Communication', 'High'],
  ['gmail', 'draft_email', 'Draft a new email', ['to', 'subject', 'body'], ['to', 'subject', 'body'], 'Write', 'Low'],
  ['gmail', 'read_email', 'Retrieves the content of a specific email', ['messageId'], ['messageId'], 'Read', 'Medium'],
  ['gmail', 'search_emails', 'Searches for emails using Gmail search syntax', ['query', num('maxResults')], ['query'], 'Read', 'Medium'],
  ['gmail', 'delete_email', 'Permanently deletes an email', ['messageId'], ['messageId'], 'Destructive', 'Medium'],
  ['outlook', 'forward_email', 'Forward an email to new recipients', ['message_id', 'to'], ['message_id', 'to'], 'Communication', 'High'],
  ['twilio', 'send_sms', 'Send an SMS message to a phone number', ['to', 'body'], ['to', 'body'], 'Communication', 'High'],
  ['discord', 'discord_send_message', 'Send a message to a Discord channel', ['channel_id', 'content'], ['channel_id', 'content'], 'Communication', 'Medium'],
  ['discord', 'discord_read_messages', 'Read recent messages from a Discord channel', ['channel_id', num('limit')], ['channel_id'], 'Read', 'Medium'],
  ['telegram', 'get_chat_history', 'Get message history from a chat', ['chat_id', num('limit')], ['chat_id'], 'Read', 'Medium'],
  ['x', 'post_tweet', 'Post a new tweet to the authenticated account', ['text'], ['text'], 'Communication', 'High'],
  ['sendgrid', 'send_bulk_email', 'Send an email campaign to a contact list', ['list_id', 'template_id'], ['list_id', 'template_id'], 'Communication', 'High'],
  ['linear', 'linear_add_comment', 'Adds a comment to an existing Linear issue', ['issueId', 'body'], ['issueId', 'body'], 'Communication', 'Medium'],
  ['mailchimp', 'unsubscribe_member', 'Unsubscribe a member from an audience', ['list_id', 'email'], ['list_id', 'email'], 'Write', 'Medium'],
  // Processes, containers, CI, cloud
  ['desktop-commander', 'execute_command', 'Execute a terminal command with timeout.', ['command', num('timeout_ms')], ['command'], 'Execute', 'Critical'],
  ['desktop-commander', 'kill_process', 'Terminate a running process by PID.', [num('pid')], ['pid'], 'Destructive', 'High'],
  ['desktop-commander', 'list_processes', 'List all running processes with PID, command name, CPU and memory usage.', [], [], 'Read', 'Low'],
  ['shell', 'run_python', 'Run a Python snippet in a sandbox and return stdout', ['code'], ['code'], 'Execute', 'Critical'],
  ['ssh', 'ssh_exec', 'Execute a command on a remote host over SSH', ['host', 'command'], ['host', 'command'], 'Execute', 'Critical'],
  ['gcp', 'gcloud_run', 'Run a gcloud CLI command', ['args'], ['args'], 'Execute', 'Critical'],
  ['docker', 'run_container', 'Run a Docker container from an image', ['image', 'name', 'ports'], ['image'], 'Execute', 'High'],
  ['docker', 'docker_exec', 'Run a command inside a running container', ['container', 'cmd'], ['container', 'cmd'], 'Execute', 'Critical'],
  ['docker', 'remove_container', 'Remove a Docker container', ['container_id', bool('force')], ['container_id'], 'Destructive', 'Medium'],
  ['docker', 'prune_images', 'Remove all unused images', [], [], 'Destructive', 'High'],
  ['terraform', 'terraform_apply', 'Apply the Terraform plan to create or update infrastructure', ['working_dir'], ['working_dir'], 'Write', 'High'],
  ['terraform', 'terraform_plan', 'Show the execution plan', ['working_dir'], ['working_dir'], 'Read', 'Low'],
  ['terraform', 'terraform_destroy', 'Destroy all resources managed by the Terraform configuration', ['working_dir'], ['working_dir'], 'Destructive', 'High'],
  ['jenkins', 'trigger_build', 'Trigger a Jenkins job build with parameters', ['job_name', 'parameters'], ['job_name'], 'Execute', 'High'],
  ['jenkins', 'get_build_log', 'Get the console output of a build', ['job_name', num('build_number')], ['job_name', 'build_number'], 'Read', 'Medium'],
  ['vercel', 'create_deployment', 'Create a new deployment for a project', ['project', 'target'], ['project'], 'Execute', 'High'],
  ['netlify', 'deploy_site', 'Deploy a site directory to Netlify', ['site_id', 'dir'], ['site_id', 'dir'], 'Execute', 'High'],
  ['npm', 'publish_package', 'Publish a package to the npm registry', ['path', 'tag'], ['path'], 'Execute', 'High'],
  ['aws-lambda', 'invoke_function', 'Invoke an AWS Lambda function with a JSON payload', ['function_name', 'payload'], ['function_name'], 'Execute', 'Medium'],
  ['k8s', 'delete_namespace', 'Delete a namespace and everything in it', ['name'], ['name'], 'Destructive', 'High'],
  ['k8s', 'restart_deployment', 'Restart a deployment by triggering a rollout', ['name', 'namespace'], ['name'], 'Execute', 'High'],
  ['k8s', 'get_secret', 'Get a Kubernetes secret and decode its data', ['name', 'namespace'], ['name'], 'Read', 'High'],
  ['helm', 'helm_rollback', 'Roll back a release to a previous revision', ['release', 'revision'], ['release'], 'Write', 'High'],
  ['azure', 'list_resource_groups', 'List all resource groups in the subscription', ['subscription_id'], [], 'Read', 'Low'],
  ['azure', 'delete_resource_group', 'Delete a resource group and all resources within it', ['name'], ['name'], 'Destructive', 'High'],
  ['azure', 'create_storage_account', 'Create a new storage account', ['name', 'location', 'sku'], ['name', 'location'], 'Write', 'Medium'],
  ['aws', 'describe_instances', 'Describes the specified EC2 instances', ['InstanceIds'], [], 'Read', 'Low'],
  ['aws', 'terminate_instances', 'Shuts down the specified instances', ['InstanceIds'], ['InstanceIds'], 'Destructive', 'High'],
  ['s3', 's3_put_object', 'Upload an object to an S3 bucket', ['bucket', 'key', 'body'], ['bucket', 'key', 'body'], 'Write', 'Medium'],
  ['s3', 's3_get_object', 'Download an object from an S3 bucket', ['bucket', 'key'], ['bucket', 'key'], 'Read', 'Low'],
  ['s3', 'delete_bucket', 'Delete an S3 bucket', ['bucket'], ['bucket'], 'Destructive', 'Critical'],
  ['cloudflare', 'dns_record_create', 'Create a DNS record in a zone', ['zone_id', 'type', 'name', 'content'], ['zone_id', 'type', 'name', 'content'], 'Write', 'High'],
  ['gitlab', 'delete_project', 'Delete a GitLab project and all its contents', ['project_id'], ['project_id'], 'Destructive', 'Critical'],
  ['gitlab', 'create_merge_request', 'Create a new merge request in a GitLab project', ['project_id', 'title', 'source_branch', 'target_branch'], ['project_id', 'title'], 'Write', 'Medium'],
  ['git', 'git_push', 'Push local commits to the remote', ['repo_path', 'remote', 'branch'], ['repo_path'], 'Write', 'High'],
  // Identity, access, configuration
  ['okta', 'create_user', 'Creates a new user in your Okta organization', ['email', 'firstName', 'lastName'], ['email'], 'Admin', 'High'],
  ['okta', 'assign_role_to_user', 'Assigns an admin role to a user', ['userId', 'roleType'], ['userId', 'roleType'], 'Admin', 'High'],
  ['okta', 'deactivate_user', 'Deactivates a user', ['userId'], ['userId'], 'Admin', 'Medium'],
  ['okta', 'list_users', 'Lists users in your organization', [num('limit')], [], 'Read', 'Medium'],
  ['auth0', 'reset_user_password', 'Send a password reset email for a user', ['user_id'], ['user_id'], 'Admin', 'High'],
  ['auth0', 'get_user', 'Get a user profile by ID', ['user_id'], ['user_id'], 'Read', 'Medium'],
  ['aws-iam', 'attach_role_policy', 'Attaches the specified managed policy to the specified IAM role.', ['RoleName', 'PolicyArn'], ['RoleName', 'PolicyArn'], 'Admin', 'Critical'],
  ['aws-iam', 'list_roles', 'Lists the IAM roles', [], [], 'Read', 'Low'],
  ['aws', 'create_access_key', 'Creates a new AWS secret access key for the specified user', ['UserName'], ['UserName'], 'Admin', 'Critical'],
  ['vault', 'read_secret', 'Read a secret from Vault at the given path', ['path'], ['path'], 'Read', 'High'],
  ['vault', 'write_secret', 'Write a secret to Vault', ['path', 'data'], ['path', 'data'], 'Admin', 'High'],
  ['1password', 'get_item_password', 'Get the password field of a vault item', ['vault', 'item'], ['vault', 'item'], 'Read', 'High'],
  ['vercel', 'set_env_var', 'Set an environment variable on a project', ['project', 'key', 'value', 'target'], ['project', 'key', 'value'], 'Admin', 'High'],
  ['github-like', 'create_deploy_key', 'Create a deploy key for a repository', ['owner', 'repo', 'key', 'title'], ['owner', 'repo', 'key'], 'Admin', 'Critical'],
  ['github-like', 'add_collaborator', 'Add a collaborator to a repository with a given permission', ['owner', 'repo', 'username', 'permission'], ['owner', 'repo', 'username'], 'Admin', 'High'],
  ['gitlab', 'create_project_access_token', 'Create a project access token with the given scopes', ['project_id', 'name', 'scopes'], ['project_id', 'name', 'scopes'], 'Admin', 'Critical'],
  ['webhooks', 'create_webhook', 'Register a webhook that receives repository events', ['url', 'events'], ['url'], 'Admin', 'High'],
  ['gdrive', 'share_file', 'Share a Google Drive file with a user by email and role', ['fileId', 'email', 'role'], ['fileId', 'email', 'role'], 'Admin', 'High'],
  ['discord', 'ban_member', 'Ban a member from the server', ['guild_id', 'user_id', 'reason'], ['guild_id', 'user_id'], 'Admin', 'Medium'],
  ['notion', 'update_page_permissions', 'Change who can access a page', ['page_id', 'permissions'], ['page_id', 'permissions'], 'Admin', 'Medium'],
  // Money
  ['paypal', 'create_invoice', 'Create a new invoice in PayPal', ['recipient_email', 'items'], ['recipient_email', 'items'], 'Financial', 'Medium'],
  ['paypal', 'list_transactions', 'List transactions for the merchant account', ['start_date', 'end_date'], [], 'Read', 'Medium'],
  ['stripe', 'cancel_subscription', 'This tool will cancel a subscription in Stripe.', ['subscription'], ['subscription'], 'Financial', 'High'],
  ['stripe', 'create_coupon', 'This tool will create a coupon in Stripe.', [num('percent_off'), 'name'], ['name'], 'Financial', 'Medium'],
  ['stripe', 'retrieve_balance', 'This tool will retrieve the balance from Stripe.', [], [], 'Read', 'Medium'],
  ['wallet', 'transfer_funds', 'Transfer funds to another account', ['to_account', num('amount'), 'currency'], ['to_account', 'amount', 'currency'], 'Financial', 'Critical'],
  ['coinbase', 'send_crypto', 'Send cryptocurrency to an external wallet address', ['to_address', num('amount'), 'currency'], ['to_address', 'amount', 'currency'], 'Financial', 'Critical'],
  ['trading', 'place_order', 'Place a buy or sell order for a stock', ['symbol', num('qty'), 'side'], ['symbol', 'qty', 'side'], 'Financial', 'Critical'],
  ['shopify', 'create_order', 'Create a new order for a customer', ['customer_id', 'line_items'], ['customer_id', 'line_items'], 'Financial', 'Medium'],
  ['square', 'create_payment', 'Charge a card for the given amount', ['source_id', num('amount'), 'currency'], ['source_id', 'amount', 'currency'], 'Financial', 'Critical'],
  ['quickbooks', 'create_bill', 'Create a vendor bill', ['vendor_id', 'lines'], ['vendor_id', 'lines'], 'Financial', 'High'],
  ['plaid', 'get_transactions', 'Get bank transactions for a linked account', ['access_token', 'start_date', 'end_date'], ['access_token'], 'Read', 'Medium'],
  ['shopify', 'get_products', 'Get a list of products in the store', [num('limit')], [], 'Read', 'Low'],
  // Everyday tools
  ['time', 'get_current_time', 'Get current time in a specific timezone', ['timezone'], ['timezone'], 'Read', 'Low'],
  ['time', 'convert_time', 'Convert time between timezones', ['source_timezone', 'time', 'target_timezone'], ['source_timezone', 'time', 'target_timezone'], 'Read', 'Low'],
  ['thinking', 'sequentialthinking', 'A detailed tool for dynamic and reflective problem-solving through thoughts.', ['thought', bool('nextThoughtNeeded')], ['thought'], 'Read', 'Low'],
  ['everart', 'generate_image', 'Generate images using EverArt models', ['prompt', 'model'], ['prompt'], 'Read', 'Low'],
  ['maps', 'maps_geocode', 'Convert an address into geographic coordinates', ['address'], ['address'], 'Read', 'Low'],
  ['notion', 'notion_create_page', 'Create a new page in Notion', ['parent_id', 'title', 'content'], ['parent_id'], 'Write', 'Medium'],
  ['notion', 'notion_search', 'Search pages and databases in Notion', ['query'], [], 'Read', 'Low'],
  ['linear', 'linear_create_issue', 'Creates a new Linear issue', ['title', 'teamId', 'description'], ['title', 'teamId'], 'Write', 'Medium'],
  ['jira', 'jira_transition_issue', 'Transition a Jira issue to a new status', ['issue_key', 'transition_id'], ['issue_key', 'transition_id'], 'Write', 'Medium'],
  ['todoist', 'todoist_complete_task', 'Mark a task as complete', ['task_id'], ['task_id'], 'Write', 'Low'],
  ['memory', 'store_memory', 'Store a fact in long-term memory', ['content', 'tags'], ['content'], 'Write', 'Low'],
  ['memory', 'retrieve_memory', 'Retrieve memories matching a query', ['query'], ['query'], 'Read', 'Low'],
  ['calendar', 'create_event', 'Create a calendar event', ['summary', 'start', 'end', 'attendees'], ['summary', 'start', 'end'], 'Write', 'Medium'],
  ['calendar', 'delete_event', 'Delete a calendar event', ['calendarId', 'eventId'], ['calendarId', 'eventId'], 'Destructive', 'Medium'],
  ['fs', 'copy_file', 'Copy a file to a new location', ['source', 'destination'], ['source', 'destination'], 'Write', 'Medium'],
  ['fs', 'get_file_hash', 'Compute the SHA-256 hash of a file', ['path'], ['path'], 'Read', 'Low'],
  ['fs', 'delete_directory', 'Recursively delete a directory and everything in it', ['path', bool('recursive')], ['path'], 'Destructive', 'High'],
  ['hubspot', 'hubspot_list_contacts', 'List contacts in HubSpot CRM', [num('limit'), 'after'], [], 'Read', 'Medium'],
  ['confluence', 'confluence_delete_page', 'Delete an existing Confluence page', ['page_id'], ['page_id'], 'Destructive', 'Medium'],
  ['zendesk', 'add_ticket_comment', 'Add a public or private comment to a ticket', ['ticket_id', 'body', bool('public')], ['ticket_id', 'body'], 'Communication', 'High'],
  ['github-like', 'assign_agent_to_task', 'Assign the coding agent to a task; it opens a pull request with its changes.', ['task_id'], ['task_id'], 'Execute', 'Medium'],
  // The weak spots of the first classifier, by the rubric: paging people is Communication, a policy
  // change is Admin/High, and "start" is as risky as what it starts.
  ['pagerduty', 'create_incident', 'Create a new incident and page the on-call responder', ['title', 'service_id'], ['title', 'service_id'], 'Communication', 'Medium'],
  ['opsgenie', 'create_alert', 'Creates an alert and notifies the on-call team', ['message', 'priority'], ['message'], 'Communication', 'Medium'],
  ['argocd', 'sync_application', 'Sync an Argo CD application to its target state in Git', ['name'], ['name'], 'Execute', 'High'],
  ['s3', 'put_bucket_policy', 'Apply a bucket policy to an S3 bucket', ['bucket', 'policy'], ['bucket', 'policy'], 'Admin', 'High'],
  ['iam', 'put_role_policy', 'Adds or updates an inline policy document embedded in the specified IAM role', ['RoleName', 'PolicyName', 'PolicyDocument'], ['RoleName', 'PolicyName', 'PolicyDocument'], 'Admin', 'Critical'],
  ['spotify', 'start_playback', 'Start or resume playback on the active device', ['uri'], [], 'Write', 'Low'],
  ['glue', 'start_job', 'Starts a job run using a job definition', ['JobName', 'Arguments'], ['JobName'], 'Execute', 'High'],
  ['sfn', 'start_pipeline', 'Starts the execution of a pipeline', ['name'], ['name'], 'Execute', 'High'],
];

/** Where the classifier and a security engineer's reading still differ; kept visible, not hidden. */

for (const [server, name, description, props, required, category, risk] of CASES) {
  test(`${server}: ${name} is ${category} / ${risk}`, () => {
    const got = classifyTool(tool(name, description, props, required), server);
    assert.deepEqual({ category: got.category, risk: got.risk }, { category, risk }, got.rationale.join(' '));
    assert.deepEqual(got.requiredParams, required);
    assert.ok(got.rationale.length > 0, 'every classification explains itself');
  });
}


test('requiredParams keeps the schema order and drops non-strings', () => {
  const def = { name: 'create_thing', description: 'Create a thing in the store.', inputSchema: { type: 'object', properties: {}, required: ['zeta', 'alpha', 7, null, 'mid'] } };
  assert.deepEqual(classifyTool(def).requiredParams, ['zeta', 'alpha', 'mid']);
  assert.deepEqual(classifyTool({ name: 'list_things', inputSchema: { type: 'object' } }).requiredParams, []);
  assert.deepEqual(classifyTool({ name: 'list_things', inputSchema: { required: 'name' } }).requiredParams, []);
});

test('an empty description is noted as a finding and in the rationale', () => {
  const got = classifyTool(tool('create_queue', '', ['queue_name'], ['queue_name']));
  assert.equal(got.category, 'Write');
  assert.ok(got.findings.some((f) => f.kind === 'thin_description' && /empty/.test(f.message)));
  assert.ok(got.rationale.some((r) => /description is empty/i.test(r)));
});

test('a description that only restates the operation is thin; a real one is not', () => {
  const thin = classifyTool(tool('delete_widget', 'Execute the Widget API `delete_widget` operation.', ['id'], ['id']));
  assert.ok(thin.findings.some((f) => f.kind === 'thin_description'));
  const full = classifyTool(tool('delete_widget', 'Deletes a widget and detaches it from every dashboard that shows it.', ['id'], ['id']));
  assert.ok(!full.findings.some((f) => f.kind === 'thin_description'));
});

test('a missing or malformed definition does not throw', () => {
  const odd = [
    { name: '' },
    { name: 'x', inputSchema: { properties: null } },
    { name: 'x', inputSchema: { properties: { a: null, b: 5 } } },
    { name: 'x', description: 42 as unknown as string, annotations: null as unknown as undefined },
  ];
  for (const def of odd) {
    const got = classifyTool(def);
    assert.ok(got.category.length > 0 && got.risk.length > 0);
  }
});

test('the verdict does not follow the annotations: readOnlyHint on a delete is flagged, not believed', () => {
  const got = classifyTool(tool('delete_report', 'Deletes a saved report.', ['report_id'], ['report_id'], { readOnlyHint: true, destructiveHint: false }));
  assert.equal(got.category, 'Destructive');
  const kinds = got.findings.filter((f) => f.kind === 'annotation_contradiction').map((f) => f.message);
  assert.equal(kinds.length, 2, kinds.join('\n'));
  assert.match(kinds[0], /readOnlyHint/);
  assert.match(kinds[1], /destructiveHint/);
  assert.ok(got.rationale.some((r) => /readOnlyHint/.test(r)));
});

test('annotations that agree with the definition raise no finding', () => {
  const got = classifyTool(tool('list_reports', 'Lists the saved reports of the current workspace, newest first.', [], [], { readOnlyHint: true, destructiveHint: false, openWorldHint: false }));
  assert.equal(got.category, 'Read');
  assert.deepEqual(got.findings, []);
});

test('openWorldHint false on a tool that takes a URL is a contradiction', () => {
  const got = classifyTool(tool('fetch_page', 'Fetches a web page and returns it as markdown.', ['url'], ['url'], { openWorldHint: false }));
  assert.ok(got.findings.some((f) => f.kind === 'annotation_contradiction' && /openWorldHint/.test(f.message)));
});

test('with nothing else to go on, the annotation is used but the risk stays Medium', () => {
  const got = classifyTool({ name: 'widget', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } });
  assert.equal(got.category, 'Read');
  assert.equal(got.risk, 'Medium');
  assert.ok(got.rationale.some((r) => /weak evidence/.test(r)));
  const bare = classifyTool({ name: 'widget', inputSchema: { type: 'object' } });
  assert.equal(bare.category, 'Write');
  assert.equal(bare.risk, 'Medium');
});

test('the rationale names the parameter that decided it', () => {
  assert.ok(classifyTool(tool('exec', 'Runs it.', ['command'], ['command'])).rationale.some((r) => r.includes('`command`')));
  assert.ok(classifyTool(tool('send_sms', 'Send an SMS.', ['recipient', 'text'], ['recipient', 'text'])).rationale.some((r) => r.includes('`recipient`')));
  assert.ok(classifyTool(tool('read_file', 'Read a file.', ['path'], ['path'])).rationale.some((r) => r.includes('`path`')));
});

test('classification is deterministic: same input, same output, input untouched', () => {
  const def = tool('create_refund', 'Refund a payment intent in Stripe.', ['payment_intent', num('amount')], ['payment_intent'], { readOnlyHint: true });
  const before = JSON.stringify(def);
  const first = classifyTool(def, 'stripe');
  for (let i = 0; i < 20; i++) assert.deepEqual(classifyTool(def, 'stripe'), first);
  assert.equal(JSON.stringify(def), before);
  assert.deepEqual({ category: first.category, risk: first.risk }, { category: 'Financial', risk: 'Critical' });
});

/**
 * Rubric principles, each on a tool invented for the test (no dataset names): the rule applied is
 * named in the test and must be cited in the reasons shown to the user.
 */
const enumOf = (name: string, values: string[]): [string, Record<string, unknown>] => [name, { type: 'string', enum: values }];

function classified(server: string, name: string, description: string, props: Parameters<typeof schema>[0], required: string[] = []): ReturnType<typeof classifyTool> {
  return classifyTool(tool(name, description, props, required), server);
}

test('rubric §1 multi-action: an `action` enum on a tool whose name reads only filters what is read', () => {
  const got = classified('billing', 'list_ledger_entries', 'Lists ledger entries, filtered by the action that created them.', [enumOf('action', ['refund', 'credit', 'chargeback']), 'after']);
  assert.deepEqual([got.category, got.risk], ['Read', 'Medium'], got.rationale.join(' '));
  assert.ok(!got.rationale.some((r) => /Multi-action/.test(r)));
  const acts = classified('billing', 'ledger_entry_write', 'Creates a ledger entry.', [enumOf('action', ['refund', 'credit']), 'entry_id']);
  assert.equal(acts.risk, 'Critical', 'a write tool with the same enum is still judged by its worst action');
});

test('rubric §1 precedence: an admin verb on a money-bearing object is Financial (rule 2 precedes rule 4)', () => {
  const got = classified('billing', 'activate_subscription', 'Ends the trial of a subscription and starts billing it now.', ['subscription_id'], ['subscription_id']);
  assert.deepEqual([got.category, got.risk], ['Financial', 'High'], got.rationale.join(' '));
  assert.ok(got.rationale.some((r) => /rule 2 precedes rule 4/.test(r)));
});

test('rubric §1: deleting a financial object is still Financial (rule 2 precedes rule 3), one item lowered a step', () => {
  const got = classified('shop', 'delete_stored_payment_method', 'Deletes a payment method a customer saved for later purchases.', ['customer_id', 'payment_method_id'], ['customer_id', 'payment_method_id']);
  assert.deepEqual([got.category, got.risk], ['Financial', 'Medium'], got.rationale.join(' '));
  assert.ok(got.rationale.some((r) => /rule 2 precedes rule 3/.test(r)));
});

test('rubric: worst case the schema accepts — a status enum that can issue the bill makes a transaction Financial/High', () => {
  const issuing = classified('billing', 'create_transaction', 'Creates a transaction for a customer.', ['customer_id', enumOf('status', ['draft', 'billed'])], ['customer_id']);
  assert.deepEqual([issuing.category, issuing.risk], ['Financial', 'High'], issuing.rationale.join(' '));
  assert.ok(issuing.rationale.some((r) => /"billed"/.test(r) && /worst case/.test(r)));
  const draft = classified('billing', 'create_transaction', 'Creates a draft transaction for a customer.', ['customer_id'], ['customer_id']);
  assert.deepEqual([draft.category, draft.risk], ['Financial', 'Medium'], 'a bill that still has to be issued is lowered one step (prepares, a human submits)');
});

test('rubric §2 lower one step: pausing billing is trivially reversible', () => {
  const got = classified('billing', 'pause_subscription', 'Pauses a subscription at the end of the billing period.', ['subscription_id'], ['subscription_id']);
  assert.deepEqual([got.category, got.risk], ['Financial', 'Medium'], got.rationale.join(' '));
  assert.ok(got.rationale.some((r) => /trivially reversible/.test(r)));
});

test('rubric §3: an outbound subscription delivering events to a chosen address is Write/High, not Admin', () => {
  const got = classified('billing', 'create_event_destination_setting', 'Creates a destination that receives account events by email or webhook.', ['destination', enumOf('type', ['email', 'url']), ['subscribed_events', { type: 'array' }]], ['destination']);
  assert.deepEqual([got.category, got.risk], ['Write', 'High'], got.rationale.join(' '));
  assert.ok(got.rationale.some((r) => /rubric §3: outbound subscriptions/.test(r)));
});

test('Read sensitivity ladder High: the description says a secret is returned', () => {
  const got = classified('billing', 'get_delivery_endpoint', 'Retrieves a delivery endpoint by its ID. The signingSecret is returned so that payloads can be verified.', ['endpoint_id'], ['endpoint_id']);
  assert.deepEqual([got.category, got.risk], ['Read', 'High'], got.rationale.join(' '));
  const mention = classified('identity', 'get_sign_in_failures', 'Why a user failed to sign in. Returns failures such as a wrong password or an expired token.', ['user_id']);
  assert.notEqual(mention.risk, 'High', 'naming secrets among reasons for failure does not return them');
});

test('Read sensitivity ladder: a token the description calls safe to expose is not secret material; revoking it is Admin/Medium', () => {
  const read = classified('checkout', 'get_browser_token', 'Retrieves a browser token. The token can be exposed client-side safely.', ['token_id'], ['token_id']);
  assert.deepEqual([read.category, read.risk], ['Read', 'Low'], read.rationale.join(' '));
  const mint = classified('checkout', 'create_browser_token', 'Creates a browser token for the checkout widget. The token can be exposed client-side safely.', ['name'], ['name']);
  assert.deepEqual([mint.category, mint.risk], ['Admin', 'High'], mint.rationale.join(' '));
  const secret = classified('cloud', 'create_api_token', 'Creates an API token with full account access.', ['name'], ['name']);
  assert.deepEqual([secret.category, secret.risk], ['Admin', 'Critical'], 'a secret long-lived credential stays Critical');
  const revoke = classified('checkout', 'revoke_api_token', 'Revokes an API token so it can no longer be used.', ['token_id'], ['token_id']);
  assert.deepEqual([revoke.category, revoke.risk], ['Admin', 'Medium'], revoke.rationale.join(' '));
  assert.ok(revoke.rationale.some((r) => /Admin ladder Medium/.test(r)));
});

test('rubric §3: an estimate or preview is Read/Low even over financial objects', () => {
  const got = classified('billing', 'preview_invoice_total', 'Calculates the total of an invoice before it is created.', ['customer_id', ['items', { type: 'array' }]], ['customer_id']);
  assert.deepEqual([got.category, got.risk], ['Read', 'Low'], got.rationale.join(' '));
  assert.ok(got.rationale.some((r) => /rubric §3: an estimate/.test(r)));
});

test('Read sensitivity ladder Low: source code in a hosted repo, even when the project is named by an id', () => {
  const got = classified('forge', 'get_file_contents', 'Get the contents of a file from a hosted project.', ['project_id', 'file_path', 'ref'], ['project_id', 'file_path']);
  assert.deepEqual([got.category, got.risk], ['Read', 'Low'], got.rationale.join(' '));
  const local = classified('disk', 'read_file_contents', 'Read the contents of a file on disk.', ['file_path'], ['file_path']);
  assert.equal(local.risk, 'Medium', 'a local file chosen by path stays Medium');
});

test('Read sensitivity ladder Medium: customer records, query results, process output, page screenshots, content search', () => {
  const cases: [string, string, string, Parameters<typeof schema>[0], string[]][] = [
    ['shop', 'list_shipping_addresses', 'Lists the shipping addresses of a customer.', ['customer_id', 'after'], ['customer_id']],
    ['wiki', 'query_data_source', 'Queries a data source of the workspace.', ['data_source_id', ['filter', { type: 'object' }]], ['data_source_id']],
    ['terminal', 'read_session_output', 'Read new output from a running terminal session.', [['pid', { type: 'number' }]], ['pid']],
    ['browser', 'page_screenshot', 'Take a screenshot of the current page.', ['selector'], []],
    ['disk', 'begin_file_search', 'Search files under a path by name or by what they contain.', ['path', 'pattern', enumOf('mode', ['names', 'content'])], ['path', 'pattern']],
    ['disk', 'search_text', 'Search for a substring within files under a directory and report matching lines.', ['path', 'substring'], ['path', 'substring']],
  ];
  for (const [server, name, description, props, required] of cases) {
    const got = classified(server, name, description, props, required);
    assert.deepEqual([got.category, got.risk], ['Read', 'Medium'], `${name}: ${got.rationale.join(' ')}`);
    assert.ok(got.rationale.some((r) => /Read sensitivity Medium/.test(r)), name);
  }
  const names = classified('disk', 'begin_file_search', 'Search files under a path by name.', ['path', 'pattern'], ['path', 'pattern']);
  assert.equal(names.risk, 'Low', 'a search that only matches names returns metadata');
});

test('rubric §2: the "additive" lowering is for adding; changing an existing customer record stays Write/Medium', () => {
  const create = classified('crm', 'create_customer', 'Creates a customer record.', ['name', 'email'], ['name']);
  assert.deepEqual([create.category, create.risk], ['Write', 'Low'], create.rationale.join(' '));
  const update = classified('crm', 'update_customer', 'Updates the name, email or status of a customer.', ['customer_id', 'name', 'email'], ['customer_id']);
  assert.deepEqual([update.category, update.risk], ['Write', 'Medium'], update.rationale.join(' '));
  assert.ok(update.rationale.some((r) => /Write base Medium/.test(r)));
});

test('Read sensitivity ladder Medium: a bare read over any key is a generic reader of stored values', () => {
  const got = classified('kv', 'get', 'Get the value stored under a key.', ['key'], ['key']);
  assert.deepEqual([got.category, got.risk], ['Read', 'Medium'], got.rationale.join(' '));
  assert.ok(got.rationale.some((r) => /generic reader/.test(r)));
  const names = classified('kv', 'list', 'List keys matching a pattern.', ['pattern'], ['pattern']);
  assert.equal(names.risk, 'Low', 'key names are identifiers');
});

test('Communication/Low (rubric §2 table, message to self): a test message with no recipient to choose', () => {
  const got = classified('identity', 'send_test_notification_email', 'Sends a test of the customised email template to the signed-in admin.', ['template_id', 'language'], ['template_id']);
  assert.deepEqual([got.category, got.risk], ['Communication', 'Low'], got.rationale.join(' '));
  assert.ok(got.rationale.some((r) => /message to self/.test(r)));
  const anyone = classified('mail', 'send_test_email', 'Sends a test email.', ['to', 'template_id'], ['to']);
  assert.equal(anyone.risk, 'High', 'a recipient the caller chooses is an external audience (raised one step)');
});

test('rubric §3 browser automation, on a server that names the browser only in its descriptions', () => {
  const cases: [string, string, Parameters<typeof schema>[0], string[], Category, Risk][] = [
    ['web_resize', 'Resize the browser viewport to the given size.', [['width', { type: 'number' }]], ['width'], 'Write', 'Low'],
    ['web_close', 'Close the browser and release its resources.', [], [], 'Write', 'Low'],
    ['web_visible_text', 'Get the visible text of the current page.', [], [], 'Read', 'Medium'],
    ['web_go_back', 'Navigate back in the browser history.', [], [], 'Read', 'Low'],
    ['web_click_and_switch_tab', 'Click a link on the current page and switch to the tab it opens.', ['selector'], ['selector'], 'Write', 'Medium'],
    ['web_user_agent', 'Set a custom user agent for the browser.', ['userAgent'], ['userAgent'], 'Write', 'Low'],
  ];
  for (const [name, description, props, required, category, risk] of cases) {
    const got = classified('automation', name, description, props, required);
    assert.deepEqual([got.category, got.risk], [category, risk], `${name}: ${got.rationale.join(' ')}`);
  }
});

test('rubric §3 generic passthrough: one state-changing HTTP request to any URL is Execute/High; a GET is Read/Medium', () => {
  const post = classified('automation', 'http_post', 'Perform an HTTP POST request.', ['url', 'value', 'headers'], ['url', 'value']);
  assert.deepEqual([post.category, post.risk], ['Execute', 'High'], post.rationale.join(' '));
  assert.ok(post.rationale.some((r) => /rubric §3: generic passthrough/.test(r)));
  const get = classified('automation', 'http_get', 'Perform an HTTP GET request.', ['url', 'headers'], ['url']);
  assert.deepEqual([get.category, get.risk], ['Read', 'Medium'], get.rationale.join(' '));
});
