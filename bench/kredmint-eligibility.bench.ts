// `POST /kredmint/user/eligibility` (Partner API, page profile) over loopback against the real service, next
// to a bare fastify hello-world measured in the same run: the banner a partner asks for on every page render.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import {
  CONNECTIONS,
  fromAutocannon,
  hammerHello,
  measured,
  type Run,
  startServer,
  stopServer,
  WARMUP_S,
} from "./checkout-init.bench.ts";
import { type BenchContext, fmtMs, fmtNum, fmtRatio, printHeading, printTable } from "./report.ts";

const DURATION_S = Number(process.env.BENCH_ELIGIBILITY_DURATION_S ?? 10);
/** The sandbox partner's default Basic credentials (SANDBOX_PARTNER_ID / _SECRET). */
const SANDBOX_BASIC = `Basic ${Buffer.from("sandbox-partner:sandbox-partner-secret-5e8a1c").toString("base64")}`;
/** The seed's first sample request; after the first call the user exists, so each call reads and signs. */
const SEED_REQUEST = JSON.stringify({ username: "9819413273", page: "profile", source: "MOS" });

async function hammerEligibility(url: string, durationS: number) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: "POST",
        path: "/kredmint/user/eligibility",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: SANDBOX_BASIC,
        },
        body: SEED_REQUEST,
      },
    ],
  });
  return fromAutocannon(result);
}

export async function kredmintEligibilitySection(ctx: BenchContext): Promise<void> {
  printHeading(`9. Partner API eligibility over HTTP: POST /kredmint/user/eligibility vs bare fastify`);
  const hello = await startServer("hello");
  let bare: Run;
  try {
    await hammerHello(hello.url, WARMUP_S);
    bare = await measured(hello, () => hammerHello(hello.url, DURATION_S));
  } finally {
    await stopServer(hello, "SIGTERM");
  }
  const dataDir = join(ctx.dir, "kredmint-eligibility");
  mkdirSync(dataDir, { recursive: true });
  const service = await startServer("checkout", dataDir);
  let banner: Run;
  try {
    await hammerEligibility(service.url, WARMUP_S);
    banner = await measured(service, () => hammerEligibility(service.url, DURATION_S));
  } finally {
    await stopServer(service, "SIGTERM");
  }
  const ratio = banner.requestsPerSecond / bare.requestsPerSecond;
  const row = (server: string, run: Run, vsBare: string) => [
    server,
    run.requestsPerSecond,
    fmtMs(run.p50Ms),
    fmtMs(run.p99Ms),
    run.non2xx + run.errors,
    fmtNum(run.cpuPerRequestUs),
    vsBare,
  ];
  printTable({
    title: `${DURATION_S} s per run after a ${WARMUP_S} s warm-up, ${CONNECTIONS} connections; each server in its own process, 127.0.0.1.`,
    columns: ["server", "req/s", "p50 ms", "p99 ms", "failed", "server CPU µs/req", "÷ bare"],
    rows: [
      row("bare fastify GET / → {hello}", bare, "100 %"),
      row("kredmint eligibility (startService)", banner, fmtRatio(ratio)),
    ],
    notes: [
      "eligibility: the seed's page-profile request for one known user with Basic auth: the partner's row,",
      "the user's stream, the credit line's amounts, a signed landingUrl; every role runs in the process;",
      "the partner's rate limit is raised for the run (KREDMINT_RATE_LIMIT_MAX). A figure, not a target.",
    ],
  });
  // A figure beside the ceiling, not a target: the issue sets none for the Partner API.
  ctx.figures.set("kredmint.eligibility.requestsPerSecond", banner.requestsPerSecond);
}
