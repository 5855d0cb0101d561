import type { CheckoutCommand } from "../../ledger/checkout/checkout.decider.ts";
import type { Caller } from "../../ledger/decider.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

/** The durable timers' work; timer-sweep.ts runs it on a schedule. */
export function checkoutTimers(ledger: CheckoutLedger) {
  const { options, readStore } = ledger;
  return {
    /** What the log says is overdue is failed (pending) or expired (awaiting the buyer). */
    async sweepTimers(caller: Caller): Promise<number> {
      const now = options.now().toISOString();
      const due = await readStore.query(
        `SELECT transaction_id, merchant_id, phase FROM checkout_transactions
          WHERE (phase = 'pending' AND confirm_by <= ?)
             OR (phase IN ('initiated', 'signed_in', 'otp_verified') AND expires_at <= ?)`,
        [now, now],
      );
      for (const row of due) {
        const command: CheckoutCommand =
          row.phase === "pending" ? { type: "Fail", reason: "confirmation_timeout" } : { type: "Expire" };
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
