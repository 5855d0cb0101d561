import { streamKind } from "../../../contracts/envelope.ts";
import { creditLineCodec } from "../../ledger/creditline/creditline.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * Each buyer's credit line: limit, held and used, in total and per tenure. Available is derived when read
 * (min of the line's and the tenure's headroom), so it can never drift from the parts.
 *
 * `used` is the principal of open loans: a capture adds it, a repayment's principal and a cancellation's
 * principal take it off again, so spent credit comes back. `outstanding_minor` is everything owed (principal,
 * interest, processing fee); `refund_due_minor` what a cancellation took back after it had been repaid.
 * `credit_line_loans` keeps each loan's tenure and unpaid principal: a cancellation reduces the principal
 * by at most what is left of it (the rest is refunded), as the credit line decider does.
 * v2: repayments, loan cancellations, outstanding and refunds.
 */
export const creditLinesProjection: Projection = {
  name: "credit_lines",
  version: 2,
  tables: {
    credit_lines: {
      columns: `user_id TEXT PRIMARY KEY, currency TEXT NOT NULL, total_minor BIGINT NOT NULL,
        held_minor BIGINT NOT NULL, used_minor BIGINT NOT NULL, updated_at TEXT NOT NULL,
        outstanding_minor BIGINT NOT NULL, refund_due_minor BIGINT NOT NULL`,
    },
    credit_line_tenures: {
      columns: `user_id TEXT NOT NULL, tenure BIGINT NOT NULL, limit_minor BIGINT NOT NULL,
        held_minor BIGINT NOT NULL, used_minor BIGINT NOT NULL, PRIMARY KEY (user_id, tenure)`,
    },
    credit_line_loans: {
      columns: `transaction_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, tenure BIGINT NOT NULL,
        principal_minor BIGINT NOT NULL, opened_at TEXT NOT NULL`,
      indexes: ["user_id"],
    },
  },
  handle(envelope): Statement[] {
    if (streamKind(envelope.streamId) !== "creditline") return [];
    const event = creditLineCodec.decode(envelope);
    const user = envelope.streamId.slice("creditline-".length);
    const at = envelope.occurredAt;
    switch (event.type) {
      case "CreditLimitSet":
        return [
          sql`INSERT INTO {{credit_lines}} (user_id, currency, total_minor, held_minor, used_minor, updated_at,
                outstanding_minor, refund_due_minor)
              VALUES (${user}, ${event.data.currency}, ${event.data.totalMinor}, 0, 0, ${at}, 0, 0)
              ON CONFLICT (user_id) DO UPDATE SET total_minor = excluded.total_minor, updated_at = excluded.updated_at`,
          ...event.data.perTenureMinor.map(
            (
              t,
            ) => sql`INSERT INTO {{credit_line_tenures}} (user_id, tenure, limit_minor, held_minor, used_minor)
                VALUES (${user}, ${t.tenure}, ${t.limitMinor}, 0, 0)
                ON CONFLICT (user_id, tenure) DO UPDATE SET limit_minor = excluded.limit_minor`,
          ),
        ];
      case "CreditHeld":
        return move(user, event.data.tenure, event.data.amountMinor, 0n, at);
      case "CreditHoldCaptured":
        return move(user, event.data.tenure, -event.data.amountMinor, event.data.amountMinor, at);
      case "CreditHoldReleased":
        return move(user, event.data.tenure, -event.data.amountMinor, 0n, at);
      case "LoanOpened": {
        const d = event.data;
        const owed = d.principalMinor + d.interestMinor + d.processingFeeMinor;
        return [
          sql`INSERT INTO {{credit_line_loans}} (transaction_id, user_id, tenure, principal_minor, opened_at)
              VALUES (${d.transactionId}, ${user}, ${d.tenure}, ${d.principalMinor}, ${d.openedAt})`,
          sql`UPDATE {{credit_lines}} SET outstanding_minor = outstanding_minor + ${owed}, updated_at = ${at}
              WHERE user_id = ${user}`,
        ];
      }
      case "RepaymentApplied":
        return event.data.allocations.flatMap((a) => [
          ...repayPrincipal(user, a.transactionId, a.principalMinor, at),
          sql`UPDATE {{credit_lines}} SET outstanding_minor = outstanding_minor - ${a.principalMinor + a.interestMinor + a.feeMinor}
              WHERE user_id = ${user}`,
        ]);
      case "LoanCancelled": {
        const d = event.data;
        const reducedTotal = d.principalMinor + d.interestMinor + d.feeMinor - d.refundDueMinor;
        return [
          ...cancelPrincipal(user, d.transactionId, d.principalMinor, at),
          sql`UPDATE {{credit_lines}} SET outstanding_minor = outstanding_minor - ${reducedTotal},
                refund_due_minor = refund_due_minor + ${d.refundDueMinor} WHERE user_id = ${user}`,
        ];
      }
      default:
        return [];
    }
  },
};

function move(user: string, tenure: number, heldDelta: bigint, usedDelta: bigint, at: string): Statement[] {
  return [
    sql`UPDATE {{credit_lines}} SET held_minor = held_minor + ${heldDelta}, used_minor = used_minor + ${usedDelta},
        updated_at = ${at} WHERE user_id = ${user}`,
    sql`UPDATE {{credit_line_tenures}} SET held_minor = held_minor + ${heldDelta}, used_minor = used_minor + ${usedDelta}
        WHERE user_id = ${user} AND tenure = ${tenure}`,
  ];
}

/** Principal paid back on one loan: used goes down on the line and on the loan's tenure. */
function repayPrincipal(user: string, transactionId: string, principal: bigint, at: string): Statement[] {
  return [
    sql`UPDATE {{credit_lines}} SET used_minor = used_minor - ${principal}, updated_at = ${at} WHERE user_id = ${user}`,
    sql`UPDATE {{credit_line_tenures}} SET used_minor = used_minor - ${principal}
        WHERE user_id = ${user} AND tenure = (SELECT tenure FROM {{credit_line_loans}} WHERE transaction_id = ${transactionId})`,
    sql`UPDATE {{credit_line_loans}} SET principal_minor = principal_minor - ${principal}
        WHERE transaction_id = ${transactionId}`,
  ];
}

/**
 * A cancellation's principal comes off the loan up to what is left unpaid of it (the decider refunds the
 * rest): used goes down by that much, then the loan's unpaid principal. Statements run in order, so the
 * first two read the loan before the third changes it.
 */
function cancelPrincipal(user: string, transactionId: string, principal: bigint, at: string): Statement[] {
  const taken = (alias: string) =>
    `(SELECT CASE WHEN ${alias}.principal_minor < ? THEN ${alias}.principal_minor ELSE ? END
       FROM {{credit_line_loans}} ${alias} WHERE ${alias}.transaction_id = ?)`;
  return [
    {
      sql: `UPDATE {{credit_lines}} SET used_minor = used_minor - ${taken("l")}, updated_at = ? WHERE user_id = ?`,
      params: [principal, principal, transactionId, at, user],
    },
    {
      sql: `UPDATE {{credit_line_tenures}} SET used_minor = used_minor - ${taken("l")}
            WHERE user_id = ? AND tenure = (SELECT tenure FROM {{credit_line_loans}} WHERE transaction_id = ?)`,
      params: [principal, principal, transactionId, user, transactionId],
    },
    sql`UPDATE {{credit_line_loans}} SET principal_minor = CASE WHEN principal_minor < ${principal} THEN 0
          ELSE principal_minor - ${principal} END WHERE transaction_id = ${transactionId}`,
  ];
}
