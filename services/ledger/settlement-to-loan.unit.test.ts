import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CheckoutCommand, type CheckoutState, checkoutDecider } from "./checkout/checkout.decider.ts";
import { type CreditLineCommand, creditLineDecider } from "./creditline/creditline.decider.ts";
import type { Tenure } from "./creditline/creditline.events.ts";
import { type CreditLineState, outstandingMinor } from "./creditline/creditline.state.ts";
import { type CommandMeta, fold } from "./decider.ts";
import { pendingFor } from "./testing/checkout-fixtures.ts";
import { capture, held, limitSet, loanOf, principalOwed } from "./testing/creditline-fixtures.ts";
import { at, meta, testMeta } from "./testing/decider-spec.ts";

/**
 * The money core end to end, the way the gateway's credit-line reactor wires it: a checkout's Settled
 * becomes CaptureHold with a loan, each Cancelled becomes CancelLoan (amount → principal, processing fee →
 * fee), and the buyer repays in between. Whatever the amounts and the order, the checkout's shares add up
 * to the settlement exactly, the loan follows them, and a fully cancelled checkout leaves nothing owed and
 * exactly what was repaid due back to the buyer.
 */
const now = testMeta.now;

const step = <C, E, S>(
  decider: { decide(c: C, s: S, m: CommandMeta): readonly E[]; evolve(s: S, e: E): S },
  state: S,
  command: C,
  m: CommandMeta,
): { state: S; events: readonly E[] } => {
  const events = decider.decide(command, state, m);
  return { state: events.reduce(decider.evolve, state), events };
};

type Action = { kind: "cancel"; permille: number | undefined } | { kind: "repay"; permille: number };
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("cancel" as const),
    permille: fc.option(fc.integer({ min: 1, max: 1_000 }), { freq: 6 }).map((p) => p ?? undefined),
  }),
  fc.record({ kind: fc.constant("repay" as const), permille: fc.integer({ min: 1, max: 1_000 }) }),
);
const bps = fc.integer({ min: 0, max: 500 });
const scenario = fc.record({
  tenure: fc.constantFrom<Tenure>(1, 3, 6, 12),
  amountMinor: fc.bigInt({ min: 700_000n, max: 50_000_000n }),
  merchantFeeBps: bps,
  rates: fc.tuple(bps, bps, bps).map(([r3, r6, r12]) => ({ 1: 0, 3: r3, 6: r6, 12: r12 })),
  actions: fc.array(action, { maxLength: 12 }),
});

describe("a settled checkout and its loan, through cancellations and repayments", () => {
  it("shares add up to the settlement, the loan follows them, and a full cancellation refunds exactly the repaid", () => {
    fc.assert(
      fc.property(scenario, ({ tenure, amountMinor, merchantFeeBps, rates, actions }) => {
        let checkout: CheckoutState = fold(checkoutDecider, pendingFor(amountMinor, tenure));
        const settle: CheckoutCommand = { type: "Settle", merchantFeeBps, interestRates: rates };
        const settledStep = step(checkoutDecider, checkout, settle, meta(now));
        checkout = settledStep.state;
        const settled = settledStep.events[0];
        if (settled?.type !== "Settled") throw new Error("expected Settled");

        let line: CreditLineState = fold(creditLineDecider, [
          limitSet(50_000_000n, [{ tenure, limitMinor: 50_000_000n }]),
          held("tx-1", amountMinor, tenure),
        ]);
        const { merchantId, settledAt, interestMinor, processingFeeMinor } = settled.data;
        line = step(
          creditLineDecider,
          line,
          capture("tx-1", { ...loanOf(settledAt, interestMinor, processingFeeMinor), merchantId }),
          meta(now),
        ).state;
        expect(outstandingMinor(line)).toBe(amountMinor + interestMinor + processingFeeMinor);

        let repaidMinor = 0n;
        const shares = { amountMinor: 0n, merchantFeeMinor: 0n, interestMinor: 0n, processingFeeMinor: 0n };
        // Every scenario ends with a full cancellation, unless its actions already cancelled it all.
        const all: Action[] = [...actions, { kind: "cancel", permille: undefined }];
        for (const [n, a] of all.entries()) {
          const when = meta(at(1 + n / 10));
          if (a.kind === "repay") {
            const owed = outstandingMinor(line);
            if (owed === 0n) continue;
            const amount = (owed * BigInt(a.permille)) / 1_000n || 1n;
            line = step(
              creditLineDecider,
              line,
              {
                type: "Repay",
                repaymentId: `repay-${n}`,
                amountMinor: amount,
                bankReference: `BANK-${n}`,
                receivedAt: when.now,
              } satisfies CreditLineCommand,
              when,
            ).state;
            repaidMinor += amount;
          } else {
            if (checkout.phase === "cancelled") continue;
            const remaining = amountMinor - checkout.cancelled.amountMinor;
            const amount =
              a.permille === undefined ? undefined : (remaining * BigInt(a.permille)) / 1_000n || 1n;
            const cancelStep = step(
              checkoutDecider,
              checkout,
              {
                type: "Cancel",
                cancellationId: `cancel-${n}`,
                amountMinor: amount,
                reason: "Out of stock",
                cancelledBy: "merchant",
              },
              when,
            );
            checkout = cancelStep.state;
            const cancelled = cancelStep.events[0];
            if (cancelled?.type !== "Cancelled") throw new Error("expected Cancelled");
            const c = cancelled.data;
            for (const share of [c.merchantFeeMinor, c.interestMinor, c.processingFeeMinor])
              expect(share).toBeGreaterThanOrEqual(0n);
            shares.amountMinor += c.amountMinor;
            shares.merchantFeeMinor += c.merchantFeeMinor;
            shares.interestMinor += c.interestMinor;
            shares.processingFeeMinor += c.processingFeeMinor;
            expect(c.remainingMinor).toBe(amountMinor - shares.amountMinor);
            expect(shares.merchantFeeMinor).toBeLessThanOrEqual(settled.data.merchantFeeMinor);
            expect(shares.interestMinor).toBeLessThanOrEqual(settled.data.interestMinor);
            expect(shares.processingFeeMinor).toBeLessThanOrEqual(settled.data.processingFeeMinor);
            line = step(
              creditLineDecider,
              line,
              {
                type: "CancelLoan",
                transactionId: "tx-1",
                cancellationId: c.cancellationId,
                principalMinor: c.amountMinor,
                interestMinor: c.interestMinor,
                feeMinor: c.processingFeeMinor,
              },
              when,
            ).state;
          }
          expect(line.usedMinor).toBe(principalOwed(line));
          expect(line.refundDueMinor).toBeLessThanOrEqual(repaidMinor);
        }

        expect(checkout.phase).toBe("cancelled");
        expect(shares).toEqual({
          amountMinor,
          merchantFeeMinor: settled.data.merchantFeeMinor,
          interestMinor: settled.data.interestMinor,
          processingFeeMinor: settled.data.processingFeeMinor,
        });
        expect([line.usedMinor, outstandingMinor(line)]).toEqual([0n, 0n]);
        expect(line.refundDueMinor).toBe(repaidMinor);
      }),
      { numRuns: 300 },
    );
  });
});
