// `npm run bench:soak` (issue 14 item 6): the real service (every role, one process, embedded store) held at
// half of the checkout/init load it sustains, faults off, for SOAK_SECONDS (or --seconds; 60 by default, the
// issue's 300 on a quiet machine). Prints p50/p99/p99.9 of each 10 s window and the server's RSS at its end,
// writes the plot to docs/soak.svg, and checks afterwards (kill -9, then the file read) that every accepted
// init is durable. Not a test: a figure on a loaded machine says little.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  hammerInit,
  initiatedInStore,
  pacedInit,
  serverMemory,
  startServer,
  stopServer,
  WARMUP_S,
} from "./checkout-init.bench.ts";
import { fmtMs, fmtNum, percentile, printTable } from "./report.ts";
import { type SoakWindow, soakSvg } from "./soak-plot.ts";

const WINDOW_S = 10;
/** How long the full-load run that sets the rate lasts. */
const PROBE_S = 5;
const MB = 1024 * 1024;
const PLOT = resolve(import.meta.dirname, "../docs/soak.svg");

const { values } = parseArgs({
  options: { seconds: { type: "string" }, rate: { type: "string" } },
});
const seconds = Number(values.seconds ?? process.env.SOAK_SECONDS ?? 60);
const fixedRate = values.rate ?? process.env.SOAK_RATE;
if (!Number.isInteger(seconds) || seconds < WINDOW_S) {
  throw new Error(
    `--seconds / SOAK_SECONDS: a whole number of seconds, at least ${WINDOW_S}; got ${seconds}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), "ledger-soak-"));
const service = await startServer("checkout", dir);
const accepted = new Set<string>();
const windows: SoakWindow[] = [];
let rate = 0;
try {
  await hammerInit(service.url, WARMUP_S, accepted);
  const sustained = fixedRate ? undefined : await hammerInit(service.url, PROBE_S, accepted);
  rate = fixedRate ? Number(fixedRate) : Math.max(1, Math.floor(sustained!.requestsPerSecond / 2));
  console.log(
    `soak: ${fixedRate ? `${rate}/s (fixed)` : `${rate}/s = half of ${fmtNum(sustained!.requestsPerSecond)}/s sustained over ${PROBE_S} s`}, ` +
      `for ${seconds} s, windows of ${WINDOW_S} s; load average ${loadavg()[0]?.toFixed(1)}`,
  );
  let current: number[] = [];
  const began = performance.now();
  const load = pacedInit(service.url, rate, seconds, accepted, (ms) => current.push(ms));
  for (let w = 1; w * WINDOW_S <= seconds; w++) {
    const due = began + w * WINDOW_S * 1000;
    // The last window waits for the load's stragglers: every answer counts in some window.
    const last = (w + 1) * WINDOW_S > seconds;
    if (last) await load;
    else await new Promise((done) => setTimeout(done, Math.max(0, due - performance.now())));
    const samples = current;
    current = [];
    const window: SoakWindow = {
      endS: last ? seconds : w * WINDOW_S,
      answers: samples.length,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      p999Ms: percentile(samples, 99.9),
      rssMb: (await serverMemory(service)).rss / MB,
    };
    windows.push(window);
    console.log(
      `  ${String(window.endS).padStart(4)} s  ${String(window.answers).padStart(6)} answers  p50 ${fmtMs(window.p50Ms)} ms` +
        `  p99 ${fmtMs(window.p99Ms)} ms  p99.9 ${fmtMs(window.p999Ms)} ms  RSS ${window.rssMb.toFixed(0)} MB`,
    );
  }
  const run = await load;
  printTable({
    title: `Soak: checkout/init at ${rate}/s (paced, 10 connections) for ${seconds} s, faults off`,
    columns: ["answers", "failed", "refused", "p50 ms", "p99 ms", "p99.9 ms", "RSS first → last MB"],
    rows: [
      [
        run.completed,
        run.non2xx + run.errors,
        run.refused,
        fmtMs(run.p50Ms),
        fmtMs(run.p99Ms),
        fmtMs(Math.max(...windows.map((w) => w.p999Ms))),
        `${windows[0]?.rssMb.toFixed(0)} → ${windows.at(-1)?.rssMb.toFixed(0)}`,
      ],
    ],
    notes: ["p99.9: the worst window's; latency counted from when each request was due (open loop)."],
  });
} finally {
  await stopServer(service, "SIGKILL");
}
const stored = initiatedInStore(dir);
const missing = [...accepted].filter((id) => !stored.has(id)).length;
console.log(`durability after kill -9: ${accepted.size} inits accepted, ${missing} missing from the store`);
rmSync(dir, { recursive: true, force: true });
writeFileSync(
  PLOT,
  soakSvg(
    windows,
    `Soak: checkout/init at ${rate}/s for ${seconds} s (${new Date().toISOString().slice(0, 10)}, load avg ${loadavg()[0]?.toFixed(1)})`,
  ),
);
console.log(`plot: ${PLOT}`);
if (missing > 0) process.exitCode = 1;
