// `POST /kredivo/checkout/init` over loopback against the real service, next to a bare fastify taking the
// same POST (JSON parsed, nothing stored) and a bare hello-world measured in the same run: throughput at full
// load, latency at half of it, and afterwards a
// check that every init the service accepted is in the event store.

import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import autocannon from "autocannon";
import { initExample } from "../contracts/checkout/init.ts";
import { SERVICE_NODE_FLAGS } from "../services/runtime/node-flags.ts";
import {
  type BenchContext,
  fmtMs,
  fmtNum,
  fmtRatio,
  percentile,
  printHeading,
  printTable,
  printTarget,
  type Target,
} from "./report.ts";
import type { BenchToken } from "./zero-click-tokens.ts";

export const CONNECTIONS = 10;
const DURATION_S = Number(process.env.BENCH_INIT_DURATION_S ?? 10);
export const WARMUP_S = 2;
export const SANDBOX_SERVER_KEY = "sandbox-server-key-9f2c4e1a7b3d";
/** Set to a directory to run the servers with --cpu-prof and keep their profiles there. */
export const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR;

// ------------------------------------------------------------------------------------------- servers

export interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  /** The 0-click tokens a `zero-click` server issued before listening. */
  readonly tokens: readonly BenchToken[];
}

/** `zero-click` issues `tokenCount` tokens (one buyer each) before it listens. */
export async function startServer(
  kind: "hello" | "echo" | "checkout" | "zero-click",
  dataDir?: string,
  tokenCount?: number,
): Promise<Server> {
  if (CPU_PROF_DIR) mkdirSync(CPU_PROF_DIR, { recursive: true });
  const child = fork(
    new URL("./checkout-init.server.ts", import.meta.url),
    [kind, ...(dataDir ? [dataDir] : []), ...(tokenCount ? [String(tokenCount)] : [])],
    {
      // The flags `npm start` runs the service with, for the bare reference servers as well.
      execArgv: [
        ...SERVICE_NODE_FLAGS,
        ...(CPU_PROF_DIR
          ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF_DIR}`, `--cpu-prof-name=${kind}.cpuprofile`]
          : []),
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`${kind} server exited with ${code} before listening`);
  });
  const [message] = (await Promise.race([once(child, "message"), exited])) as [
    { url: string; tokens?: BenchToken[] },
  ];
  exited.catch(() => {});
  return { url: message.url, child, tokens: message.tokens ?? [] };
}

/** CPU (user + system, µs) the server process has used so far. */
async function serverCpu(server: Server): Promise<number> {
  const answer = once(server.child, "message") as Promise<[{ cpu: { user: number; system: number } }]>;
  server.child.send("cpu");
  const [{ cpu }] = await answer;
  return cpu.user + cpu.system;
}

/** The server's process.memoryUsage(), bytes. */
export async function serverMemory(server: Server): Promise<NodeJS.MemoryUsage> {
  const answer = once(server.child, "message") as Promise<[NodeJS.MemoryUsage]>;
  server.child.send("memory");
  const [memory] = await answer;
  return memory;
}

/** SIGTERM (graceful, profiles written) or SIGKILL (nothing flushed on the way out). */
export async function stopServer(server: Server, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, "exit");
  server.child.kill(signal);
  await exited;
}

// ---------------------------------------------------------------------------------------------- load

export interface Run {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly completed: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Answers other than HTTP 200 with `status: 1` (init only). */
  readonly refused: number;
  /** Server CPU (user + system) per completed request, µs. */
  readonly cpuPerRequestUs: number;
  /** 1-minute load average at the start and the end of the run. */
  readonly load: readonly [number, number];
}

/** Runs `work` and adds the server's CPU per completed request and the machine's load around it. */
export async function measured(
  server: Server,
  work: () => Promise<Omit<Run, "cpuPerRequestUs" | "load">>,
): Promise<Run> {
  const loadBefore = loadavg()[0] ?? 0;
  const cpuBefore = await serverCpu(server);
  const run = await work();
  const cpu = (await serverCpu(server)) - cpuBefore;
  return { ...run, cpuPerRequestUs: cpu / Math.max(1, run.completed), load: [loadBefore, loadavg()[0] ?? 0] };
}

const initTemplate = (orderId: string) =>
  JSON.stringify({ ...initExample, server_key: SANDBOX_SERVER_KEY, order_id: orderId });

/** An init answer as far as the bench reads it. */
export type InitAnswer = { status?: unknown; transaction_id?: unknown; [field: string]: unknown };

/**
 * Records the transaction_id of every `status: 1` answer that `expected` accepts (by default any); counts
 * the rest.
 */
export function initResponses(accepted: Set<string>, expected: (answer: InitAnswer) => boolean = () => true) {
  let refused = 0;
  return {
    onResponse(status: number, body: string): void {
      let json: InitAnswer = {};
      try {
        json = status === 200 ? (JSON.parse(body) as InitAnswer) : {};
      } catch {
        // counted as refused
      }
      if (json.status === 1 && typeof json.transaction_id === "string" && expected(json)) {
        accepted.add(json.transaction_id);
      } else refused++;
    },
    refused: () => refused,
  };
}

export function fromAutocannon(
  result: autocannon.Result,
  refused = 0,
): Omit<Run, "cpuPerRequestUs" | "load"> {
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    completed: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    refused,
  };
}

/** Closed loop, `CONNECTIONS` keep-alive connections, as fast as the server answers. */
export async function hammerHello(url: string, durationS: number) {
  return fromAutocannon(await autocannon({ url, connections: CONNECTIONS, duration: durationS }));
}

/** Closed loop posting the seed's 2-click request, as hammerInit does, to the bare `echo` server. */
export async function hammerEcho(url: string, durationS: number) {
  return fromAutocannon(
    await autocannon({
      url,
      connections: CONNECTIONS,
      duration: durationS,
      idReplacement: true,
      requests: [{ ...INIT_REQUEST, body: initTemplate("BENCH-[<id>]") }],
    }),
  );
}

const INIT_REQUEST = {
  method: "POST",
  path: "/kredivo/checkout/init",
  headers: { "content-type": "application/json", accept: "application/json" },
} as const;

/**
 * autocannon posting the seed's 2-click request with a unique order_id each (`[<id>]` replaced per
 * request), as fast as the server answers or at `overallRate`.
 */
export async function hammerInit(
  url: string,
  durationS: number,
  accepted: Set<string>,
  overallRate?: number,
) {
  const responses = initResponses(accepted);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    idReplacement: true,
    ...(overallRate === undefined ? {} : { overallRate }),
    requests: [{ ...INIT_REQUEST, body: initTemplate("BENCH-[<id>]"), onResponse: responses.onResponse }],
  });
  return fromAutocannon(result, responses.refused());
}

/**
 * Open loop at a steady rate: request i is due at t0 + i/rate and goes out on one of `CONNECTIONS`
 * keep-alive sockets; its latency counts from when it was due, so time spent waiting for a free socket
 * behind a slow answer counts too (no coordinated omission). autocannon's overallRate cannot stand in:
 * each connection sends its quota for the second back to back and then idles (bursts at full load), and
 * its coordinated-omission correction takes 1/rate in seconds as the expected interval in milliseconds
 * (always 1 ms), adding a synthetic sample for every millisecond of every slow answer.
 */
export async function pacedInit(
  url: string,
  rate: number,
  durationS: number,
  accepted: Set<string>,
  /** Each answer's latency as it arrives (the soak's windows). */
  onLatency?: (ms: number) => void,
) {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const responses = initResponses(accepted);
  const total = Math.max(1, Math.floor(rate * durationS));
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const inFlight: Promise<void>[] = [];
  const runId = Date.now().toString(36);
  const send = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const body = initTemplate(`PACED-${runId}-${i}`);
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: "/kredivo/checkout/init",
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const latency = performance.now() - due;
            latencies.push(latency);
            onLatency?.(latency);
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) non2xx++;
            responses.onResponse(status, Buffer.concat(chunks).toString("utf8"));
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const t0 = performance.now() + 5;
  const dueAt = (i: number) => t0 + (i * 1000) / rate;
  let sent = 0;
  while (sent < total) {
    while (sent < total && dueAt(sent) <= performance.now()) {
      inFlight.push(send(sent, dueAt(sent)));
      sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt(sent) - performance.now())));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return {
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    completed: latencies.length,
    non2xx,
    errors,
    refused: responses.refused(),
  };
}

/** Transaction ids with an Initiated event in the (killed) service's SQLite file. */
export function initiatedInStore(dataDir: string): Set<string> {
  const db = new DatabaseSync(join(dataDir, "ledger.db"), { readOnly: true });
  try {
    const rows = db.prepare("SELECT stream_id FROM events WHERE type = 'Initiated'").all();
    return new Set(rows.map((r) => String(r.stream_id).slice("checkout-".length)));
  } finally {
    db.close();
  }
}

// ------------------------------------------------------------------------------------------- section

/** A bare reference server under full load for a warm-up and a measured run, then stopped. */
async function measuredReference(
  kind: "hello" | "echo",
  hammer: (url: string, durationS: number) => Promise<Omit<Run, "cpuPerRequestUs" | "load">>,
): Promise<Run> {
  const server = await startServer(kind);
  try {
    await hammer(server.url, WARMUP_S);
    return await measured(server, () => hammer(server.url, DURATION_S));
  } finally {
    await stopServer(server, "SIGTERM");
  }
}

export async function checkoutInitSection(ctx: BenchContext): Promise<void> {
  printHeading(
    `6. Checkout init over HTTP: POST /kredivo/checkout/init vs bare fastify, ${CONNECTIONS} connections`,
  );

  // The ceilings on this machine, in this run: bare fastify taking the same POST (its JSON parsed, nothing
  // stored), which the target is set against, and a JSON hello-world.
  const bare = await measuredReference("echo", hammerEcho);
  const hello = await measuredReference("hello", hammerHello);

  // The real service: full load, then half of what it sustained, twice (autocannon, then paced).
  const dataDir = join(ctx.dir, "checkout-init");
  mkdirSync(dataDir, { recursive: true });
  const service = await startServer("checkout", dataDir);
  const accepted = new Set<string>();
  let full: Run;
  let burst: Run;
  let steady: Run;
  let rate: number;
  try {
    await hammerInit(service.url, WARMUP_S, accepted);
    full = await measured(service, () => hammerInit(service.url, DURATION_S, accepted));
    rate = Math.max(1, Math.floor(full.requestsPerSecond / 2));
    burst = await measured(service, () => hammerInit(service.url, DURATION_S, accepted, rate));
    steady = await measured(service, () => pacedInit(service.url, rate, DURATION_S, accepted));
  } finally {
    // kill -9: what the service acknowledged must already be on disk.
    await stopServer(service, CPU_PROF_DIR ? "SIGTERM" : "SIGKILL");
  }
  const stored = initiatedInStore(dataDir);
  const missing = [...accepted].filter((id) => !stored.has(id)).length;

  const ratio = full.requestsPerSecond / bare.requestsPerSecond;
  const row = (server: string, load: string, run: Run, vsBare: string) => [
    server,
    load,
    run.requestsPerSecond,
    fmtMs(run.p50Ms),
    fmtMs(run.p99Ms),
    run.non2xx + run.errors,
    run.refused,
    fmtNum(run.cpuPerRequestUs),
    `${run.load[0].toFixed(1)} → ${run.load[1].toFixed(1)}`,
    vsBare,
  ];
  printTable({
    title: `${DURATION_S} s per run after a ${WARMUP_S} s warm-up; load generators in this process, each server in its own, 127.0.0.1.`,
    columns: [
      "server",
      "load",
      "req/s",
      "p50 ms",
      "p99 ms",
      "failed",
      "refused",
      "server CPU µs/req",
      "load avg",
      "÷ bare",
    ],
    rows: [
      row("bare fastify POST, same body, JSON parsed", "full (autocannon)", bare, "100 %"),
      row(
        "bare fastify GET / → {hello}",
        "full (autocannon)",
        hello,
        fmtRatio(hello.requestsPerSecond / bare.requestsPerSecond),
      ),
      row("checkout/init (startService)", "full (autocannon)", full, fmtRatio(ratio)),
      row("checkout/init (startService)", `${fmtNum(rate)}/s autocannon`, burst, "-"),
      row("checkout/init (startService)", `${fmtNum(rate)}/s paced`, steady, "-"),
    ],
    notes: [
      "init: the seed's 2-click request (5 items, 2 sellers), a unique order_id each; every role runs in the",
      "process (projections, credit-line reactor, notifier, timer sweep); LOG_LEVEL silent; SQLite synchronous=FULL.",
      "failed: non-2xx and socket errors; refused: answers other than HTTP 200 with status 1.",
      "server CPU µs/req: the server's own user+system CPU over the run ÷ answers (stable on a shared machine).",
      "autocannon at overallRate sends each second's quota per connection back to back (bursts) and its",
      "latency correction counts every slow ms again, so the half-load target is judged on the paced run:",
      "an open loop at a steady rate, latency measured from when each request was due.",
    ],
  });
  printTable({
    title:
      "Every accepted init durable: the service was killed with SIGKILL after the last run, then its file read.",
    columns: [
      "accepted (status 1)",
      "Initiated in the store",
      "accepted but missing",
      "stored, answer not seen",
    ],
    rows: [[accepted.size, stored.size, missing, stored.size - (accepted.size - missing)]],
    notes: [
      "answer not seen: requests cut off when an autocannon run's time was up, after the service had appended them.",
    ],
  });

  ctx.figures.set("bare.post.requestsPerSecond", bare.requestsPerSecond);
  ctx.figures.set("bare.hello.requestsPerSecond", hello.requestsPerSecond);
  ctx.figures.set("checkout.init.full.requestsPerSecond", full.requestsPerSecond);
  ctx.figures.set("checkout.init.half.p99Ms", steady.p99Ms);
  const targets: Target[] = [
    {
      name: "checkout/init throughput ÷ bare fastify taking the same POST",
      wanted: "≥ 40 %",
      measured: `${fmtRatio(ratio)} (${fmtNum(full.requestsPerSecond)} vs ${fmtNum(bare.requestsPerSecond)} req/s; CPU/req ${fmtNum(full.cpuPerRequestUs)} vs ${fmtNum(bare.cpuPerRequestUs)} µs)`,
      ok: ratio >= 0.4,
    },
    {
      name: `checkout/init p99 at half load (${fmtNum(rate)}/s, paced)`,
      wanted: "< 10 ms",
      measured: `${fmtMs(steady.p99Ms)} ms (autocannon overallRate: ${fmtMs(burst.p99Ms)} ms)`,
      ok: steady.p99Ms < 10,
    },
    {
      name: "every accepted init durable",
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
