import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { JsonNumberText, moneySchema } from "../../contracts/money.ts";
import { buildApp, type HttpMount } from "./app.ts";
import { exactJsonBody } from "./exact-json.ts";
import { useProblemErrors } from "./problem-details.ts";

// The app's one JSON body parser, driven through inject(): a mount under /v1 the way the finance context
// mounts its routes, and a context that words refusals its own way, as /kredivo does.

const INR_AMOUNT = "90071992547409.93"; // 9007199254740993 paise: a double rounds it to …409.9375

/** Echoes what its schema read: the amount in minor units, and the raw body as the route saw it. */
const v1Mount: HttpMount = async (app) => {
  await app.register(
    async (v1: FastifyInstance) => {
      useProblemErrors(v1, "test");
      v1.withTypeProvider<ZodTypeProvider>().post(
        "/amounts",
        { schema: { body: z.object({ amount: moneySchema("INR") }) } },
        async (request) => ({ amountMinor: request.body.amount.amountMinor.toString() }),
      );
      v1.post("/raw", async (request) => ({
        sawText: request.body,
        amountIsText: isAmountText(request.body),
      }));
    },
    { prefix: "/v1" },
  );
};

function isAmountText(body: unknown): boolean {
  return (
    typeof body === "object" && body !== null && "amount" in body && body.amount instanceof JsonNumberText
  );
}

const ownWords: HttpMount = async (app) => {
  await app.register(
    async (api: FastifyInstance) => {
      await api.register(exactJsonBody, {
        refused: (why) => Object.assign(new Error(`body: ${why}`), { statusCode: 422 }),
      });
      api.post("/echo", async (request) => request.body);
    },
    { prefix: "/own" },
  );
};

let app: Awaited<ReturnType<typeof buildApp>> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start() {
  app = await buildApp({
    logger: pino({ level: "silent" }),
    readiness: async () => ({ ready: true, store: { open: true, head: "0" }, projections: [] }),
    mounts: [v1Mount, ownWords],
  });
  return app;
}

function post(url: string, payload: string, contentType = "application/json") {
  if (!app) throw new Error("start() first");
  return app.inject({ method: "POST", url, payload, headers: { "content-type": contentType } });
}

describe("the exact-JSON body parser of every mount", () => {
  it("hands an INR amount to the route's schema digit for digit, never through a double", async () => {
    await start();
    const res = await post("/v1/amounts", `{"amount": ${INR_AMOUNT}}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ amountMinor: "9007199254740993" });
    // What JSON.parse would have made of it:
    expect(Math.round(JSON.parse(INR_AMOUNT) * 100)).toBe(9007199254740994);
  });

  it("keeps the number text as the sender wrote it, also with a charset", async () => {
    await start();
    const res = await post("/v1/raw", `{"amount":${INR_AMOUNT},"n":3}`, "application/json; charset=utf-8");
    expect(res.body).toBe(`{"sawText":{"amount":${INR_AMOUNT},"n":3},"amountIsText":true}`);
  });

  const EMPTY = "Body cannot be empty when content-type is set to 'application/json'";
  const INVALID = "Body is not valid JSON but content-type is set to 'application/json'";

  it.each([
    ["an empty body", "", EMPTY],
    ["a blank body", "  \n", EMPTY],
    ["malformed JSON", '{"amount": ', INVALID],
    ["a __proto__ key", '{"__proto__": {"admin": true}}', INVALID],
    ["constructor.prototype", '{"constructor": {"prototype": {}}}', INVALID],
  ])("refuses %s in fastify's own words, as the /v1 routes always did", async (_name, text, why) => {
    await start();
    const res = await post("/v1/amounts", text);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400, code: "malformed_body" });
    expect(res.json().detail).toMatch(new RegExp(`^${why}`));
  });

  it("lets a context word refusals in its own vocabulary", async () => {
    await start();
    expect((await post("/own/echo", '{"a": 1.50}')).body).toBe('{"a":1.50}');
    for (const [text, why] of [
      ["", "required"],
      ["{", "malformed_json"],
      ['{"__proto__": 1}', "forbidden_key:__proto__"],
      [`${"[".repeat(200_000)}${"]".repeat(200_000)}`, "nesting_too_deep"],
    ] as const) {
      const res = await post("/own/echo", text);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ message: `body: ${why}` });
    }
  });
});
