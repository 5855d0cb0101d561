import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { OPERATOR_KEY, readLedgerFile } from "../checkout/lifecycle-support.ts";
import { Receiver } from "../notifier/harness.ts";
import { quiet } from "../production/support.ts";
import {
  freePort,
  killHard,
  type ServiceProcess,
  startServiceProcess,
  stopService,
} from "../support/service-process.ts";
import { crashLoop } from "./killer.ts";
import { startMixedLoad } from "./load.ts";
import { CHAOS_ENV, chaosSettings, expectRunHeld, flakyReplies, pushesSettle } from "./run.ts";

// Crash loop on the embedded shape (issue 14 item 1, docs/guarantees.md X5): the whole service as one child process on one SQLite
// file, under the mixed load of every money command, killed with SIGKILL CHAOS_KILLS times at random
// moments over CHAOS_SECONDS and started again each time on the same data and port. Afterwards every
// invariant of test/chaos/checks.ts must hold. Short by default (inside `npm test`); `npm run test:chaos`
// runs it long.

const settings = chaosSettings({ kills: 3, seconds: 20 });

let dir: string | undefined;
let receiver: Receiver | undefined;
const running = new Map<string, ServiceProcess>();

afterEach(async () => {
  for (const p of running.values()) await killHard(p);
  running.clear();
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it(
  `keeps every acknowledged command exactly once across ${settings.kills} kill -9s under load`,
  async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-chaos-"));
    receiver = await new Receiver().replies(...flakyReplies(settings.seed)).listen();
    const port = await freePort();
    const env = { ...CHAOS_ENV, DATA_DIR: dir, PORT: String(port) };
    const start = () => startServiceProcess(env);
    running.set("service", await start());
    const url = `http://127.0.0.1:${port}`;
    await quiet(url);

    const load = startMixedLoad({
      url,
      seed: settings.seed,
      workers: 3,
      pushUrl: receiver.url,
      operatorKey: OPERATOR_KEY,
    });
    const kills = await crashLoop({ running, start }, settings);
    load.stop();
    const record = await load.done;
    await quiet(url);
    await pushesSettle(async () =>
      readLedgerFile(dir!, (db) =>
        Number(db.prepare("SELECT COUNT(*) AS n FROM notifier_deliveries WHERE status = 'pending'").get()?.n),
      ),
    );
    expect(await stopService(running.get("service")!)).toBe(0);
    running.clear();

    const verdict = await expectRunHeld({
      shape: "embedded",
      settings,
      kills,
      record,
      receiver,
      env,
      store: new SqliteEventStore({ path: join(dir, "ledger.db") }),
      readStore: new SqliteReadStore({ path: join(dir, "ledger.db") }),
    });
    expect(verdict.figures.acknowledged.init).toBeGreaterThan(0);
  },
  settings.timeoutMs,
);
