/**
 * The one logging interface the adapters take (pino's logger fits it). Adapters report only what
 * an operator may need to act on; the composition root decides where it goes.
 */
export interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that drops everything, for adapters given none. */
export const silentLogger: Logger = { warn: () => undefined, error: () => undefined };
