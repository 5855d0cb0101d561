import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SingleBar } from "cli-progress";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import pg from "pg";
import { type AuditAt, parseAuditAt, streamAsOf } from "../finance/audit/as-of.ts";
import { type Config, ConfigError, loadConfig } from "../platform/config.ts";
import { type ChainHead, verifyChain } from "../platform/eventstore/chain.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { chainPages } from "../platform/eventstore/stream-events.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { PostgresReadStore } from "../platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../platform/readstore/sqlite-read-store.ts";
import { configuredKeyring } from "../platform/secrets/keyring.ts";
import { readStoreSecrets } from "../platform/secrets/read-store-secrets.ts";
import { openEventStore, openReadStore } from "../platform/stores.ts";
import { firstDifference, liveCheckpoints, ReadModelMissing, replay } from "../projector/replay.ts";
import { projections } from "./projections.ts";

// `npm run ledger -- <command>` (README "Audit"): the auditor's tools over the configured stores
// (EVENT_STORE / READ_STORE / DATABASE_URL, the embedded SQLite file by default). Exit codes: 0 success,
// 1 a check failed (chain broken, read models differ, stream unknown), 2 bad arguments or configuration.

const FAILED = 1;
const USAGE = 2;

class CheckFailed extends Error {}

function atOption(text: string): AuditAt {
  const at = parseAuditAt(text);
  if (!at)
    throw new InvalidArgumentError("expected a log position (decimal) or an ISO 8601 time with offset");
  return at;
}

function headOption(text: string): ChainHead {
  const match = /^(0|[1-9][0-9]*):([0-9a-f]{64})$/.exec(text);
  if (!match)
    throw new InvalidArgumentError("expected <position>:<64 hex hash>, as GET /v1/audit/chain answers");
  return { position: match[1]!, hash: match[2]! };
}

/** A fresh read store for a rebuild: a new SQLite file, or a new PostgreSQL schema beside the live one. */
interface FreshStore {
  readonly readStore: ReadStore;
  readonly where: string;
  /** Removes it (verify's scratch store); replay leaves its store for inspection. */
  discard(): Promise<void>;
}

function freshReadStore(config: Config, into: string | undefined): FreshStore {
  const stamp = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  if (config.READ_STORE === "sqlite") {
    const path = into ? resolve(into) : join(mkdtempSync(join(tmpdir(), "ledger-replay-")), "read-models.db");
    return {
      readStore: new SqliteReadStore({ path, bulkLoad: true }),
      where: `SQLite at ${path}`,
      discard: async () => rmSync(into ? path : join(path, ".."), { recursive: true, force: true }),
    };
  }
  const schema = into ?? `${config.DATABASE_SCHEMA}_replay_${stamp}`.slice(0, 63);
  const connectionString = config.DATABASE_URL!;
  return {
    readStore: new PostgresReadStore({ connectionString, schema }),
    where: `PostgreSQL schema ${schema}`,
    async discard() {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

function progressBar(label: string): SingleBar {
  return new SingleBar({
    format: `${label} |{bar}| {value}/{total} events | {rate} events/s | ETA {eta_formatted}`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    etaBuffer: 50,
    hideCursor: true,
  });
}

/** Rebuilds every read model into `fresh`, drawing the progress bar. */
async function rebuild(
  store: EventStore,
  fresh: ReadStore,
  upTo?: ReadonlyMap<string, bigint>,
): Promise<{ events: number; position: string; seconds: number }> {
  const bar = progressBar("replay");
  const started = performance.now();
  let begun = false;
  const replayed = await replay({
    store,
    into: fresh,
    projections,
    ...(upTo ? { upTo } : {}),
    onProgress(done, total) {
      const rate = Math.round(done / Math.max((performance.now() - started) / 1000, 1e-3));
      if (!begun) {
        bar.start(Math.max(total, 1), 0, { rate: 0 });
        begun = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { rate });
    },
  });
  bar.stop();
  return { ...replayed, seconds: (performance.now() - started) / 1000 };
}

async function withStores<T>(
  config: Config,
  work: (store: EventStore, live: () => ReadStore) => Promise<T>,
): Promise<T> {
  const store = await openEventStore(config);
  let live: ReadStore | undefined;
  try {
    return await work(store, () => {
      live ??= openReadStore(config);
      return live;
    });
  } finally {
    await live?.close();
    await store.close();
  }
}

const print = (line: string) => process.stdout.write(`${line}\n`);

export function ledgerProgram(config: () => Config): Command {
  const program = new Command("ledger")
    .description(
      "Audit the ledger: verify the hash chain, replay and verify read models, see a stream as of a moment",
    )
    .exitOverride()
    .showHelpAfterError();

  program
    .command("verify")
    .description(
      "Rebuild every read model from position 0 into a scratch store and compare it with the live read models, " +
        "table by table; with --chain, walk the log's hash chain instead",
    )
    .option("--chain", "verify the tamper-evident hash chain (docs/audit.md) instead of the read models")
    .option(
      "--head <position:hash>",
      "with --chain: also require this recorded head to still hold",
      headOption,
    )
    .action(async (options: { chain?: boolean; head?: ChainHead }) => {
      if (options.head && !options.chain) throw new InvalidArgumentError("--head needs --chain");
      await withStores(config(), async (store, live) => {
        if (options.chain) await verifyChainCommand(store, options.head);
        else await verifyReadModels(store, live(), config());
      });
    });

  program
    .command("replay")
    .description(
      "Rebuild every read model and the journal from position 0 into a fresh read store (a new SQLite file, " +
        "or a new PostgreSQL schema), with a progress bar",
    )
    .option("--into <path|schema>", "where to build: a SQLite file path (READ_STORE=sqlite) or a schema name")
    .action(async (options: { into?: string }) => {
      await withStores(config(), async (store) => {
        const fresh = freshReadStore(config(), options.into);
        try {
          const done = await rebuild(store, fresh.readStore);
          print(
            `replayed ${done.events} events up to position ${done.position} in ${done.seconds.toFixed(1)} s ` +
              `(${Math.round(done.events / Math.max(done.seconds, 1e-3))} events/s) into ${fresh.where}`,
          );
        } finally {
          await fresh.readStore.close();
        }
      });
    });

  const audit = program.command("audit").description("Point-in-time audit");
  audit
    .command("stream")
    .description(
      "A stream's state as of a log position or an effective time, and the events that led there (JSON)",
    )
    .argument("<id>", "stream id, e.g. checkout-<transaction id>")
    .requiredOption("--at <position|time>", "a log position (decimal) or an ISO 8601 time", atOption)
    .action(async (id: string, options: { at: AuditAt }) => {
      await withStores(config(), async (store) => {
        const asOf = await streamAsOf(store, id, options.at);
        if (!asOf) throw new CheckFailed(`stream ${id} does not exist`);
        print(JSON.stringify(asOf, null, 2));
      });
    });

  program
    .command("secrets")
    .description('The secret store (README "Secrets")')
    .command("rotate")
    .description(
      "Re-seal every secret sealed with a key in SECRET_STORE_OLD_KEYS under SECRET_STORE_KEY; afterwards the " +
        "old keys can be dropped from the configuration",
    )
    .action(async () => {
      await withStores(config(), async (_store, live) => {
        const moved = await readStoreSecrets(live(), configuredKeyring(config())).rotate();
        print(`re-sealed ${moved} secrets with key ${configuredKeyring(config()).current.id}`);
      });
    });

  return program;
}

async function verifyChainCommand(store: EventStore, recorded: ChainHead | undefined): Promise<void> {
  const total = Number(await store.headPosition());
  const bar = progressBar("verify --chain");
  bar.start(Math.max(total, 1), 0, { rate: 0 });
  const started = performance.now();
  const verdict = await verifyChain(chainPages(store), undefined, (events) =>
    bar.update(events, { rate: Math.round(events / Math.max((performance.now() - started) / 1000, 1e-3)) }),
  );
  bar.stop();
  if (!verdict.ok) {
    throw new CheckFailed(
      `chain broken at position ${verdict.broken.position}: ${verdict.broken.reason} (${verdict.events} events before it verified)`,
    );
  }
  if (recorded) {
    const [link] = await store.readChain({ after: (BigInt(recorded.position) - 1n).toString(), maxCount: 1 });
    const holds =
      recorded.position === "0" || (link?.position === recorded.position && link.hash === recorded.hash);
    if (!holds) {
      throw new CheckFailed(
        `the recorded head ${recorded.position}:${recorded.hash} no longer holds: the log up to it was changed or cut`,
      );
    }
  }
  print(
    `chain intact: ${verdict.events} events, head position ${verdict.head.position} hash ${verdict.head.hash}`,
  );
}

async function verifyReadModels(store: EventStore, live: ReadStore, config: Config): Promise<void> {
  const upTo = await liveCheckpoints(live, projections);
  const fresh = freshReadStore(config, undefined);
  try {
    await rebuild(store, fresh.readStore, upTo);
    const difference = await firstDifference(live, fresh.readStore, projections);
    if (difference) {
      throw new CheckFailed(
        `read model ${difference.projection}, table ${difference.table} differs from its rebuild: ${difference.detail}`,
      );
    }
    const after = await liveCheckpoints(live, projections);
    const moved = projections.find((p) => after.get(p.name) !== upTo.get(p.name));
    if (moved) {
      throw new CheckFailed(`projection ${moved.name} moved on while being compared; run verify again`);
    }
    print(`read models verified: ${projections.length} projections equal their rebuild from the log`);
  } finally {
    await fresh.readStore.close();
    await fresh.discard();
  }
}

/** Runs the program; resolves with the exit code. */
export async function runLedger(argv: readonly string[]): Promise<number> {
  let loaded: Config | undefined;
  const config = () => {
    loaded ??= loadConfig(process.env);
    return loaded;
  };
  try {
    await ledgerProgram(config).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE;
    if (error instanceof InvalidArgumentError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return USAGE;
    }
    if (error instanceof CheckFailed || error instanceof ReadModelMissing) {
      process.stderr.write(`${error.message}\n`);
      return FAILED;
    }
    process.stderr.write(`ledger: ${error instanceof Error ? error.message : String(error)}\n`);
    return FAILED;
  }
}

if (import.meta.main) process.exit(await runLedger(process.argv.slice(2)));
