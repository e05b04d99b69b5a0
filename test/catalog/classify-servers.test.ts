/**
 * Whole servers that are not in the labelled dataset, as their `tools/list` reads (browser
 * automation taken from the server's published tool reference; terminal, document-database and
 * SaaS servers modelled closely on their public tool lists). Labels are a security engineer's
 * reading, written before the classifier was run on them; where it still disagrees the case is a
 * visible TODO rather than a deleted row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTool } from '../../src/catalog/classify.js';
import type { Category, Risk, ToolAnnotations } from '../../src/catalog/types.js';

type T = 'string' | 'number' | 'boolean' | 'array' | 'object';
type Row = [name: string, description: string, params: Array<[string, T]>, required: string[], category: Category, risk: Risk, todo?: string];

const S: T = 'string';
const N: T = 'number';
const B: T = 'boolean';
const A: T = 'array';
const O: T = 'object';

function run(server: string, rows: Row[], annotations: (name: string) => ToolAnnotations | undefined = () => undefined): void {
  for (const [name, description, params, required, category, risk, todo] of rows) {
    test(`${server}: ${name} is ${category} / ${risk}`, todo ? { todo } : {}, () => {
      const inputSchema = { type: 'object', properties: Object.fromEntries(params.map(([p, type]) => [p, { type }])), required };
      const ann = annotations(name);
      const got = classifyTool({ name, description, inputSchema, ...(ann ? { annotations: ann } : {}) }, server);
      assert.deepEqual({ category: got.category, risk: got.risk }, { category, risk }, got.rationale.join(' '));
    });
  }
}

const READ_ONLY_BROWSER = new Set(['browser_close', 'browser_console_messages', 'browser_hover', 'browser_navigate_back', 'browser_network_requests', 'browser_resize', 'browser_snapshot', 'browser_take_screenshot', 'browser_wait_for', 'browser_tab_list', 'browser_tab_new', 'browser_tab_select', 'browser_mouse_move_xy', 'browser_pdf_save']);

run('playwright', [
  ['browser_click', 'Perform click on a web page', [['element', S], ['ref', S], ['doubleClick', B]], ['element', 'ref'], 'Write', 'Medium'],
  ['browser_close', 'Close the page', [], [], 'Write', 'Low'],
  ['browser_console_messages', 'Returns all console messages', [], [], 'Read', 'Medium'],
  ['browser_drag', 'Perform drag and drop between two elements', [['startElement', S], ['startRef', S], ['endElement', S], ['endRef', S]], ['startElement', 'startRef'], 'Write', 'Medium'],
  ['browser_evaluate', 'Evaluate JavaScript expression on page or element', [['function', S], ['element', S], ['ref', S]], ['function'], 'Execute', 'High'],
  ['browser_file_upload', 'Upload one or multiple files', [['paths', A]], ['paths'], 'Write', 'High'],
  ['browser_handle_dialog', 'Handle a dialog', [['accept', B], ['promptText', S]], ['accept'], 'Write', 'Medium'],
  ['browser_hover', 'Hover over element on page', [['element', S], ['ref', S]], ['element', 'ref'], 'Read', 'Low'],
  ['browser_navigate', 'Navigate to a URL', [['url', S]], ['url'], 'Read', 'Medium'],
  ['browser_navigate_back', 'Go back to the previous page', [], [], 'Read', 'Low'],
  ['browser_network_requests', 'Returns all network requests since loading the page', [], [], 'Read', 'Medium'],
  ['browser_press_key', 'Press a key on the keyboard', [['key', S]], ['key'], 'Write', 'Medium'],
  ['browser_resize', 'Resize the browser window', [['width', N], ['height', N]], ['width', 'height'], 'Write', 'Low'],
  ['browser_select_option', 'Select an option in a dropdown', [['element', S], ['ref', S], ['values', A]], ['element', 'ref', 'values'], 'Write', 'Medium'],
  ['browser_snapshot', 'Capture accessibility snapshot of the current page, this is better than screenshot', [], [], 'Read', 'Medium'],
  ['browser_take_screenshot', 'Take a screenshot of the current page.', [['raw', B], ['filename', S]], [], 'Read', 'Medium'],
  ['browser_type', 'Type text into editable element', [['element', S], ['ref', S], ['text', S], ['submit', B]], ['element', 'ref', 'text'], 'Write', 'Medium'],
  ['browser_wait_for', 'Wait for text to appear or disappear or a specified time to pass', [['time', N], ['text', S]], [], 'Read', 'Low'],
  ['browser_tab_close', 'Close a tab', [['index', N]], [], 'Write', 'Low'],
  ['browser_tab_list', 'List browser tabs', [], [], 'Read', 'Low'],
  ['browser_tab_new', 'Open a new tab', [['url', S]], [], 'Read', 'Medium'],
  ['browser_tab_select', 'Select a tab by index', [['index', N]], ['index'], 'Write', 'Low'],
  ['browser_install', 'Install the browser specified in the config. Call this if you get an error about the browser not being installed.', [], [], 'Execute', 'Medium'],
  ['browser_mouse_click_xy', 'Click left mouse button at a given position', [['element', S], ['x', N], ['y', N]], ['element', 'x', 'y'], 'Write', 'Medium'],
  ['browser_mouse_move_xy', 'Move mouse to a given position', [['element', S], ['x', N], ['y', N]], ['element', 'x', 'y'], 'Read', 'Low'],
  ['browser_pdf_save', 'Save page as PDF', [['filename', S]], [], 'Write', 'Low'],
], (name) => ({ readOnlyHint: READ_ONLY_BROWSER.has(name) }));

run('desktop-commander', [
  ['get_config', 'Get the complete server configuration as JSON. Config includes blockedCommands, defaultShell, allowedDirectories, telemetryEnabled and systemInfo.', [], [], 'Read', 'Low'],
  ['set_config_value', 'Set a specific configuration value by key. WARNING: Should be used in a separate chat from file operations and command execution to prevent security issues. IMPORTANT: Setting allowedDirectories to an empty array allows full access to the entire file system.', [['key', S], ['value', S]], ['key', 'value'], 'Admin', 'High'],
  ['read_file', 'Read contents from files and URLs. Can fetch content from URLs when isUrl parameter is set to true. IMPORTANT: Always use absolute paths.', [['path', S], ['isUrl', B], ['offset', N]], ['path'], 'Read', 'Medium'],
  ['write_file', 'Write or append to file contents. IMPORTANT: DO NOT use this tool to create PDF files. Always write files in chunks of 25-30 lines maximum.', [['path', S], ['content', S], ['mode', S]], ['path', 'content'], 'Write', 'Medium'],
  ['edit_block', 'Apply surgical edits to files. Make multiple small, focused edits rather than one large edit.', [['file_path', S], ['old_string', S], ['new_string', S]], ['file_path', 'old_string', 'new_string'], 'Write', 'Medium'],
  ['start_search', 'Start a streaming search that can return results progressively. Looking for configuration/setup files: ".env", "dockerfile", "tsconfig.json".', [['path', S], ['pattern', S], ['searchType', S]], ['path', 'pattern'], 'Read', 'Low'],
  ['stop_search', 'Stop an active search. Stops the background search process gracefully.', [['sessionId', S]], ['sessionId'], 'Write', 'Low'],
  ['start_process', 'Start a terminal process on the authorized device with intelligent state detection. Suitable for shell commands, interactive REPL sessions and data-processing scripts.', [['command', S], ['timeout_ms', N]], ['command', 'timeout_ms'], 'Execute', 'Critical'],
  // Read ladder Medium (logs): a process's output holds whatever the process printed, secrets included.
  ['read_process_output', 'Read output from a running process with file-like pagination support.', [['pid', N], ['offset', N]], ['pid'], 'Read', 'Medium'],
  ['interact_with_process', 'Send input to an existing terminal or REPL process and return newly available output.', [['pid', N], ['input', S], ['timeout_ms', N]], ['pid', 'input'], 'Execute', 'Critical'],
  ['force_terminate', 'Force terminate a running terminal session.', [['pid', N]], ['pid'], 'Destructive', 'High'],
  ['list_sessions', 'List all active terminal sessions. Shows session status including PID, Blocked and Runtime.', [], [], 'Read', 'Low'],
  ['kill_process', 'Terminate a running process by PID. Use with caution as this will forcefully terminate the specified process.', [['pid', N]], ['pid'], 'Destructive', 'High'],
  ['get_usage_stats', 'Get usage statistics for debugging and analysis.', [], [], 'Read', 'Low'],
  ['get_recent_tool_calls', 'Get recent local tool call history with arguments and outputs.', [['maxResults', N]], [], 'Read', 'Medium'],
]);

run('mongodb', [
  ['atlas-list-projects', 'List MongoDB Atlas projects', [['orgId', S]], [], 'Read', 'Low'],
  ['atlas-create-free-cluster', 'Create a free MongoDB Atlas cluster', [['projectId', S], ['name', S], ['region', S]], ['projectId', 'name'], 'Write', 'Low'],
  ['atlas-connect-cluster', 'Connect to MongoDB Atlas cluster', [['projectId', S], ['clusterName', S]], ['projectId', 'clusterName'], 'Admin', 'Low'],
  ['atlas-create-access-list', 'Allow Ip/CIDR ranges to access your MongoDB Atlas clusters.', [['projectId', S], ['ipAddresses', A]], ['projectId'], 'Admin', 'High'],
  ['atlas-list-db-users', 'List MongoDB Atlas database users', [['projectId', S]], ['projectId'], 'Read', 'Low'],
  ['atlas-create-db-user', 'Create an MongoDB Atlas database user', [['projectId', S], ['username', S], ['password', S], ['roles', A]], ['projectId', 'username', 'roles'], 'Admin', 'Critical'],
  ['connect', 'Connect to a MongoDB instance', [['connectionString', S]], ['connectionString'], 'Admin', 'Low'],
  ['find', 'Run a find query against a MongoDB collection', [['database', S], ['collection', S], ['filter', O]], ['database', 'collection'], 'Read', 'Medium'],
  ['aggregate', 'Run an aggregation against a MongoDB collection', [['database', S], ['collection', S], ['pipeline', A]], ['database', 'collection', 'pipeline'], 'Execute', 'High'],
  ['insert-many', 'Insert an array of documents into a MongoDB collection', [['database', S], ['collection', S], ['documents', A]], ['database', 'collection', 'documents'], 'Write', 'Medium'],
  ['create-index', 'Create an index for a collection', [['database', S], ['collection', S], ['keys', O]], ['database', 'collection', 'keys'], 'Write', 'Medium'],
  ['update-many', 'Updates all documents that match the specified filter for a collection', [['database', S], ['collection', S], ['filter', O], ['update', O]], ['database', 'collection', 'update'], 'Write', 'High'],
  ['delete-many', 'Removes all documents that match the filter from a MongoDB collection', [['database', S], ['collection', S], ['filter', O]], ['database', 'collection'], 'Destructive', 'High'],
  ['drop-database', 'Removes the specified database, deleting the associated data files', [['database', S]], ['database'], 'Destructive', 'Critical'],
  ['collection-schema', 'Describe the schema for a collection', [['database', S], ['collection', S]], ['database', 'collection'], 'Read', 'Low'],
  ['export', 'Export a collection data or query results in the specified EJSON format.', [['database', S], ['collection', S]], ['database', 'collection'], 'Read', 'Medium'],
  ['mongodb-logs', 'Returns the most recent logged mongod events', [['type', S], ['limit', N]], [], 'Read', 'Medium'],
]);

run('notion (OpenAPI-generated names)', [
  ['API-post-search', 'Notion | Search by title', [['query', S], ['filter', O]], [], 'Read', 'Low'],
  ['API-get-block-children', 'Notion | Retrieve block children', [['block_id', S]], ['block_id'], 'Read', 'Low'],
  ['API-patch-block-children', 'Notion | Append block children', [['block_id', S], ['children', A]], ['block_id', 'children'], 'Write', 'Medium'],
  ['API-post-page', 'Notion | Create a page', [['parent', O], ['properties', O]], ['parent', 'properties'], 'Write', 'Medium'],
  ['API-delete-a-block', 'Notion | Delete a block', [['block_id', S]], ['block_id'], 'Destructive', 'Medium'],
  ['API-create-a-comment', 'Notion | Create comment', [['parent', O], ['rich_text', A]], ['parent', 'rich_text'], 'Communication', 'Medium'],
  ['API-get-users', 'Notion | List all users', [['start_cursor', S]], [], 'Read', 'Medium'],
]);

run('observability and cloud', [
  ['find_organizations', 'Find organizations that the user has access to in Sentry.', [], [], 'Read', 'Low'],
  ['update_issue', "Update an issue's status or assignment in Sentry.", [['issueId', S], ['status', S]], [], 'Write', 'Low', 'issue triage is a small change; "update" reads as Medium'],
  ['create_dsn', 'Create an additional DSN for an EXISTING project.', [['organizationSlug', S], ['projectSlug', S], ['name', S]], [], 'Admin', 'High'],
  ['analyze_issue_with_seer', 'Use Seer AI to analyze a production error and get root cause analysis with code fix suggestions.', [['issueId', S]], [], 'Read', 'Low'],
  ['query_loki_logs', 'Query and retrieve log entries from a Loki datasource using LogQL.', [['datasourceUid', S], ['logql', S]], ['datasourceUid', 'logql'], 'Read', 'Medium'],
  ['list_oncall_users', 'List users from Grafana OnCall.', [], [], 'Read', 'Medium'],
  ['kv_namespace_delete', 'Delete a Workers KV namespace', [['namespace_id', S]], ['namespace_id'], 'Destructive', 'High'],
  ['d1_database_query', 'Query a D1 database with SQL', [['database_id', S], ['sql', S]], ['database_id', 'sql'], 'Execute', 'High'],
  ['r2_bucket_delete', 'Delete an R2 bucket', [['name', S]], ['name'], 'Destructive', 'Critical'],
  ['scale_dyno', 'Scale the number of dynos for an app process type', [['app', S], ['type', S], ['quantity', N]], ['app', 'type', 'quantity'], 'Write', 'High'],
  ['pg_backup_restore', 'Restore a Heroku Postgres backup onto a database', [['app', S], ['backup', S]], ['app', 'backup'], 'Write', 'High'],
  ['get_app_logs', 'View application logs', [['app', S]], ['app'], 'Read', 'Medium'],
]);

run('github (snapshots outside the dataset sample)', [
  ['add_repository_collaborator', 'Add a collaborator to a GitHub repository and set their permission level', [['owner', S], ['permission', S], ['repo', S], ['username', S]], ['owner', 'repo', 'username'], 'Admin', 'High'],
  ['create_org_invitation', 'Invite a user to join an organization by GitHub user ID or email address. Requires organization owner permissions. This endpoint triggers notifications and may be subject to rate limiting.', [['email', S], ['invitee_id', N], ['org', S], ['role', S], ['team_ids', A]], ['org'], 'Admin', 'High'],
  ['create_repository_ruleset', 'Create a new ruleset at the repository, organization, or enterprise level', [['bypass_actors', A], ['enforcement', S], ['level', S], ['name', S], ['rules', A]], ['level', 'name', 'enforcement', 'rules'], 'Admin', 'Medium'],
  ['delete_branch', 'Delete a branch from a GitHub repository. Protected branches cannot be deleted.', [['branch', S], ['owner', S], ['repo', S]], ['owner', 'repo', 'branch'], 'Destructive', 'Medium'],
  ['enable_toolset', 'Enable one of the sets of tools the GitHub MCP server provides, use get_toolset_tools and list_available_toolsets first to see what this will enable', [['toolset', S]], ['toolset'], 'Admin', 'Low', 'enabling more tools is scored as an ordinary configuration change'],
  ['create_release', 'Create a new release in a GitHub repository', [['body', S], ['draft', B], ['name', S], ['owner', S], ['repo', S], ['tag_name', S]], ['owner', 'repo', 'tag_name'], 'Write', 'High'],
  ['delete_release', 'Delete a release from a GitHub repository', [['owner', S], ['repo', S], ['release_id', N]], ['owner', 'repo', 'release_id'], 'Destructive', 'Medium'],
  ['check_org_membership', 'Check whether a user is a member of an organization', [['org', S], ['username', S]], ['org', 'username'], 'Read', 'Low'],
  ['delete_org_package', 'Delete a package owned by an organization', [['org', S], ['package_type', S], ['package_name', S]], ['org', 'package_type', 'package_name'], 'Destructive', 'High'],
  ['generate_release_notes', 'Generate release notes content for a release without creating the release', [['owner', S], ['repo', S], ['tag_name', S]], ['owner', 'repo', 'tag_name'], 'Read', 'Low'],
  ['get_file_blame', 'Get git blame information for a file in a GitHub repository', [['owner', S], ['repo', S], ['path', S]], ['owner', 'repo', 'path'], 'Read', 'Low'],
  ['add_discussion_comment', 'Add a comment to a discussion', [['owner', S], ['repo', S], ['discussionNumber', N], ['body', S]], ['owner', 'repo', 'discussionNumber', 'body'], 'Communication', 'Medium'],
  ['add_issue_comment_reaction', 'Add a reaction to an issue comment', [['owner', S], ['repo', S], ['comment_id', N], ['content', S]], ['owner', 'repo', 'comment_id', 'content'], 'Communication', 'Low'],
  ['get_dependabot_alert', 'Get details of a specific dependabot alert in a GitHub repository.', [['owner', S], ['repo', S], ['alertNumber', N]], ['owner', 'repo', 'alertNumber'], 'Read', 'Medium'],
  ['remove_sub_issue', 'Remove a sub-issue from a parent issue in a GitHub repository.', [['owner', S], ['repo', S], ['issue_number', N], ['sub_issue_id', N]], ['owner', 'repo', 'issue_number', 'sub_issue_id'], 'Write', 'Low'],
]);

run('aws-style', [
  ['manage_k8s_resource', 'Manage a single Kubernetes resource with various operations: create, replace, patch, delete, read.', [['operation', S], ['cluster_name', S], ['kind', S], ['namespace', S], ['body', S]], ['operation', 'cluster_name', 'kind'], 'Write', 'High'],
  ['apply_yaml', 'Apply Kubernetes YAML manifests to an EKS cluster.', [['yaml_path', S], ['cluster_name', S], ['namespace', S]], ['yaml_path', 'cluster_name', 'namespace'], 'Write', 'High'],
  ['list_k8s_resources', 'List Kubernetes resources of a specific kind.', [['cluster_name', S], ['kind', S], ['namespace', S]], ['cluster_name', 'kind'], 'Read', 'Low'],
  ['get_k8s_events', 'Get events related to a specific Kubernetes resource.', [['cluster_name', S], ['kind', S], ['name', S]], ['cluster_name', 'kind', 'name'], 'Read', 'Medium'],
  ['add_inline_policy', 'Add a new inline policy to an IAM role.', [['policy_name', S], ['role_name', S], ['permissions', O]], ['policy_name', 'role_name', 'permissions'], 'Admin', 'Critical'],
  ['delete_table', 'The DeleteTable operation deletes a table and all of its items.', [['table_name', S]], ['table_name'], 'Destructive', 'High'],
  ['put_item', 'Creates a new item or replaces an existing item in a table.', [['table_name', S], ['item', O]], ['table_name', 'item'], 'Write', 'Medium'],
  ['scan', 'Returns items and item attributes by accessing every item in a table or a secondary index.', [['table_name', S]], ['table_name'], 'Read', 'Low'],
  ['delete_user', 'Delete an IAM user.', [['user_name', S], ['force', B]], ['user_name'], 'Destructive', 'High'],
  ['list_users', 'List IAM users in the account.', [['path_prefix', S]], [], 'Read', 'Low'],
  ['execute_log_insights_query', 'Executes a CloudWatch Logs Insights query and waits for the results.', [['log_group_names', A], ['query_string', S]], ['query_string'], 'Read', 'Medium'],
  ['describe_log_groups', 'Lists AWS CloudWatch log groups and saved queries associated with them.', [['log_group_name_prefix', S]], [], 'Read', 'Low'],
  ['read_documentation', 'Fetch and convert an AWS documentation page to markdown format.', [['url', S]], ['url'], 'Read', 'Low'],
  ['invoke_lambda', 'Invoke a Lambda function by name with a JSON payload and return its response.', [['function_name', S], ['payload', O]], ['function_name'], 'Execute', 'Medium'],
]);

run('reference servers (archived collection)', [
  ['create_or_update_file', 'Create or update a single file in a GitLab project', [['project_id', S], ['file_path', S], ['content', S], ['commit_message', S], ['branch', S]], ['project_id', 'file_path', 'content', 'commit_message', 'branch'], 'Write', 'High'],
  ['push_files', 'Push multiple files to a GitLab project in a single commit', [['project_id', S], ['branch', S], ['files', A], ['commit_message', S]], ['project_id', 'branch', 'files', 'commit_message'], 'Write', 'High'],
  ['maps_reverse_geocode', 'Convert coordinates into an address', [['latitude', N], ['longitude', N]], ['latitude', 'longitude'], 'Read', 'Low'],
  ['maps_distance_matrix', 'Calculate travel distance and time for multiple origins and destinations', [['origins', A], ['destinations', A]], ['origins', 'destinations'], 'Read', 'Low'],
  ['append_insight', 'Add a business insight to the memo', [['insight', S]], ['insight'], 'Write', 'Low'],
  ['puppeteer_fill', 'Fill out an input field', [['selector', S], ['value', S]], ['selector', 'value'], 'Write', 'Medium'],
  ['delete', 'Delete a Redis key', [['key', S]], ['key'], 'Destructive', 'Medium'],
  ['list', 'List Redis keys matching a pattern', [['pattern', S]], [], 'Read', 'Low'],
  ['retrieve_from_aws_kb', 'Performs retrieval from the AWS Knowledge Base using the provided query and Knowledge Base ID.', [['query', S], ['knowledgeBaseId', S]], ['query', 'knowledgeBaseId'], 'Read', 'Low'],
  ['longRunningOperation', 'Demonstrates a long running operation with progress updates', [['duration', N], ['steps', N]], [], 'Read', 'Low'],
  ['sampleLLM', "Samples from an LLM using MCP's sampling feature", [['prompt', S], ['maxTokens', N]], ['prompt'], 'Read', 'Low'],
  ['printEnv', 'Prints all environment variables, helpful for debugging MCP server configuration', [], [], 'Read', 'High'],
  ['annotatedMessage', 'Demonstrates how annotations can be used to provide metadata about content', [['messageType', S], ['includeImage', B]], ['messageType'], 'Read', 'Low'],
  ['add', 'Adds two numbers', [['a', N], ['b', N]], ['a', 'b'], 'Read', 'Low'],
]);
