// Setup for the 0-click rows of bench/zero-click-init.bench.ts, run inside the forked service process
// (bench/checkout-init.server.ts): `count` buyers, each with its own credit line, each tokenized for the sandbox
// merchant the way a buyer is in production (README "0-click"): a tokenizing checkout/init, the hosted page's
// sign-in, OTP and approval, the merchant's checkout/update "settled", which answers the user_token.

import { TENURES } from "../contracts/checkout/common.ts";
import { initExample } from "../contracts/checkout/init.ts";
import { sha256Hex, signatureKey } from "../services/checkout/credentials.ts";
import { creditLineStream, kredivoLine } from "../services/ledger/creditline/creditline.stream.ts";
import type { ComposedService } from "../services/runtime/compose.ts";

export interface BenchToken {
  readonly userToken: string;
  readonly clientUserKey: string;
}

/** Far above anything a run holds: every 0-click init of the bench is approved, none denied for the limit. */
const BENCH_LIMIT_MINOR = 1_000_000_000_000n;
const PIN = "447462";
const OTP = "4567";
const TENURE = 1;
const caller = { actor: "bench", correlationId: "bench-tokens", causationId: "bench-tokens" };

/** Buyer `i` registered with an open credit line; answers its phone once the read models show it. */
async function registerBuyer(service: ComposedService, i: number): Promise<string> {
  const checkout = service.checkout!;
  const userId = `bench-buyer-${i}`;
  const phone = `91${String(i).padStart(7, "0")}`;
  const meta = { ...caller, now: new Date().toISOString(), tenantId: "kredivo" };
  const profile = {
    userId,
    phone,
    pinRef: await checkout.buyerSecrets.store(PIN),
    otpRef: await checkout.buyerSecrets.store(OTP),
  };
  await checkout.buyers.handle(`buyer-${userId}`, { type: "Register", profile }, meta);
  const limit = {
    kind: "instalment" as const,
    totalMinor: BENCH_LIMIT_MINOR,
    perTenureMinor: TENURES.map((tenure) => ({ tenure, limitMinor: BENCH_LIMIT_MINOR })),
  };
  const opened = await checkout.creditLines.handle(
    creditLineStream(kredivoLine(userId)),
    { type: "SetLimit", line: kredivoLine(userId), limit, reason: "bench buyer" },
    meta,
  );
  if (opened.position !== undefined) await service.runner?.waitFor(opened.position, 10_000);
  return phone;
}

async function postKredivo(service: ComposedService, path: string, body: unknown) {
  const res = await service.app.inject({
    method: "POST",
    url: `/kredivo${path}`,
    payload: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return res.json() as Record<string, unknown>;
}

/** Buyer `i`'s token for the merchant holding `serverKey`, issued on the seed request's device. */
async function tokenize(service: ComposedService, serverKey: string, i: number): Promise<BenchToken> {
  const checkout = service.checkout!;
  const phone = await registerBuyer(service, i);
  const clientUserKey = `bench-user-${i}`;
  const orderId = `BENCH-TOKENIZE-${i}`;
  const init = await postKredivo(service, "/checkout/init", {
    ...initExample,
    server_key: serverKey,
    order_id: orderId,
    tenure: TENURE,
    tokenize_user: true,
    client_user_key: clientUserKey,
  });
  if (typeof init.transaction_id !== "string") throw new Error(`tokenizing init: ${JSON.stringify(init)}`);
  const transactionId = init.transaction_id;
  const { session } = await checkout.signIn(transactionId, phone, PIN, caller);
  if (session === undefined) throw new Error(`bench buyer ${i} could not sign in`);
  await checkout.verifyOtp(transactionId, session, OTP, caller);
  await checkout.approve(transactionId, session, TENURE, caller);
  const update = await postKredivo(service, "/checkout/update", {
    signature_key: signatureKey(sha256Hex(serverKey), {
      transactionId,
      orderId,
      amountMinor: BigInt(initExample.amount),
      tenure: TENURE,
    }),
    transaction_id: transactionId,
    status: "settled",
  });
  if (typeof update.user_token !== "string") throw new Error(`no user_token: ${JSON.stringify(update)}`);
  return { userToken: update.user_token, clientUserKey };
}

/** `count` buyers, one token each, issued one after the other. */
export async function issueBenchTokens(
  service: ComposedService,
  serverKey: string,
  count: number,
): Promise<BenchToken[]> {
  const tokens: BenchToken[] = [];
  for (let i = 0; i < count; i++) tokens.push(await tokenize(service, serverKey, i));
  return tokens;
}
