// 0-click `POST /kredivo/checkout/init` (a user_token and its client_user_key, no hosted page: the token's risk
// rules, the buyer's credit-line hold and the checkout in one request) beside the 2-click init, both against
// the same forked service in the same run, then a check that every accepted init is in the event store.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { initExample } from "../contracts/checkout/init.ts";
import {
  CONNECTIONS,
  CPU_PROF_DIR,
  fromAutocannon,
  hammerInit,
  type InitAnswer,
  initiatedInStore,
  initResponses,
  measured,
  type Run,
  SANDBOX_SERVER_KEY,
  startServer,
  stopServer,
  WARMUP_S,
} from "./checkout-init.bench.ts";
import {
  type BenchContext,
  fmtMs,
  fmtNum,
  fmtRatio,
  printHeading,
  printTable,
  printTarget,
  type Target,
} from "./report.ts";
import type { BenchToken } from "./zero-click-tokens.ts";

const DURATION_S = Number(process.env.BENCH_INIT_DURATION_S ?? 10);
/** One buyer per connection: a merchant's 0-click load comes from many buyers, each with their own token. */
const TOKENS = CONNECTIONS;

/** Approved at once: status 1 with neither the hosted page (a 2-click fallback) nor the OTP challenge. */
const approvedZeroClick = (answer: InitAnswer) =>
  answer.checkout_url === undefined && answer.redirect_url === undefined;

/** autocannon posting 0-click inits, a unique order_id each, the tokens taken in turn. */
async function hammerZeroClick(
  url: string,
  durationS: number,
  tokens: readonly BenchToken[],
  accepted: Set<string>,
) {
  const responses = initResponses(accepted, approvedZeroClick);
  const runId = Date.now().toString(36);
  let sent = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: "POST",
        path: "/kredivo/checkout/init",
        headers: { "content-type": "application/json", accept: "application/json" },
        setupRequest: (request) => {
          const token = tokens[sent % tokens.length]!;
          const body = JSON.stringify({
            ...initExample,
            server_key: SANDBOX_SERVER_KEY,
            order_id: `ZERO-${runId}-${sent++}`,
            user_token: token.userToken,
            client_user_key: token.clientUserKey,
          });
          return { ...request, body };
        },
        onResponse: responses.onResponse,
      },
    ],
  });
  return fromAutocannon(result, responses.refused());
}

export async function zeroClickInitSection(ctx: BenchContext): Promise<void> {
  printHeading(`6b. Checkout init over HTTP: 0-click beside 2-click, ${CONNECTIONS} connections`);
  const dataDir = join(ctx.dir, "zero-click-init");
  mkdirSync(dataDir, { recursive: true });
  const setupStarted = performance.now();
  const service = await startServer("zero-click", dataDir, TOKENS);
  const setupS = (performance.now() - setupStarted) / 1000;
  const accepted = new Set<string>();
  let twoClick: Run;
  let zeroClick: Run;
  let oneToken: Run;
  try {
    await hammerInit(service.url, WARMUP_S, accepted);
    twoClick = await measured(service, () => hammerInit(service.url, DURATION_S, accepted));
    await hammerZeroClick(service.url, WARMUP_S, service.tokens, accepted);
    zeroClick = await measured(service, () =>
      hammerZeroClick(service.url, DURATION_S, service.tokens, accepted),
    );
    oneToken = await measured(service, () =>
      hammerZeroClick(service.url, DURATION_S, service.tokens.slice(0, 1), accepted),
    );
  } finally {
    // kill -9 (SIGTERM when profiling, so the profile is written): what was acknowledged is on disk.
    await stopServer(service, CPU_PROF_DIR ? "SIGTERM" : "SIGKILL");
  }
  const stored = initiatedInStore(dataDir);
  const missing = [...accepted].filter((id) => !stored.has(id)).length;

  const ratio = zeroClick.requestsPerSecond / twoClick.requestsPerSecond;
  const row = (init: string, run: Run) => [
    init,
    run.requestsPerSecond,
    fmtMs(run.p50Ms),
    fmtMs(run.p99Ms),
    run.non2xx + run.errors,
    run.refused,
    fmtNum(run.cpuPerRequestUs),
    `${run.load[0].toFixed(1)} → ${run.load[1].toFixed(1)}`,
    fmtRatio(run.requestsPerSecond / twoClick.requestsPerSecond),
  ];
  printTable({
    title: `${DURATION_S} s per run at full load (autocannon) after a ${WARMUP_S} s warm-up; one service process (startService's roles), 127.0.0.1.`,
    columns: [
      "checkout/init",
      "req/s",
      "p50 ms",
      "p99 ms",
      "failed",
      "refused",
      "server CPU µs/req",
      "load avg",
      "÷ 2-click",
    ],
    rows: [
      row("2-click (seed request)", twoClick),
      row(`0-click, ${service.tokens.length} tokens in turn`, zeroClick),
      row("0-click, 1 token", oneToken),
    ],
    notes: [
      `0-click: ${service.tokens.length} buyers tokenized before the runs (${fmtNum(setupS)} s, tokenizing checkout settled),`,
      "each with its own credit line; the seed's request with user_token, client_user_key and the token's device,",
      "risk rules set so none is broken (ZERO_CLICK_MAX_AMOUNT/MAX_CHECKOUTS 1e9): approved at once, hold placed.",
      "A 0-click init appends to three streams (the token's, the buyer's credit line, the checkout) where a",
      "2-click init appends to one; every init of one token (and of its buyer) goes to the same two streams,",
      "so a single token serialises on them (revision conflicts, retries) and each load folds a longer history.",
      "refused: anything but status 1 without checkout_url/redirect_url (a 2-click fallback or an OTP challenge).",
    ],
  });
  printTable({
    title:
      "Every accepted init durable: the service was killed with SIGKILL after the last run, then its file read.",
    columns: ["accepted (2-click and 0-click)", "Initiated in the store", "accepted but missing"],
    rows: [[accepted.size, stored.size, missing]],
  });

  ctx.figures.set("checkout.init.zeroClick.requestsPerSecond", zeroClick.requestsPerSecond);
  const targets: Target[] = [
    {
      name: "0-click checkout/init beside 2-click (same service, same run)",
      wanted: "reported",
      measured: `${fmtRatio(ratio)} (${fmtNum(zeroClick.requestsPerSecond)} vs ${fmtNum(twoClick.requestsPerSecond)} req/s; p99 ${fmtMs(zeroClick.p99Ms)} vs ${fmtMs(twoClick.p99Ms)} ms; CPU/req ${fmtNum(zeroClick.cpuPerRequestUs)} vs ${fmtNum(twoClick.cpuPerRequestUs)} µs)`,
      ok: zeroClick.refused + zeroClick.non2xx + zeroClick.errors === 0 && zeroClick.completed > 0,
    },
    {
      name: "every accepted 0-click/2-click init durable",
      wanted: "0 missing",
      measured: `${missing} missing of ${fmtNum(accepted.size)}`,
      ok: missing === 0 && accepted.size > 0,
    },
  ];
  for (const target of targets) {
    printTarget(target);
    ctx.targets.push(target);
  }
}
