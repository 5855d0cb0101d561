import type { Logger } from "pino";
import { buildApp } from "./gateway/app.ts";
import { readiness } from "./gateway/readiness.ts";
import type { Config } from "./platform/config.ts";
import { SqliteEventStore } from "./platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "./platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "./projector/projection-runner.ts";
import { projections } from "./projector/projections/index.ts";

export interface RunningService {
  readonly url: string;
  /** Graceful: stop accepting, drain in-flight requests, flush projection checkpoints, close the store. */
  close(): Promise<void>;
}

/** Composes the embedded default: every role in one process over one SQLite file. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const store = new SqliteEventStore({ path: config.eventStorePath });
  const readStore = new SqliteReadStore({ path: config.eventStorePath });
  const runner = new ProjectionRunner({ store, readStore, projections, logger });
  await runner.start();
  const app = await buildApp({ logger, readiness: readiness(store, readStore, config.READY_MAX_LAG) });
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info({ url, dataDir: config.DATA_DIR }, "listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await withTimeout(app.close(), config.SHUTDOWN_TIMEOUT_MS, () =>
          logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "in-flight requests did not drain in time"),
        );
        await runner.stop();
        await store.close();
        await readStore.close();
      })();
      return closing;
    },
  };
}

async function withTimeout(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}
