import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abortRequestExample } from "../../contracts/checkout/abort.ts";
import { initExample, initOfflineExample } from "../../contracts/checkout/init.ts";
import { statusRequestExample } from "../../contracts/checkout/status.ts";
import { updateRequestExample } from "../../contracts/checkout/update.ts";
import { type RunningService, startService } from "../../services/runtime/compose.ts";
import { SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { testConfig } from "./harness.ts";

// The real runtime (services/runtime/compose.ts) over a real socket: the Checkout API is wired under /kredivo and
// the OpenAPI document at /docs describes it from the same zod schemas.

let dir: string;
let service: RunningService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ledger-checkout-runtime-"));
  service = await startService(testConfig(dir), pino({ level: "silent" }));
});
afterAll(async () => {
  await service?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: string, contentType = "application/json") =>
  fetch(`${service.url}/kredivo${path}`, { method: "POST", headers: { "content-type": contentType }, body });

describe("the Checkout API on the running service", () => {
  it("initiates the seed's sample and reports it pending", async () => {
    const orderId = `RT-${Date.now()}`;
    const init = await post("/checkout/init", JSON.stringify(sampleInit(orderId)));
    expect(init.status).toBe(200);
    expect(init.headers.get("request-id")).toMatch(/.+/);
    const json = (await init.json()) as { status: number; checkout_url: string; transaction_id: string };
    expect(json.status).toBe(1);
    expect(json.checkout_url).toBe(`${service.url}/kredivo/signIn?tk=${json.transaction_id}`);

    const status = await post(
      "/transaction/status",
      JSON.stringify({ server_key: SANDBOX_SERVER_KEY, transaction_id: json.transaction_id }),
    );
    const text = await status.text();
    expect(text).toContain('"checkout_amount":6505000.0,');
    expect(JSON.parse(text)).toMatchObject({ status: 1, order_id: orderId, trx_status: "pending" });
  });

  it("answers bad input with the seed's envelope and HTTP 200", async () => {
    for (const [body, type] of [
      ["{not json", "application/json"],
      [JSON.stringify(initExample), "text/plain"],
    ] as const) {
      const res = await post("/checkout/init", body, type);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 1002 });
    }
    const unknown = await post("/checkout/init", JSON.stringify(initExample));
    expect(await unknown.json()).toEqual({ status: 2012, message: "Invalid Merchant" });
  });
});

describe("GET /docs", () => {
  it("serves the UI", async () => {
    const res = await fetch(`${service.url}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Swagger UI");
  });

  it("serves an OpenAPI 3 document of the routes with the seed's request examples", async () => {
    const res = await fetch(`${service.url}/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const operations = {
      "/kredivo/checkout/init": initExample,
      "/kredivo/checkout/update": updateRequestExample,
      "/kredivo/checkout/{transaction_id}/abort": abortRequestExample,
      "/kredivo/transaction/status": statusRequestExample,
    };
    for (const [path, example] of Object.entries(operations)) {
      const operation = doc.paths[path]?.post;
      expect(operation, path).toBeDefined();
      const media = operation!.requestBody.content["application/json"];
      expect(media.examples.seed.value).toEqual(example);
      expect(JSON.stringify(media.schema)).toContain('"required"');
      expect(Object.keys(operation!.responses).sort()).toEqual(["200", "429", "500", "503"]);
      expect(operation!.responses["200"]!.content["application/json"].schema.anyOf).toHaveLength(2);
    }
    // Every /kredivo route declares each status it can answer: its outcome, too many bad server_keys, a
    // fault, a retry later.
    const kredivo = Object.entries(doc.paths).filter(([path]) => path.startsWith("/kredivo/"));
    expect(kredivo.map(([path]) => path).sort()).toEqual([
      "/kredivo/checkout/init",
      "/kredivo/checkout/update",
      "/kredivo/checkout/{transaction_id}/abort",
      "/kredivo/get_credit_details",
      "/kredivo/loan/calculator",
      "/kredivo/transaction/cancel",
      "/kredivo/transaction/status",
      "/kredivo/user/tokenize/init",
    ]);
    for (const [path, item] of kredivo) {
      const responses = item.post!.responses;
      expect(Object.keys(responses).sort(), path).toEqual(["200", "429", "500", "503"]);
      expect(JSON.stringify(responses["429"]!.content["application/json"].schema), path).toContain("9429");
      for (const status of ["500", "503"]) {
        const schema = responses[status]!.content["application/json"].schema;
        expect(JSON.stringify(schema), `${path} ${status}`).toContain("9999");
      }
    }
    // Health and the UI's own routes are not part of the API.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/docs") || p.endsWith("z"))).toEqual([]);
    // What the contracts hold as exact-number instances is documented as a JSON number.
    const init = doc.paths["/kredivo/checkout/init"]!.post!;
    const ecom = init.requestBody.content["application/json"].schema.oneOf?.[0] as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(ecom.properties.tenure).toEqual({ type: "number" });
    expect(ecom.properties.amount).toEqual({ anyOf: [{ type: "number" }, { type: "string" }] });
    expect(ecom.required).toContain("shipping_addresses");
    const offline = init.requestBody.content["application/json"].schema.oneOf?.[1] as {
      required: string[];
    };
    expect(offline.required).toEqual(expect.arrayContaining(["source", "dealer_code"]));
    expect(init.requestBody.content["application/json"].examples.offline?.value).toEqual(initOfflineExample);
  });
});

interface Operation {
  requestBody: {
    content: {
      "application/json": {
        schema: { oneOf?: unknown[] };
        examples: { seed: { value: unknown }; offline?: { value: unknown } };
      };
    };
  };
  responses: Record<string, { content: { "application/json": { schema: { anyOf?: unknown[] } } } }>;
}
