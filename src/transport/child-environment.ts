/**
 * The environment a stdio server starts with, before its configured `env`: only the variables a
 * program needs to run as this user, never the gateway's own (API keys, database URLs, tokens).
 * The same list and rule as the MCP SDK's `getDefaultEnvironment`, kept here so that a gateway
 * starting stdio servers does not load the SDK (its zod schemas alone are megabytes of heap).
 */
const INHERITED = process.platform === 'win32'
  ? ['APPDATA', 'COMSPEC', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PATHEXT', 'PROCESSOR_ARCHITECTURE', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'PROGRAMW6432', 'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'USERNAME', 'USERPROFILE', 'WINDIR']
  : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

export function inheritedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    // A value starting with "()" is an exported shell function (the Shellshock vector): never passed on.
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  return env;
}
