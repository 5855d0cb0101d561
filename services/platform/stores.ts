import { join } from "node:path";
import { FilesystemBlobStore } from "./blobstore/filesystem-blob-store.ts";
import type { BlobStore } from "./blobstore/port.ts";
import { PostgresBlobStore } from "./blobstore/postgres-blob-store.ts";
import type { Config } from "./config.ts";
import type { AppendObserver } from "./eventstore/append-queue.ts";
import type { EventStore } from "./eventstore/port.ts";
import { PostgresEventStore } from "./eventstore/postgres-event-store.ts";
import { SqliteEventStore } from "./eventstore/sqlite-event-store.ts";
import type { ReadStore } from "./readstore/port.ts";
import { PostgresReadStore } from "./readstore/postgres-read-store.ts";
import { SqliteReadStore } from "./readstore/sqlite-read-store.ts";

/**
 * The event store chosen by EVENT_STORE; the embedded SQLite file is the default. `observer` watches group
 * commit (SQLite and PostgreSQL; EventStoreDB commits each append on its own).
 */
export async function openEventStore(config: Config, observer?: AppendObserver): Promise<EventStore> {
  switch (config.EVENT_STORE) {
    case "sqlite":
      return new SqliteEventStore({ path: config.eventStorePath, ...(observer ? { observer } : {}) });
    case "postgres":
      return PostgresEventStore.open({
        connectionString: config.DATABASE_URL!,
        schema: config.DATABASE_SCHEMA,
        ...(observer ? { observer } : {}),
      });
    case "esdb": {
      const { EsdbEventStore } = await import("./eventstore/esdb-event-store.ts");
      return EsdbEventStore.open({ connectionString: config.ESDB_URL! });
    }
  }
}

/** The read store chosen by READ_STORE; by default the same SQLite file as the log. */
export function openReadStore(config: Config): ReadStore {
  switch (config.READ_STORE) {
    case "sqlite":
      return new SqliteReadStore({ path: config.eventStorePath });
    case "postgres":
      return new PostgresReadStore({
        connectionString: config.DATABASE_URL!,
        schema: config.DATABASE_SCHEMA,
      });
  }
}

/** The blob store chosen by BLOB_STORE; by default files under DATA_DIR/blobs. */
export function openBlobStore(config: Config): BlobStore {
  switch (config.BLOB_STORE) {
    case "filesystem":
      return new FilesystemBlobStore({ directory: join(config.DATA_DIR, "blobs") });
    case "postgres":
      return new PostgresBlobStore({
        connectionString: config.DATABASE_URL!,
        schema: config.DATABASE_SCHEMA,
      });
  }
}

/** Which store a role could not reach, for the one-line start-up message. */
export function storeLabel(config: Config, kind: "event" | "read"): string {
  const engine = kind === "event" ? config.EVENT_STORE : config.READ_STORE;
  if (engine === "sqlite") return `SQLite at ${config.eventStorePath}`;
  // loadConfig refuses a store without its URL, as openEventStore and openReadStore rely on too.
  if (engine === "esdb") return `EventStoreDB at ${redact(config.ESDB_URL!)}`;
  return `PostgreSQL at ${redact(config.DATABASE_URL!)}`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@");
}
