import { resolve } from "node:path";
import { z } from "zod";

/** Every variable the service reads, validated once at start (README "Configuration"). */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Projections further behind the log head than this many positions make /readyz answer 503. */
  READY_MAX_LAG: z.coerce.number().int().min(0).default(10_000),
  /** How long a graceful shutdown waits for in-flight requests before closing anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
});

export type Config = z.infer<typeof configSchema> & { readonly eventStorePath: string };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; a bad variable is reported by name in one line. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return { ...parsed.data, eventStorePath: resolve(parsed.data.DATA_DIR, "ledger.db") };
}
