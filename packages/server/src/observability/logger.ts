import { pino, type Logger } from "pino";

/** The gateway's structured logger; `traceId` fields follow a publication from the API to the sockets. */
export type { Logger };

/** Creates the root logger. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "tickwire" }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Writes one access line (HTTP request, connection opened or closed) at the configured `accessLogLevel`. */
export function access(logger: Logger, level: string, fields: Record<string, unknown>, message: string): void {
  if (level === "silent") return;
  const write = (logger as unknown as Record<string, ((obj: unknown, msg: string) => void) | undefined>)[level];
  write?.call(logger, fields, message);
}
