import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';

const POLL_MS = 500;

/**
 * Reloads the config file when it changes. Polling the file's stat survives editors that save by
 * replacing the file, which directory watchers miss. A broken file is refused with a log line
 * and the running config keeps serving.
 */
export function watchConfig(file: string, apply: (config: Config) => void, log: Logger, refused?: () => void): () => void {
  let reloading = Promise.resolve();
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs === previous.mtimeMs) return;
    reloading = reloading.then(async () => {
      try {
        apply(await loadConfig(file));
      } catch (error) {
        const problems = error instanceof ConfigError ? error.problems.map((p) => ConfigError.format([p])) : [(error as Error).message];
        log.error({ file, problems }, 'the changed config was refused; the previous config keeps serving');
        refused?.();
      }
    });
  };
  watchFile(file, { interval: POLL_MS, persistent: false }, onChange);
  return () => unwatchFile(file, onChange);
}
