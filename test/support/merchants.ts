import { randomUUID } from "node:crypto";
import { legacySha256Ref } from "../../contracts/secret-refs.ts";
import { sha256Hex } from "../../services/checkout/credentials.ts";
import type { CommandMeta } from "../../services/ledger/decider.ts";
import { merchantDecider, merchantStream } from "../../services/ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../../services/ledger/merchant/merchant.events.ts";
import { meta, testMeta } from "../../services/ledger/testing/decider-spec.ts";
import { commandHandler } from "../../services/platform/command-handler.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import type { CheckoutHarness } from "../checkout/harness.ts";
import { eventually } from "./eventually.ts";

// Merchants as the tests register them: a Register command decided by the merchant decider on the
// merchant's own stream, never a hand-written event. With the event store alone there is no secret store to
// put the key in, so the key is recorded in the legacy form old events read as (its SHA-256 in the clear),
// which every reader still understands; test/security/ registers merchants through /v1 instead.

export interface TestMerchant {
  readonly merchantId: string;
  readonly serverKey: string;
}

/** An active merchant, with a 1.5 % fee unless given; a fresh id and server_key unless given. */
export async function registerMerchant(
  store: EventStore,
  merchantId = `m${randomUUID().slice(0, 8)}`,
  options: { serverKey?: string; feeRateBps?: number; at?: CommandMeta } = {},
): Promise<TestMerchant> {
  const serverKey = options.serverKey ?? `sk-${randomUUID()}`;
  await commandHandler(store, merchantDecider, merchantCodec).handle(
    merchantStream(merchantId),
    {
      type: "Register",
      profile: {
        merchantId,
        name: `Merchant ${merchantId}`,
        serverKeyRef: legacySha256Ref(sha256Hex(serverKey)),
        feeRateBps: options.feeRateBps ?? 150,
        status: "active",
        pushSigning: { standardWebhooks: "server_key_hash" },
      },
    },
    options.at ?? meta(testMeta.now, merchantId),
  );
  return { merchantId, serverKey };
}

/** Commands of the Checkout API's tenant, decided at `now` (the system clock unless given). */
export const kredivoMeta = (now = new Date()): CommandMeta => meta(now.toISOString(), "kredivo");

/** Registers an active merchant of the Checkout API now and waits until the harness's directory knows it. */
export async function registerKnownMerchant(h: CheckoutHarness, merchantId: string, serverKey: string) {
  await registerMerchant(h.store, merchantId, { serverKey, at: kredivoMeta() });
  await eventually(`merchant ${merchantId} in the directory`, async () => {
    const res = await h.post("/transaction/status", { server_key: serverKey, transaction_id: "none" });
    return (res.json() as { status: number }).status !== 2012 ? true : undefined;
  });
}
