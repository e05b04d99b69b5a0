import type { Logger } from 'pino';

/**
 * The last line of defence for a gateway process: a promise rejection nobody handled, or an
 * exception thrown from a callback, is logged loudly and the process keeps serving. Every known
 * failure (a store that is locked or full, an upstream that dies) is handled where it happens and
 * becomes a refusal; reaching this net is a bug, which the log says. Exiting instead would end
 * every session and every held call of the gateway for one request's fault.
 *
 * For `toolgate serve` and `toolgate stdio`; returns the function that removes the net.
 */
export function installSafetyNet(log: Logger): () => void {
  const onRejection = (reason: unknown) => {
    log.fatal({ err: reason }, 'BUG: unhandled promise rejection inside toolgate; it keeps serving (please report this with the log)');
  };
  const onException = (error: Error, origin: string) => {
    log.fatal({ err: error, origin }, 'BUG: uncaught exception inside toolgate; it keeps serving (please report this with the log)');
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
