import type { CheckoutCommand } from "../../ledger/checkout/checkout.decider.ts";
import type { Caller } from "../../ledger/decider.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

/** The durable timers' work; timer-sweep.ts runs it on a schedule. */
export function checkoutTimers(ledger: CheckoutLedger) {
  const { options, readStore } = ledger;
  return {
    /**
     * What the log says is overdue: a checkout past its expiry (the offline expiry_time, else
     * CHECKOUT_EXPIRY_SECONDS) expires, pending or not; a pending one past its confirmation deadline
     * fails. Whichever deadline came first wins, so the outcome does not depend on when the sweep ran.
     */
    async sweepTimers(caller: Caller): Promise<number> {
      const now = options.now().toISOString();
      const due = await readStore.query(
        `SELECT transaction_id, merchant_id, phase, confirm_by, expires_at FROM checkout_transactions
          WHERE (phase = 'pending' AND confirm_by <= ?)
             OR (phase IN ('initiated', 'signed_in', 'otp_verified', 'pending') AND expires_at <= ?)`,
        [now, now],
      );
      for (const row of due) {
        const confirmationMissed =
          row.phase === "pending" &&
          String(row.confirm_by) <= now &&
          String(row.confirm_by) < String(row.expires_at);
        const command: CheckoutCommand = confirmationMissed
          ? { type: "Fail", reason: "confirmation_timeout" }
          : { type: "Expire" };
        await ledger.checkoutCommand(
          String(row.transaction_id),
          command,
          { ...caller, actor: "timer" },
          String(row.merchant_id),
        );
      }
      return due.length;
    },
  };
}
