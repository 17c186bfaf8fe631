/**
 * The broker's structured log: pino JSON lines on stderr (stdout belongs to command output), rendered
 * human-readable by pino-pretty in the same thread when stderr is a terminal. The level comes from
 * `gregor.log.level` (GREGOR_LOG_LEVEL); modules take child loggers named by component. Writes are synchronous:
 * the broker logs events, never per request, and a synchronous stderr loses nothing when the process exits.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  readonly level?: string;
  /** Human-readable output; defaults to whether stderr is a terminal. */
  readonly pretty?: boolean;
  /** Where JSON lines go; defaults to stderr (file descriptor 2). */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new RangeError(`log level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  const base = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (options.pretty ?? (options.destination === undefined && process.stderr.isTTY)) {
    return pino(base, pretty({ destination: options.destination ?? 2, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(base, options.destination ?? pino.destination({ dest: 2, sync: true }));
}
