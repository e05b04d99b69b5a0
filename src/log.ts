import { pino, type Logger } from 'pino';

/** Structured logs, always to stderr: stdout may be an MCP stdio channel or a human banner. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'toolgate' } }, pino.destination({ fd: 2, sync: false }));
}
