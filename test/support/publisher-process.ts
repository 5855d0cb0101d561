// A publisher in its own process, for tests that kill it: opens the SQLite event store and the read-store
// checkpoint in one file and starts the publisher.
//
//   node test/support/publisher-process.ts '<json: { dbPath, brokers, topicPrefix, clientId?, pageSize? }>'
//
// Prints one JSON line `{"msg":"started"}` on stdout once running and then a status line every 100 ms;
// logs go to stderr. SIGTERM stops it cleanly (exit 0).
import pino from "pino";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { ReadStorePublisherCheckpoint } from "../../services/publisher/checkpoint.ts";
import { startPublisher } from "../../services/publisher/publisher.ts";

interface Args {
  dbPath: string;
  brokers: string[];
  topicPrefix: string;
  clientId?: string;
  pageSize?: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const logger = pino({ level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
const store = new SqliteEventStore({ path: args.dbPath });
const readStore = new SqliteReadStore({ path: args.dbPath });
const publisher = await startPublisher({
  store,
  checkpoint: new ReadStorePublisherCheckpoint(readStore),
  brokers: args.brokers,
  logger,
  topicPrefix: args.topicPrefix,
  ...(args.clientId ? { clientId: args.clientId } : {}),
  ...(args.pageSize ? { pageSize: args.pageSize } : {}),
});
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
say({ msg: "started", pid: process.pid });
const ticker = setInterval(() => say({ msg: "status", ...publisher.status() }), 100);

process.once("SIGTERM", () => {
  clearInterval(ticker);
  void (async () => {
    await publisher.stop();
    await store.close();
    await readStore.close();
    process.exit(0);
  })();
});
