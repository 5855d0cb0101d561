import { describe, expect, it } from "vitest";
import { ConcurrencyExhausted } from "../platform/command-handler.ts";
import { EventStoreUnavailable } from "../platform/eventstore/port.ts";
import { ReadStoreUnavailable } from "../platform/readstore/port.ts";
import { checkoutReplyFor } from "./error-contract.ts";

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
