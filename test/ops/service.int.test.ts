import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { testEvent } from "../support/events.ts";
import { killHard, type ServiceProcess, startServiceProcess } from "../support/service-process.ts";

describe("the service process", () => {
  let dir: string | undefined;
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    if (service) await killHard(service);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts on the embedded default, answers health and readiness, and shuts down gracefully", async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-svc-"));
    service = await startServiceProcess({ DATA_DIR: dir });
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get("request-id")).toMatch(/.+/);
    expect(await health.json()).toEqual({ status: "ok" });

    const ready = await fetch(`${service.url}/readyz`, { headers: { "Request-Id": "req-123" } });
    expect(ready.status).toBe(200);
    expect(ready.headers.get("request-id")).toBe("req-123");
    const report = (await ready.json()) as { projections: { status: string }[] };
    expect(report).toMatchObject({ ready: true, store: { open: true } });
    expect(report.projections.map((p) => p.status)).not.toContain("failed");

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(service.logs.map((l) => l.msg)).toContain("shutdown complete");

    // The file was closed cleanly: another process can open and write it.
    const store = new SqliteEventStore({ path: join(dir, "ledger.db") });
    const head = BigInt(await store.headPosition());
    const appended = await store.append("probe-1", [testEvent()], { expectedRevision: "no_stream" });
    expect(BigInt(appended.position)).toBe(head + 1n);
    await store.close();
  });

  it.each([
    [["--role", "cashier"], "--role: expected one of all, gateway, projector, publisher, notifier"],
    [["--role", "publisher"], "KAFKA_BROKERS: required for --role publisher"],
    [["--colour"], "arguments: "],
  ])("refuses %j in one line with exit code 2", (args, message) => {
    const result = spawnSync(process.execPath, ["services/main.ts", ...args], {
      env: process.env,
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it("refuses bad configuration in one line naming the variable, with exit code 2", () => {
    const result = spawnSync(process.execPath, ["services/main.ts"], {
      env: { ...process.env, PORT: "not-a-port" },
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^invalid configuration: PORT: /);
  });
});
