/**
 * Every toolgate command, in the order the global help lists them. The global help, each
 * command's `--help` and the unknown-command message are generated from this list, and a
 * command's module is imported only inside its `run`: adding a command is one entry here.
 */
import { AUDIT_DECISIONS } from '../audit/record.js';
import { UsageError, type CommandSpec, type OptionSpec } from './command.js';

const config = (help = 'The config file (default ./toolgate.yaml)'): OptionSpec => ({ name: 'config', short: 'c', value: 'FILE', default: 'toolgate.yaml', help });
const json = (help: string): OptionSpec => ({ name: 'json', help });
const server = (help: string): OptionSpec => ({ name: 'server', value: 'ID', help });
const toolsJson: OptionSpec = { name: 'tools-json', value: 'FILE', help: 'Read tool definitions from this file instead of the live server: a tools/list\nresult {"tools": [...]}, an array of tools, or a file with a top-level "tools" array' };
const timeout: OptionSpec = { name: 'timeout', value: 'SECONDS', help: 'Per server, for connecting and listing (default 30)' };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'serve',
    summary: 'Start the gateway: every configured server at http://HOST:PORT/mcp/<server-id>',
    usage: ['toolgate serve [-c FILE] [-p PORT]'],
    description:
      'Starts the gateway and prints the proxy URLs and ready-to-paste client configurations.\n' +
      'The policy is reloaded when the config file changes. Ctrl-C (SIGINT) or SIGTERM stops it.',
    options: [config(), { name: 'port', short: 'p', value: 'PORT', help: "Listen on this port instead of the config's listen.port (0: a free one)" }],
    async run(args) {
      const { serveCommand } = await import('./serve.js');
      return serveCommand(args.string('config')!, { port: args.port() });
    },
  },
  {
    name: 'stdio',
    summary: 'Serve one configured server over stdin/stdout, for clients that launch processes',
    usage: ['toolgate stdio <server-id> [-c FILE] [--agent NAME]'],
    description:
      'Speaks MCP on its own stdin/stdout for one configured server, for clients that only launch\n' +
      'local processes (Claude Desktop), with the same policy. Logs go to stderr only.\n' +
      'stdio carries no credentials: whoever can start the process is trusted, and its calls are\n' +
      'made as --agent NAME (default: the local user name), with that agent\'s groups when\n' +
      'auth.agents names it.',
    options: [config(), { name: 'agent', value: 'NAME', help: 'The agent this process calls as (default: the local user name)' }],
    async run(args) {
      if (args.positionals.length > 1) throw new UsageError(`toolgate stdio takes one server id, not ${args.positionals.length} (see toolgate stdio --help)`);
      const { stdioCommand } = await import('./serve.js');
      return stdioCommand(args.positionals[0], args.string('config')!, args.string('agent'));
    },
  },
  {
    name: 'validate',
    summary: 'Check a config file, and its rules against the tools the servers list',
    usage: ['toolgate validate [-c FILE] [--tools-json FILE ... | --live] [--strict] [--json]'],
    description:
      'Loads and compiles the config as serve would, without starting anything. Every problem is\n' +
      'printed as FILE:LINE:COLUMN: what is wrong (hint: how to fix it), and the exit code is 1.\n' +
      'With the tools the servers list (--tools-json or --live), it also warns, at the rule, about\n' +
      'what can never take effect: a tool name or glob that matches no listed tool, a condition,\n' +
      "budget amount or validate.arguments naming an argument the tool's inputSchema does not declare\n" +
      '(checked when the schema lists its properties and nothing else can add names). Without them\n' +
      'it warns about agent and group overrides no auth.agents entry can use (when auth.oauth is\n' +
      'not set). Warnings leave the exit code 0 unless --strict.',
    options: [
      config(),
      {
        ...toolsJson,
        multiple: true,
        help: 'Check the rules against the tools in this file: a tools/list result {"tools": [...]},\nan array of tools, or a file with a top-level "tools" array. Repeatable, one file\nper server: the file\'s "server" field or its name says which (or --server)',
      },
      server('With one --tools-json file: the server id its tools belong to'),
      { name: 'live', help: 'Connect to every configured server and list its tools (as toolgate catalog does);\na server that cannot be listed is named and the exit code is 1' },
      timeout,
      { name: 'strict', help: 'Exit 1 when there are warnings' },
      json('One JSON object: ok, servers, revision, warnings (file, line, column, path, code,\nmessage, hint), or the problems of a config that does not load'),
    ],
    async run(args) {
      const { validateCommand } = await import('./validate.js');
      return validateCommand(args);
    },
  },
  {
    name: 'schema',
    summary: "Print the config file's JSON Schema (for editor completion)",
    usage: ['toolgate schema > toolgate.schema.json'],
    description: 'Then put `# yaml-language-server: $schema=./toolgate.schema.json` at the top of the config.',
    options: [],
    async run() {
      const { schemaCommand } = await import('./schema.js');
      return schemaCommand();
    },
  },
  {
    name: 'demo',
    summary: 'Start the gateway on the built-in demo config (two MCP servers from npm)',
    usage: ['toolgate demo [-p PORT]'],
    description:
      'Fronts the MCP servers installed with toolgate (everything, filesystem) with the policy of\n' +
      'examples/demo.yaml, on a scratch folder (TOOLGATE_DEMO_DIR, default $TMPDIR/toolgate-demo).',
    options: [{ name: 'port', short: 'p', value: 'PORT', help: 'Listen on this port instead of 8787 (0: a free one)' }],
    async run(args) {
      const { demoCommand } = await import('./demo.js');
      return demoCommand({ port: args.port() });
    },
  },
  {
    name: 'catalog',
    summary: 'Every tool of every server: category, risk, required parameters, effective rule',
    usage: [
      'toolgate catalog [-c FILE] [--server ID] [--format table|json|markdown]',
      'toolgate catalog --tools-json FILE [-c FILE] [--server NAME] [--format ...]',
      'toolgate catalog --html DIR [-c FILE | --tools-json FILE]',
    ],
    description:
      'Lists every tool of the configured servers (all pages of tools/list), classified: category,\n' +
      'risk, required parameters, and the rule the config applies (with where it comes from).\n' +
      'A server that cannot be reached is named on stderr with the reason; the others are still\n' +
      'listed, and the exit code is 1.',
    options: [
      { name: 'config', short: 'c', value: 'FILE', help: 'The config (default ./toolgate.yaml; optional with --tools-json)' },
      server('Only this server. With --tools-json: the server id the tools belong to\n(default: the file\'s "server" field matched to a configured server, else the\nfile\'s name)'),
      toolsJson,
      { name: 'format', value: 'F', help: 'table (default; coloured on a terminal unless NO_COLOR is set),\njson (an array, one object per tool), markdown (a table per server)' },
      { name: 'html', value: 'DIR', help: 'Write a static site: DIR/index.html (filters by server, category, risk)\nand one page per tool with the YAML to allow, deny, rate-limit, validate or hold it' },
      timeout,
    ],
    async run(args) {
      const { catalogCommand } = await import('./catalog.js');
      return catalogCommand(args);
    },
  },
  {
    name: 'test',
    summary: "Check the policy against cases: each call and the decision it must get",
    usage: ['toolgate test CASES.yaml [-c FILE] [--tools-json FILE]'],
    description:
      'Runs each case of CASES.yaml — `cases: [{ name?, server, tool, args?, agent?, groups?, session?,\n' +
      '  expect: allow|deny|hide|hold|invalid|rate_limited|over_budget, reason?: substring }]` — in order\n' +
      'against the compiled policy, offline, through the same decision the gateway makes (rate limits\n' +
      'count across the cases). Definitions come from --tools-json (for every server) or are listed once\n' +
      'from each live server. A failure shows the expected and the actual decision, its rule and reason;\n' +
      'any failure exits 1.',
    options: [config(), toolsJson],
    async run(args) {
      const { policyTestCommand } = await import('./policy-test.js');
      return policyTestCommand(args);
    },
  },
  {
    name: 'explain',
    summary: 'Why a tool gets its rule, and where each part comes from',
    usage: ["toolgate explain <server> <tool> [-c FILE] [--tools-json FILE] [--agent NAME [--group G ...]] [--args '{...}'] [--spend [-p PORT]] [--json]"],
    description:
      'Shows the rule that governs one tool and where each part of it comes from (a tool rule, a\n' +
      "category default, the server default), with the tool's category and risk and the reasons.\n" +
      'The definition is fetched from the live server, or read from --tools-json.\n' +
      "With --agent, the rule for that agent: its own or its groups' override when one governs.",
    options: [
      config(),
      toolsJson,
      { name: 'agent', value: 'NAME', help: "The rule for this agent (auth.agents name or OAuth agent id); its groups\nfrom auth.agents, plus any --group" },
      { name: 'group', value: 'G', multiple: true, help: 'A group the agent is in (repeatable; for OAuth agents, whose groups come with their tokens)' },
      json('The catalog entry as JSON (the fields of toolgate catalog --format json)'),
      { name: 'args', value: 'JSON', help: "The arguments of one call: also show what decides that exact call (a condition,\nvalidation, the limit) and the outcome" },
      { name: 'spend', help: "Also ask the running gateway (the config's listen address and admin token, or\nTOOLGATE_ADMIN_TOKEN) what the rule's budget has spent, per scope" },
      { name: 'port', short: 'p', value: 'PORT', help: "With --spend: the port toolgate serve listens on (default: the config's listen.port)" },
    ],
    async run(args) {
      const { explainCommand } = await import('./explain.js');
      return explainCommand(args);
    },
  },
  {
    name: 'init',
    summary: 'Write a starter policy for a live server',
    usage: [
      "toolgate init --server '<command line>' [--env KEY=VALUE ...] [-o FILE] [--id NAME] [--force]",
      "toolgate init --url URL [--header 'Name: value' ...] [-o FILE] [--id NAME] [--force]",
    ],
    description:
      'Connects to a live MCP server, lists its tools, and writes a starter policy: the server entry,\n' +
      '`defaults: recommended`, the tools grouped by category with their risk and why, and\n' +
      'commented-out example rules for the riskier tools.',
    options: [
      { name: 'server', value: 'CMD', help: "A stdio server's command line, quoted as one argument:\n--server \"npx -y @modelcontextprotocol/server-everything stdio\"" },
      { name: 'env', value: 'KEY=VALUE', multiple: true, help: 'Environment for the stdio server (repeatable); written to the config' },
      { name: 'url', value: 'URL', help: 'A Streamable HTTP server instead' },
      { name: 'header', value: "'N: V'", multiple: true, help: 'An HTTP header for the server (repeatable); written to the config' },
      { name: 'id', value: 'NAME', help: "The server id in the config (default: from the server's own name)" },
      { name: 'output', short: 'o', value: 'FILE', default: 'toolgate.yaml', help: 'Where to write (default ./toolgate.yaml); an existing file is kept' },
      { name: 'force', help: 'Overwrite an existing file' },
      { name: 'timeout', value: 'SECONDS', help: 'For connecting and listing (default 30)' },
    ],
    async run(args) {
      const { initCommand } = await import('./init.js');
      return initCommand(args);
    },
  },
  {
    name: 'pins',
    summary: 'Review tool definitions that changed, or tools added, since a server was first listed',
    usage: [
      'toolgate pins list   [-c FILE] [--server ID] [--json]',
      'toolgate pins diff   [<server> <tool>] [-c FILE]',
      'toolgate pins accept <server> <tool> [-c FILE] [--yes] [--as NAME]',
      'toolgate pins reject <server> <tool> [-c FILE] [--yes] [--as NAME]',
    ],
    description:
      "The gateway pins each tool's definition (name, title, description, schemas, annotations) the\n" +
      "first time it sees a server's whole tool list. A later definition that differs is a change,\n" +
      'and a tool the server starts listing afterwards is added: with `pinning: block` (the default)\n' +
      'either is withheld until you accept it here; with `warn` it is only logged. Rejecting keeps that\n' +
      'definition blocked and out of the review queue. A tool the server stops listing is marked\n' +
      'removed. Accepts and rejects are recorded in the audit trail.',
    options: [
      config('The config whose data_dir holds pins.sqlite (default ./toolgate.yaml)'),
      server('list: only this server'),
      json('list: JSON, one object per pinned tool'),
      { name: 'yes', short: 'y', help: 'accept, reject: do not ask; decide after showing the diff and findings (for scripts)' },
      { name: 'as', value: 'NAME', help: 'accept, reject: who decides, as the audit trail records it (default cli:<your login>)' },
    ],
    subcommands: [
      { name: 'list', summary: 'Every pinned tool with its status: ok, changed, added, rejected, removed', usage: ['toolgate pins list [-c FILE] [--server ID] [--json]'], options: ['config', 'server', 'json'] },
      { name: 'diff', summary: 'What changed (without arguments: every pending change and removed tool)', usage: ['toolgate pins diff [<server> <tool>] [-c FILE]'], options: ['config'] },
      { name: 'accept', summary: "Show the change and its poisoning findings, then pin the new definition if you say yes", usage: ['toolgate pins accept <server> <tool> [-c FILE] [--yes] [--as NAME]'], options: ['config', 'yes', 'as'] },
      { name: 'reject', summary: 'Show the change and its poisoning findings, then keep the new definition blocked if you say yes', usage: ['toolgate pins reject <server> <tool> [-c FILE] [--yes] [--as NAME]'], options: ['config', 'yes', 'as'] },
    ],
    async run(args) {
      const { pinsCommand } = await import('./pins.js');
      return pinsCommand(args);
    },
  },
  {
    name: 'approvals',
    summary: 'See and decide calls held for approval (serve or stdio), in data_dir',
    usage: [
      'toolgate approvals list    [-c FILE] [--all] [--json] [-p PORT]',
      'toolgate approvals approve <id> [-c FILE] [--for 30m] [--as NAME] [-p PORT]',
      'toolgate approvals deny    <id> --reason "..." [-c FILE] [--as NAME] [-p PORT]',
    ],
    description:
      "Decides in the config's data_dir (approvals.sqlite), which every toolgate process on the config\n" +
      'shares: the process holding the call — toolgate serve, or a toolgate stdio that a desktop\n' +
      'client launched — forwards it (or answers the refusal) within a second. No gateway needs to\n' +
      'listen on a port for this.',
    options: [
      config('The config whose data_dir holds the approvals (default ./toolgate.yaml)'),
      {
        name: 'port',
        short: 'p',
        value: 'PORT',
        help: 'Decide through the admin API of a toolgate serve on this port instead (its admin\ntoken from TOOLGATE_ADMIN_TOKEN, the config\'s admin.token, or <data_dir>/admin-token)',
      },
      { name: 'all', help: 'list: decided approvals too, not only pending ones' },
      json('list: one JSON object per approval'),
      { name: 'for', value: 'DURATION', help: "approve: this tool for the call's session for that long (e.g. 30m), not just once" },
      { name: 'as', value: 'NAME', help: 'Who decides, as the audit trail records it (default cli)' },
      { name: 'reason', value: 'TEXT', help: 'deny: why; the agent reads it' },
    ],
    subcommands: [
      { name: 'list', summary: 'Calls waiting for a decision', usage: ['toolgate approvals list [-c FILE] [--all] [--json] [-p PORT]'], options: ['config', 'port', 'all', 'json'] },
      {
        name: 'approve',
        summary: 'Let a held call through (once, or the tool for the session with --for)',
        usage: ['toolgate approvals approve <id> [-c FILE] [--for 30m] [--as NAME] [-p PORT]'],
        options: ['config', 'port', 'for', 'as'],
      },
      { name: 'deny', summary: 'Refuse a held call with a reason the agent reads', usage: ['toolgate approvals deny <id> --reason "..." [-c FILE] [--as NAME] [-p PORT]'], options: ['config', 'port', 'reason', 'as'] },
    ],
    async run(args) {
      const { approvalsCommand } = await import('./approvals.js');
      return approvalsCommand(args);
    },
  },
  {
    name: 'audit',
    summary: 'Show the audit trail (--json, --follow), or export it as JSON lines',
    usage: ['toolgate audit [-c FILE] [filters] [--limit N] [--json] [--follow]', 'toolgate audit export [-c FILE] [filters] > audit.jsonl'],
    description:
      'Shows the audit trail: one record per tool call, oldest first. Reads the audit file directly,\n' +
      'so it works while the gateway runs and where it does not; with audit.postgres, the fleet\'s\n' +
      'trail in PostgreSQL.\n' +
      'Filters: --server, --tool, --agent, --decision, --since.',
    options: [
      config('The config file whose audit trail to read (default ./toolgate.yaml)'),
      server('Server id; a glob (* any run of characters, ? one character)'),
      { name: 'tool', value: 'T', help: 'Tool name; a glob' },
      { name: 'agent', value: 'NAME', help: 'The agent that called (auth.agents name, OAuth agent claim, anonymous); a glob' },
      { name: 'decision', value: 'D', help: `${AUDIT_DECISIONS.slice(0, 6).join(', ')},\n${AUDIT_DECISIONS.slice(6).join(', ')}\n(several: --decision denied,rate_limited)` },
      { name: 'since', value: 'WHEN', help: 'Records from the last 30s, 15m, 1h, 7d ... or since a date (2026-05-01T09:00Z)' },
      { name: 'limit', value: 'N', help: 'The newest N records (default 50; export: all)' },
      json('JSON lines, one record a line, with the field names of docs/audit.md'),
      { name: 'follow', short: 'f', help: 'Keep printing new records as they arrive, from every instance of a fleet\n(none skipped when instances commit out of order; Ctrl-C stops)' },
    ],
    subcommands: [
      { name: 'export', summary: 'Every matching record as JSON lines', usage: ['toolgate audit export [-c FILE] [filters] [--limit N] > audit.jsonl'], options: ['config', 'server', 'tool', 'agent', 'decision', 'since', 'limit'] },
    ],
    subcommandOptional: true,
    async run(args) {
      const { auditCommand } = await import('./audit.js');
      return auditCommand(args);
    },
  },
];
