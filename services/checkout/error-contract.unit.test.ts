import { describe, expect, it } from "vitest";
import { Rejection } from "../ledger/decider.ts";
import { ConcurrencyExhausted } from "../platform/command-handler.ts";
import { EventStoreUnavailable } from "../platform/eventstore/port.ts";
import { ReadStoreUnavailable } from "../platform/readstore/port.ts";
import { checkoutReplyFor, KredivoBadRequest } from "./error-contract.ts";

const SEED_9999 = "Sorry, something went wrong. Please try again in a few minutes";

describe("checkoutReplyFor: faults", () => {
  it.each([
    ["the event store", new EventStoreUnavailable('PostgreSQL database "ledger" at db:5432 is unavailable')],
    ["the read store", new ReadStoreUnavailable("PostgreSQL read store at db:5432 is unavailable")],
    ["a contended stream", new ConcurrencyExhausted("creditline-u1: still conflicting after 8 attempts")],
  ])("%s (transient): the seed's 9999 envelope with HTTP 503 (try again later)", (_, error) => {
    expect(checkoutReplyFor(error, "req-1")).toEqual({
      httpStatus: 503,
      body: { status: 9999, message: SEED_9999, error: { message: "request_id: req-1" } },
      fault: true,
    });
  });

  it("any other fault of ours: 9999 with HTTP 500", () => {
    expect(checkoutReplyFor(new TypeError("boom"), "req-2")).toEqual({
      httpStatus: 500,
      body: { status: 9999, message: SEED_9999, error: { message: "request_id: req-2" } },
      fault: true,
    });
  });
});

describe("checkoutReplyFor: refusals", () => {
  it("a use case's rejection answers its row of KREDIVO_CODES, with what was wrong for the log", () => {
    expect(checkoutReplyFor(new Rejection("server_key_must_belong_to_active_merchant"), "req-3")).toEqual({
      httpStatus: 200,
      body: { status: 2012, message: "Invalid Merchant" },
      fault: false,
      detail: "server_key does not belong to an active merchant",
    });
  });

  it("the edge's own refusal of what the wire carries is 1002 with its detail", () => {
    expect(checkoutReplyFor(new KredivoBadRequest("amount: too_large"), "req-4")).toEqual({
      httpStatus: 200,
      body: {
        status: 1002,
        message: "Bad request, please check your request.",
        error: { message: "amount: too_large" },
      },
      fault: false,
      detail: "amount: too_large",
    });
  });
});
