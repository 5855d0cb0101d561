import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./platform/config.ts";
import { createLogger } from "./platform/logger.ts";
import { ROLES, type Role, startService } from "./runtime/compose.ts";

// The listening process. Exit codes: 0 after a graceful shutdown, 1 on a fault, 2 on bad configuration.
function fail(message: string): never {
  process.stderr.write(`invalid configuration: ${message}\n`);
  process.exit(2);
}

function parseRole(argv: string[]): Role {
  let values: { role?: string | undefined };
  try {
    values = parseArgs({ args: argv, options: { role: { type: "string" } }, strict: true }).values;
  } catch (error) {
    fail(`arguments: ${error instanceof Error ? error.message : String(error)}`);
  }
  const role = ROLES.find((r) => r === (values.role ?? "all"));
  if (!role) fail(`--role: expected one of ${ROLES.join(", ")}, got ${JSON.stringify(values.role)}`);
  return role;
}

const role = parseRole(process.argv.slice(2));
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
if (role === "publisher" && config.KAFKA_BROKERS.length === 0)
  fail("KAFKA_BROKERS: required for --role publisher");

const logger = createLogger(config.LOG_LEVEL);
const service = await startService(config, logger, role).catch((error: unknown) => {
  logger.fatal({ err: error }, "could not start");
  process.exit(1);
});

let signalled = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, "shutting down");
    service.close().then(
      () => {
        logger.info("shutdown complete");
        process.exit(0);
      },
      (error: unknown) => {
        logger.fatal({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
