// Structured logs. One root logger per process; each call gets a child carrying callSid and streamSid,
// so every line a call writes can be found by either.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    level: 'info',
    base: { service: 'phone-agent' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** A logger that writes nothing: for library code used without a server (tests, the CLI caller). */
export const silentLogger: Logger = pino({ level: 'silent' });
