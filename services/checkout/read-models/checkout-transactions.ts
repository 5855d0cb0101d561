import { streamKind } from "../../../contracts/envelope.ts";
import { checkoutCodec } from "../../ledger/checkout/checkout.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/** The seed's trx_status word for each lifecycle event that changes it (Aborted: the buyer's abort). */
const TRX_STATUS = {
  Initiated: "pending",
  Pending: "pending",
  Settled: "settlement",
  Denied: "denied",
  Failed: "failed",
  Expired: "expired",
  Aborted: "Aborted by User",
} as const;
/** A merchant's abort of an offline checkout: the seed's "cancel: Transaction has been cancelled by merchant". */
const MERCHANT_ABORT_STATUS = "cancel";

/**
 * One row per Checkout API transaction: the status view (`/transaction/status`) and, indexed by merchant,
 * the merchant's transaction list. `phase` is the decider's finer state; the timer sweeps read
 * `confirm_by` (pending) and `expires_at` (awaiting the buyer). `cancelled_minor` sums the cancellations:
 * trx_status stays `settlement` while part of the amount is left and turns `cancel` (phase `cancelled`)
 * once nothing is; `payout_id` / `paid_at` record the merchant payout (Paid).
 * v2: cancellations and payouts.
 */
export const checkoutTransactionsProjection: Projection = {
  name: "checkout_transactions",
  version: 2,
  tables: {
    checkout_transactions: {
      columns: `transaction_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, order_id TEXT NOT NULL,
        amount_minor BIGINT NOT NULL, tenure BIGINT NOT NULL, trx_status TEXT NOT NULL, phase TEXT NOT NULL,
        items TEXT NOT NULL, user_id TEXT, initiated_at TEXT NOT NULL, transaction_time BIGINT NOT NULL,
        updated_at TEXT NOT NULL, confirm_by TEXT, expires_at TEXT NOT NULL, last_position TEXT NOT NULL,
        cancelled_minor BIGINT NOT NULL, payout_id TEXT, paid_at TEXT`,
      indexes: ["merchant_id, initiated_at", "phase, confirm_by", "phase, expires_at"],
    },
  },
  handle(envelope): Statement[] {
    if (streamKind(envelope.streamId) !== "checkout") return [];
    const event = checkoutCodec.decode(envelope);
    const id = envelope.streamId.slice("checkout-".length);
    const at = envelope.occurredAt;
    const position = envelope.position;
    const update = (phase: string, extra: Statement | undefined = undefined): Statement[] => {
      const trxStatus =
        event.type === "Aborted" && event.data.by === "merchant"
          ? MERCHANT_ABORT_STATUS
          : TRX_STATUS[event.type as keyof typeof TRX_STATUS];
      const statements = [
        trxStatus === undefined
          ? sql`UPDATE {{checkout_transactions}} SET phase = ${phase}, updated_at = ${at}, last_position = ${position}
                WHERE transaction_id = ${id}`
          : sql`UPDATE {{checkout_transactions}} SET phase = ${phase}, trx_status = ${trxStatus}, updated_at = ${at},
                last_position = ${position} WHERE transaction_id = ${id}`,
      ];
      return extra ? [...statements, extra] : statements;
    };
    switch (event.type) {
      case "Initiated": {
        const d = event.data;
        const items = JSON.stringify(d.items, (_, v) => (typeof v === "bigint" ? v.toString() : v));
        const epoch = BigInt(Math.floor(Date.parse(at) / 1000));
        return [
          sql`INSERT INTO {{checkout_transactions}} (transaction_id, merchant_id, order_id, amount_minor, tenure,
                trx_status, phase, items, user_id, initiated_at, transaction_time, updated_at, confirm_by, expires_at,
                last_position, cancelled_minor, payout_id, paid_at)
              VALUES (${id}, ${d.merchantId}, ${d.orderId}, ${d.amountMinor}, ${d.tenure}, 'pending', 'initiated',
                ${items}, NULL, ${at}, ${epoch}, ${at}, NULL, ${d.expiresAt}, ${position}, 0, NULL, NULL)`,
        ];
      }
      case "BuyerSignInFailed":
      case "OtpFailed":
        return [];
      case "BuyerSignedIn":
        return update(
          "signed_in",
          sql`UPDATE {{checkout_transactions}} SET user_id = ${event.data.userId} WHERE transaction_id = ${id}`,
        );
      case "OtpVerified":
        return update("otp_verified");
      case "AuthenticatedByToken":
        return update(
          event.data.flaggedBy.length > 0 ? "signed_in" : "otp_verified",
          sql`UPDATE {{checkout_transactions}} SET user_id = ${event.data.userId} WHERE transaction_id = ${id}`,
        );
      case "Pending":
        return update(
          "pending",
          sql`UPDATE {{checkout_transactions}} SET tenure = ${event.data.tenure}, confirm_by = ${event.data.confirmBy}
              WHERE transaction_id = ${id}`,
        );
      case "Settled":
        return update("settled");
      case "Denied":
        return update("denied");
      case "Failed":
        return update("failed");
      case "Expired":
        return update("expired");
      case "Aborted":
        return update("aborted");
      case "Cancelled": {
        const full = event.data.remainingMinor === 0n;
        return [
          sql`UPDATE {{checkout_transactions}} SET cancelled_minor = cancelled_minor + ${event.data.amountMinor},
                phase = ${full ? "cancelled" : "settled"}, trx_status = ${full ? "cancel" : "settlement"},
                updated_at = ${at}, last_position = ${position} WHERE transaction_id = ${id}`,
        ];
      }
      case "Paid":
        return [
          sql`UPDATE {{checkout_transactions}} SET payout_id = ${event.data.payoutId}, paid_at = ${event.data.paidAt},
                updated_at = ${at}, last_position = ${position} WHERE transaction_id = ${id}`,
        ];
      default:
        return [];
    }
  },
};
