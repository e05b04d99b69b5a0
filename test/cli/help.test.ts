import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from '../../src/cli/commands.js';
import { childEnv } from '../helpers/processes.js';
import { CLI, RECORDING_SERVER, REPO_ROOT, tempDir } from '../helpers/harness.js';
import { startFixture } from '../protocol/helpers.js';

function toolgate(args: string[], nodeOptions: string[] = []) {
  const result = spawnSync(process.execPath, [...nodeOptions, CLI, ...args], { encoding: 'utf8', env: childEnv(), timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The toolgate modules and packages a run of the CLI loads, relative to the repository: ES modules
 * as a loader hook sees them, and CommonJS ones (a package loaded with require) from the
 * require cache when the process exits. Both append to a file with a synchronous write: the hook
 * runs on a loader thread whose stderr reaches the process's own asynchronously, so a line
 * written there can still be in flight when the process exits.
 */
function loadedModules(args: string[], run = (nodeOptions: string[]) => toolgate(args, nodeOptions)): string[] {
  const dir = tempDir();
  const log = join(dir, 'loaded.log');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      `export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      "import { createRequire, register } from 'node:module';",
      "import { pathToFileURL } from 'node:url';",
      `register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
      'const cache = createRequire(import.meta.url).cache;',
      `process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(cache).map((file) => pathToFileURL(file).href + '\\n').join('')));`,
      '',
    ].join('\n'),
  );
  const result = run(['--import', pathToFileURL(join(dir, 'register.mjs')).href]);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  const roots = [pathToFileURL(REPO_ROOT).href, pathToFileURL(realpathSync(REPO_ROOT)).href];
  const relative = (url: string) => roots.reduce((u, root) => (u.startsWith(root) ? u.slice(root.length) : u), url);
  return [...new Set(readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('file:')).map(relative))];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('toolgate --help, per command', () => {
  test('the global help lists every command with its summary', () => {
    const help = toolgate(['--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const command of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${command.name} +${escape(command.summary)}$`, 'm'));
    assert.match(help.stdout, /toolgate <command> --help/);
  });

  for (const command of COMMANDS) {
    test(`toolgate ${command.name} --help prints its own usage and options`, () => {
      for (const args of [[command.name, '--help'], [command.name, '-h'], ['help', command.name]]) {
        const result = toolgate(args);
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stderr, '');
        assert.match(result.stdout, new RegExp(`^Usage:\\n  toolgate ${command.name}\\b`), args.join(' '));
        for (const option of command.options) assert.match(result.stdout, new RegExp(`--${option.name}\\b`), `${args.join(' ')} documents --${option.name}`);
        assert.doesNotMatch(result.stdout, /^Commands:/m, 'not the global help');
      }
    });

    for (const sub of command.subcommands ?? []) {
      test(`toolgate ${command.name} ${sub.name} --help prints the subcommand's usage and only its options`, () => {
        const result = toolgate([command.name, sub.name, '--help']);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`^Usage:\\n  toolgate ${command.name} ${sub.name}\\b`));
        for (const option of command.options) {
          const documented = new RegExp(`--${option.name}\\b.*\\n`).test(result.stdout.slice(result.stdout.indexOf('Options:')));
          assert.equal(documented, sub.options.includes(option.name), `--${option.name} in ${command.name} ${sub.name} --help`);
        }
      });
    }

    test(`toolgate ${command.name} with an unknown option names it and the command's --help`, () => {
      const sub = command.subcommandOptional ? undefined : command.subcommands?.[0];
      const label = sub ? `${command.name} ${sub.name}` : command.name;
      const result = toolgate([...label.split(' '), '--no-such-option']);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, `toolgate ${label}: unknown option --no-such-option (see toolgate ${label} --help)\n`);
    });
  }

  test('an unknown command lists every command, approvals and audit included', () => {
    const result = toolgate(['frobnicate']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `toolgate: unknown command "frobnicate"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see toolgate --help)\n`);
    for (const name of ['serve', 'stdio', 'validate', 'schema', 'demo', 'catalog', 'explain', 'init', 'pins', 'approvals', 'audit']) assert.match(result.stderr, new RegExp(`\\b${name}\\b`));
  });

  test('usage mistakes name what is wrong: a missing subcommand, one that does not exist, an option the subcommand does not take, a missing value', () => {
    const cases: Array<[string[], string]> = [
      [['approvals'], 'toolgate approvals needs a subcommand: list, approve or deny (see toolgate approvals --help)'],
      [['pins', 'forget'], 'toolgate pins has no subcommand "forget"; use list, diff, accept or reject (see toolgate pins --help)'],
      [['approvals', 'list', '--reason', 'x'], 'toolgate approvals list does not take --reason (see toolgate approvals list --help)'],
      [['validate', '-c'], 'toolgate validate: -c needs a value: -c FILE (see toolgate validate --help)'],
      [['audit', '--json=yes'], 'toolgate audit: --json takes no value (see toolgate audit --help)'],
      [['serve', '-p', '80x'], 'toolgate serve: --port takes a whole number from 0 to 65535, not "80x"'],
    ];
    for (const [args, message] of cases) {
      const result = toolgate(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stderr, `${message}\n`);
    }
  });

  test('options before the command are handed to it: toolgate -c FILE validate', () => {
    const dir = tempDir();
    const file = join(dir, 'toolgate.yaml');
    writeFileSync(file, 'servers:\n  app: { command: node }\n');
    const result = toolgate(['-c', file, 'validate']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /OK — 1 server\(s\) \(app\)/);
  });

  test("a command's module is loaded only when it runs: --version loads only the version, --help no command", () => {
    const ownModules = (args: string[]) => loadedModules(args).filter((m) => m.includes('node_modules/') || m.startsWith('dist/'));
    assert.deepEqual(ownModules(['--version']).sort(), ['dist/src/cli/main.js', 'dist/src/cli/version.js']);
    for (const args of [['--help'], ['approvals', 'approve', '--help'], ['serve', '--help']]) {
      const modules = loadedModules(args);
      assert.ok(modules.includes('dist/src/cli/commands.js'), `${args.join(' ')} loads the registry`);
      const commandModules = modules.filter((m) => m.includes('node_modules/') || (m.startsWith('dist/src/cli/') && !['main', 'commands', 'command', 'version'].some((n) => m === `dist/src/cli/${n}.js`)));
      assert.deepEqual(commandModules, [], `${args.join(' ')} loads no command module and no package`);
    }
    assert.ok(loadedModules(['schema']).includes('dist/src/cli/schema.js'), 'the hook sees the modules a command loads');
  });

  test('heavy libraries load only when used: validate and an offline catalog load no MCP SDK, OpenTelemetry, pg or redis', () => {
    const dir = tempDir();
    const config = join(dir, 'toolgate.yaml');
    writeFileSync(config, "servers:\n  app: { command: node }\npolicies:\n  app:\n    tools:\n      write:\n        conditions: [{ if: 'args.path != \"\"', action: deny }]\n");
    const tools = join(dir, 'tools.json');
    writeFileSync(tools, JSON.stringify({ tools: [{ name: 'write', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } }] }));
    const heavy = /node_modules\/(@modelcontextprotocol|@opentelemetry|pg|redis|jose|prom-client)\//;
    for (const args of [['validate', '-c', config], ['validate', '-c', config, '--tools-json', tools, '--server', 'app'], ['catalog', '-c', config, '--tools-json', tools, '--server', 'app'], ['schema']]) {
      const modules = loadedModules(args);
      assert.ok(modules.some((m) => m.includes('node_modules/yaml/')) || args[0] === 'schema', `${args.join(' ')}: the hook sees packages`);
      assert.deepEqual(modules.filter((m) => heavy.test(m)), [], `${args.join(' ')} loads none of them`);
    }
  });

  test('toolgate serve lists its servers at start-up (stdio, and HTTP of MCP 2026-07-28 only) without loading the MCP SDK', async () => {
    const dir = tempDir();
    const modernOnly = await startFixture(dir, '--modern-only', 'modern-only');
    try {
      const stdioRecord = join(dir, 'stdio.jsonl');
      const config = join(dir, 'toolgate.yaml');
      writeFileSync(
        config,
        [
          'servers:',
          `  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(stdioRecord)} } }`,
          `  next: { url: ${JSON.stringify(modernOnly.url)} }`,
          '',
        ].join('\n'),
      );
      // serve until both servers have been asked for their tools (the listing is done then but for closing), then SIGTERM.
      const steps = `const { existsSync, readFileSync } = await import('node:fs');
        const { serveCommand } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'cli', 'serve.js')).href)});
        const served = serveCommand(${JSON.stringify(config)}, { port: 0 });
        const listed = (file) => existsSync(file) && readFileSync(file, 'utf8').includes('"method":"tools/list"');
        while (!listed(${JSON.stringify(stdioRecord)}) || !listed(${JSON.stringify(modernOnly.recordFile)})) await new Promise((resolve) => setTimeout(resolve, 50));
        process.kill(process.pid, 'SIGTERM');
        process.exitCode = await served;`;
      const run = (nodeOptions: string[]) => {
        const result = spawnSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', steps], { encoding: 'utf8', env: childEnv(), timeout: 30_000 });
        return { code: result.status, stdout: result.stdout, stderr: result.stderr };
      };
      const modules = loadedModules(['serve'], run);
      assert.ok(modules.includes('dist/src/catalog/node/list-tools.js'), 'the hook saw the lister');
      assert.deepEqual(modules.filter((m) => m.includes('node_modules/@modelcontextprotocol/')), []);
    } finally {
      await modernOnly.process.stop();
    }
  });

  test('the gateway loads neither jose (auth.oauth) nor diff until a definition changes', () => {
    const script = (steps: string) => (nodeOptions: string[]) => {
      const result = spawnSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', steps], { encoding: 'utf8', env: childEnv(), timeout: 30_000 });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const dist = (path: string) => JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'src', path)).href);
    const packages = (modules: string[]) => ['jose', 'diff'].filter((name) => modules.some((m) => m.includes(`node_modules/${name}/`)));
    const firstSight = `await import(${dist('cli/serve.js')});
      const { MemoryPinStore } = await import(${dist('catalog/node/memory-pin-store.js')});
      const pins = new MemoryPinStore({ now: Date.now });
      await pins.check('app', { name: 'write', description: 'Writes a file' });`;
    assert.deepEqual(packages(loadedModules(['serve'], script(firstSight))), [], 'serve and a first pin load neither');
    const changed = `${firstSight}
      const check = await pins.check('app', { name: 'write', description: 'Writes any file' });
      if (check.status !== 'changed') throw new Error(check.status);`;
    assert.deepEqual(packages(loadedModules(['serve'], script(changed))), ['diff'], 'a changed definition loads diff');
  });
});
