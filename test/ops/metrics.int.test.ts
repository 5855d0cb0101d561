import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutReactions } from "../../services/checkout/index.ts";
import { kredmintReactions } from "../../services/kredmint/index.ts";
import { projections } from "../../services/runtime/projections.ts";
import { approveAsSandboxBuyer, PUBLIC_BASE_URL, testConfig } from "../checkout/harness.ts";
import { Receiver } from "../notifier/harness.ts";
import { initRequest, nextOrder } from "../support/checkout-requests.ts";
import { quietHead, testEvent } from "../support/events.ts";
import { eventually } from "../support/eventually.ts";
import { type PromSample, parsePrometheus, samplesOf, sumOf } from "../support/prometheus.ts";
import { type ComposedInTempDir, composeInTempDir } from "../support/runtime.ts";

// GET /metrics of the whole service (every role in one process, the embedded store), scraped as Prometheus
// does after real work: checkouts over HTTP, pushes to a real receiver that hangs, dies and answers.

const METRICS_KEY = "metrics-key-4f1c9a7e2b";
const OPERATOR_KEY = "operator-key-8d3b6e0a5c";
const PUSH = "kredivo-push";

describe("GET /metrics", () => {
  let composed: ComposedInTempDir;
  const service = () => composed.service;
  beforeAll(async () => {
    composed = await composeInTempDir("ledger-metrics-", (dir) =>
      testConfig(dir, {
        PUBLIC_BASE_URL,
        API_KEYS: `${METRICS_KEY}:metrics,${OPERATOR_KEY}:operator`,
        CONFIRM_TIMEOUT_SECONDS: "3600", // only the pending push of each checkout
        NOTIFY_FIRST_RETRY_MS: "10",
        NOTIFY_MAX_ATTEMPTS: "2",
      }),
    );
    await service().app.ready();
  });
  afterAll(() => composed.close());

  async function scrape(): Promise<PromSample[]> {
    const res = await service().app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${METRICS_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    return parsePrometheus(res.body);
  }

  async function initCheckout(pushUrl: string): Promise<string> {
    const res = await service().app.inject({
      method: "POST",
      url: "/kredivo/checkout/init",
      payload: initRequest(nextOrder("METRICS"), pushUrl),
    });
    const body = res.json() as { status: number; transaction_id: string };
    expect(body.status).toBe(1);
    return body.transaction_id;
  }

  it("answers 401 without a key and 403 with a key lacking the metrics role", async () => {
    const missing = await service().app.inject({ method: "GET", url: "/metrics" });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ code: "api_key_missing" });
    const operator = await service().app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
    });
    expect(operator.statusCode).toBe(403);
    expect(operator.json()).toMatchObject({ code: "role_required" });
  });

  it("answers Prometheus' text format 0.0.4 with the process metrics, and is not in the OpenAPI document", async () => {
    const res = await service().app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${METRICS_KEY}` },
    });
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(sumOf(parsePrometheus(res.body), "process_resident_memory_bytes")).toBeGreaterThan(0);
    const docs = await service().app.inject({ method: "GET", url: "/docs/json" });
    expect(Object.keys((docs.json() as { paths: object }).paths)).not.toContain("/metrics");
  });

  it("times every request by its route's pattern and status, never by its URL", async () => {
    const initRoute = { method: "POST", route: "/kredivo/checkout/init", status_code: "200" };
    const before = sumOf(await scrape(), "ledger_http_request_duration_seconds_count", initRoute);
    await initCheckout("http://127.0.0.1:9/push");
    const unknownId = "0198c1a2-0000-7000-8000-00000000dead";
    const notFound = await service().app.inject({
      method: "GET",
      url: `/v1/notifications/${unknownId}`,
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
    });
    expect(notFound.statusCode).toBe(404);
    await service().app.inject({ method: "GET", url: `/no-such-route/${unknownId}` });

    const after = await scrape();
    expect(sumOf(after, "ledger_http_request_duration_seconds_count", initRoute)).toBe(before + 1);
    expect(sumOf(after, "ledger_http_request_duration_seconds_sum", initRoute)).toBeGreaterThan(0);
    expect(
      sumOf(after, "ledger_http_request_duration_seconds_count", {
        method: "GET",
        route: "/v1/notifications/:deliveryId",
        status_code: "404",
      }),
    ).toBe(1);
    expect(
      sumOf(after, "ledger_http_request_duration_seconds_count", { route: "(no route)", status_code: "404" }),
    ).toBe(1);
    const labelValues = samplesOf(after, "ledger_http_request_duration_seconds_count").flatMap((s) =>
      Object.values(s.labels),
    );
    expect(labelValues.some((value) => value.includes(unknownId))).toBe(false);
  });

  it("times appends and counts the appends of each group commit", async () => {
    const before = await scrape();
    const stored = { outcome: "stored" };
    await Promise.all([initCheckout("http://127.0.0.1:9/push"), initCheckout("http://127.0.0.1:9/push")]);
    const after = await scrape();
    const appends = (s: PromSample[]) => sumOf(s, "ledger_eventstore_append_duration_seconds_count", stored);
    expect(appends(after) - appends(before)).toBeGreaterThanOrEqual(2);
    const commits = (s: PromSample[]) => sumOf(s, "ledger_eventstore_group_commit_appends_count");
    const grouped = (s: PromSample[]) => sumOf(s, "ledger_eventstore_group_commit_appends_sum");
    expect(commits(after)).toBeGreaterThan(commits(before));
    // Every append settled went through one commit: the commits' appends add up to at least the stored ones.
    expect(grouped(after)).toBeGreaterThanOrEqual(appends(after));
    expect(sumOf(after, "ledger_eventstore_group_commit_duration_seconds_count")).toBe(commits(after));
  });

  it("counts the notifier's queue, retries, dead letters and deliveries", async () => {
    const hanging = await new Receiver().replies({ status: 200, hang: true }).listen();
    await approveAsSandboxBuyer(service().checkout!, await initCheckout(hanging.url));
    await eventually("the push in flight", () => (hanging.received.length > 0 ? true : undefined));
    expect(sumOf(await scrape(), "ledger_notifier_queue_depth", { source: PUSH })).toBe(1);

    // The receiver dies: the attempt in flight fails, its retry finds nobody, and NOTIFY_MAX_ATTEMPTS is 2.
    await hanging.close();
    await eventually("the dead letter", async () => {
      const dead = sumOf(await scrape(), "ledger_notifier_dead_letters", { source: PUSH });
      return dead === 1 ? dead : undefined;
    });
    const answering = await new Receiver().listen();
    await approveAsSandboxBuyer(service().checkout!, await initCheckout(answering.url));
    await service().notifier!.idle();
    await answering.close();

    const after = await scrape();
    const attempts = (outcome: string) =>
      sumOf(after, "ledger_notifier_attempts_total", { source: PUSH, outcome });
    expect([attempts("retry"), attempts("dead_letter"), attempts("delivered")]).toEqual([1, 1, 1]);
    expect(sumOf(after, "ledger_notifier_queue_depth", { source: PUSH })).toBe(0);
    expect(sumOf(after, "ledger_notifier_dead_letters", { source: PUSH })).toBe(1);
    expect(samplesOf(after, "ledger_notifier_lag_events")).toHaveLength(1);
  });

  it("shows each projection's and reactor's lag behind the log head", async () => {
    const { store, readStore, runner } = service();
    const reactions = [...checkoutReactions(store), ...kredmintReactions(store, readStore)];
    const followers = [...projections, ...reactions].map((f) => f.name);
    const lagged = (samples: PromSample[]) =>
      new Map(samplesOf(samples, "ledger_projection_lag_events").map((s) => [s.labels.projection, s.value]));
    await quietHead(store, 100);
    const caughtUp = await eventually("every follower at the head", async () => {
      const lags = lagged(await scrape());
      return [...lags.values()].every((lag) => lag === 0) ? lags : undefined;
    });
    expect([...caughtUp.keys()].sort()).toEqual([...followers].sort());

    // The runner stopped (checkpoints flushed), three events appended: every projection is 3 behind.
    await runner!.stop();
    const probes = [testEvent("Probed"), testEvent("Probed"), testEvent("Probed")];
    await store.append("metrics-probe", probes, { expectedRevision: "no_stream" });
    const after = await scrape();
    const lags = lagged(after);
    for (const { name } of projections) {
      expect(lags.get(name)).toBe(3);
      expect(sumOf(after, "ledger_projection_running", { projection: name })).toBe(1);
    }
  });
});
