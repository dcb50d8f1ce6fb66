import { pino, type Logger } from "pino";

/** The gateway's structured logger; `traceId` fields follow a publication from the API to the sockets. */
export type { Logger };

/** Creates the root logger. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "tickwire" }, timestamp: pino.stdTimeFunctions.isoTime });
}
