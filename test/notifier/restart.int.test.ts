import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findAttempts } from "../../services/notifier/store.ts";
import { NOTIFIER } from "../../services/notifier/tables.ts";
import { pendingCheckout } from "../support/checkout-fixtures.ts";
import { eventually } from "../support/eventually.ts";
import { registerMerchant } from "../support/merchants.ts";
import { OK, World } from "./harness.ts";

// Pushes survive restarts: the log and the notifier's own tables, not memory, say what is owed.

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.close();
});

const count = async (world: World, sql: string) => Number((await world.readStore.query(sql))[0]!.n);

describe("notifier restarts", () => {
  it("sends what was appended while no notifier ran", async () => {
    const receiver = await world.receiver().listen();
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });

    const notifier = await world.notifier();
    await world.until(notifier, checkout.eventId, "delivered");
    expect(receiver.received).toHaveLength(1);
  });

  it("a push cut short by a stop is sent by the next notifier, and delivered once", async () => {
    const receiver = await world.receiver().replies({ status: 200, hang: true }, OK).listen();
    const first = await world.notifier({ timeoutMs: 30_000 });
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
    await eventually(
      "the push in flight",
      () => (receiver.received.length > 0 ? true : undefined),
      15_000,
      5,
    );

    await first.stop();
    expect(await world.polled(checkout.eventId, "pending")).toMatchObject({ attempts: 1 });

    const second = await world.notifier();
    await world.until(second, checkout.eventId, "delivered");

    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([
      checkout.eventId,
      checkout.eventId,
    ]);
    expect(await findAttempts(world.readStore, checkout.eventId)).toMatchObject([
      { attempt: 1, httpStatus: null, error: "interrupted: notifier stopping", outcome: "failed" },
      { attempt: 2, httpStatus: 200, outcome: "delivered" },
    ]);
    await second.idle();
    expect(receiver.received).toHaveLength(2);
  });

  it("re-reading the log from an older checkpoint records no second delivery and sends nothing again", async () => {
    const receiver = await world.receiver().listen();
    const first = await world.notifier();
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
    await world.until(first, checkout.eventId, "delivered");
    await first.stop();
    const head = await world.store.headPosition();
    expect(await world.readStore.generationPosition(NOTIFIER, 1)).toBe(head);

    // Rewind the notifier's checkpoint to before every event, as a restore from an old backup would.
    await world.readStore.apply(NOTIFIER, 1, [], "0");
    const second = await world.notifier();
    await second.idle();

    expect(await world.readStore.generationPosition(NOTIFIER, 1)).toBe(head);
    expect(await count(world, "SELECT COUNT(*) AS n FROM notifier_deliveries")).toBe(1);
    expect(await count(world, "SELECT COUNT(*) AS n FROM notifier_attempts")).toBe(1);
    expect(receiver.received).toHaveLength(1);
  });

  it("is not a projection: its state shows in projectionStates with its own checkpoint", async () => {
    await world.notifier();
    const states = await world.readStore.projectionStates();
    expect(states.find((s) => s.name === NOTIFIER)).toMatchObject({ generation: 1, status: "running" });
  });
});
