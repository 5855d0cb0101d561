import pino from "pino";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../services/http/app.ts";
import type { ReadinessReport } from "../../services/http/readiness.ts";

const report = (ready: boolean): ReadinessReport => ({
  ready,
  store: { open: ready, head: "0" },
  projections: [],
});

describe("the app factory", () => {
  it("answers 503 on /readyz when not ready", async () => {
    const app = await buildApp({ logger: pino({ level: "silent" }), readiness: async () => report(false) });
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false });
    await app.close();
  });

  it("drains an in-flight request on close and refuses new ones", async () => {
    const app = await buildApp({ logger: pino({ level: "silent" }), readiness: async () => report(true) });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    app.get("/slow", async () => {
      await held;
      return { done: true };
    });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const inFlight = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const closed = app.close();
    release();
    const response = await inFlight;
    expect(await response.json()).toEqual({ done: true });
    await closed;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("echoes a caller's correlation id into the request's logs", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const app = await buildApp({ logger, readiness: async () => report(true) });
    app.get("/log", async (request) => {
      request.log.info("inside");
      return {};
    });
    await app.inject({
      method: "GET",
      url: "/log",
      headers: { "x-correlation-id": "flow-42", "request-id": "r-1" },
    });
    const inside = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "inside");
    expect(inside).toMatchObject({ correlationId: "flow-42", reqId: "r-1" });
    await app.close();
  });
});
