import pino, { type Logger } from "pino";

/** JSON logs (pino) with the service name; request and correlation ids are bound per request. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "bnpl-ledger" }, timestamp: pino.stdTimeFunctions.isoTime });
}
