import { streamKind } from "../../../contracts/envelope.ts";
import { creditLineCodec, type Tenure } from "../../ledger/creditline/creditline.events.ts";
import { totalOf } from "../../ledger/creditline/creditline.state.ts";
import { creditLineKeyOf } from "../../ledger/creditline/creditline.stream.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * Each credit line (one per product, buyer and currency, keyed by its stream id `line_id`): limit, held and
 * used, in total and, on an instalment line, per tenure. Available is derived when read (min of the line's
 * and the tenure's headroom), so it can never drift from the parts.
 *
 * `used` is the principal of open loans and drawdowns: a capture adds it, a repayment's principal and a
 * cancellation's principal take it off again, so spent credit comes back. `outstanding_minor` is everything
 * owed (principal, interest, processing fee); `refund_due_minor` what a cancellation took back after it had
 * been repaid. `credit_line_loans` keeps each loan's tenure (none for a drawdown) and unpaid principal: a
 * cancellation reduces the principal by at most what is left of it (the rest is refunded), as the credit
 * line decider does.
 * v2: repayments, loan cancellations, outstanding and refunds. v3: lines per product and currency, revolving
 * lines and their drawdowns.
 */
export const creditLinesProjection: Projection = {
  name: "credit_lines",
  version: 3,
  tables: {
    credit_lines: {
      columns: `line_id TEXT PRIMARY KEY, product TEXT NOT NULL, user_id TEXT NOT NULL, currency TEXT NOT NULL,
        kind TEXT NOT NULL, total_minor BIGINT NOT NULL, held_minor BIGINT NOT NULL, used_minor BIGINT NOT NULL,
        updated_at TEXT NOT NULL, outstanding_minor BIGINT NOT NULL, refund_due_minor BIGINT NOT NULL`,
      indexes: ["user_id"],
    },
    credit_line_tenures: {
      columns: `line_id TEXT NOT NULL, user_id TEXT NOT NULL, tenure BIGINT NOT NULL, limit_minor BIGINT NOT NULL,
        held_minor BIGINT NOT NULL, used_minor BIGINT NOT NULL, PRIMARY KEY (line_id, tenure)`,
      indexes: ["user_id"],
    },
    credit_line_loans: {
      columns: `line_id TEXT NOT NULL, transaction_id TEXT NOT NULL, user_id TEXT NOT NULL, tenure BIGINT,
        principal_minor BIGINT NOT NULL, opened_at TEXT NOT NULL, PRIMARY KEY (line_id, transaction_id)`,
      indexes: ["user_id"],
    },
  },
  handle(envelope): Statement[] {
    if (streamKind(envelope.streamId) !== "creditline") return [];
    const event = creditLineCodec.decode(envelope);
    const line = envelope.streamId;
    const at = envelope.occurredAt;
    switch (event.type) {
      case "CreditLimitSet": {
        const d = event.data;
        return [
          sql`INSERT INTO {{credit_lines}} (line_id, product, user_id, currency, kind, total_minor, held_minor,
                used_minor, updated_at, outstanding_minor, refund_due_minor)
              VALUES (${line}, ${d.product}, ${d.userId}, ${d.currency}, ${d.kind}, ${d.totalMinor}, 0, 0, ${at}, 0, 0)
              ON CONFLICT (line_id) DO UPDATE SET total_minor = excluded.total_minor, updated_at = excluded.updated_at`,
          ...(d.kind === "instalment" ? d.perTenureMinor : []).map(
            (
              t,
            ) => sql`INSERT INTO {{credit_line_tenures}} (line_id, user_id, tenure, limit_minor, held_minor, used_minor)
                VALUES (${line}, ${d.userId}, ${t.tenure}, ${t.limitMinor}, 0, 0)
                ON CONFLICT (line_id, tenure) DO UPDATE SET limit_minor = excluded.limit_minor`,
          ),
        ];
      }
      case "CreditHeld":
        return move(line, event.data.tenure, event.data.amountMinor, 0n, at);
      case "CreditHoldCaptured":
        return move(line, event.data.tenure, -event.data.amountMinor, event.data.amountMinor, at);
      case "CreditHoldReleased":
        return move(line, event.data.tenure, -event.data.amountMinor, 0n, at);
      case "LoanOpened": {
        const d = event.data;
        const owedMinor = d.principalMinor + d.interestMinor + d.processingFeeMinor;
        return opened(line, { ...d, owedMinor }, at);
      }
      case "DrawdownOpened":
        return opened(line, { ...event.data, tenure: undefined, owedMinor: event.data.principalMinor }, at);
      case "RepaymentApplied":
        return event.data.allocations.flatMap((a) => [
          ...repayPrincipal(line, a.transactionId, a.principalMinor, at),
          sql`UPDATE {{credit_lines}} SET outstanding_minor = outstanding_minor - ${a.principalMinor + a.interestMinor + a.feeMinor}
              WHERE line_id = ${line}`,
        ]);
      case "LoanCancelled": {
        const d = event.data;
        const refundDueMinor = totalOf(d.refundDue);
        return [
          ...cancelPrincipal(line, d.transactionId, d.principalMinor, at),
          sql`UPDATE {{credit_lines}} SET outstanding_minor = outstanding_minor - ${totalOf(d) - refundDueMinor},
                refund_due_minor = refund_due_minor + ${refundDueMinor} WHERE line_id = ${line}`,
        ];
      }
      default:
        return [];
    }
  },
};

/** Held and used move on the line and, when the hold has one, on its tenure. */
function move(
  line: string,
  tenure: Tenure | undefined,
  heldDelta: bigint,
  usedDelta: bigint,
  at: string,
): Statement[] {
  return [
    sql`UPDATE {{credit_lines}} SET held_minor = held_minor + ${heldDelta}, used_minor = used_minor + ${usedDelta},
        updated_at = ${at} WHERE line_id = ${line}`,
    ...(tenure === undefined
      ? []
      : [
          sql`UPDATE {{credit_line_tenures}} SET held_minor = held_minor + ${heldDelta}, used_minor = used_minor + ${usedDelta}
              WHERE line_id = ${line} AND tenure = ${tenure}`,
        ]),
  ];
}

/** A loan or drawdown opens (its captured hold already moved held to used): all of it is now owed. */
function opened(
  line: string,
  loan: {
    transactionId: string;
    tenure: Tenure | undefined;
    principalMinor: bigint;
    openedAt: string;
    owedMinor: bigint;
  },
  at: string,
): Statement[] {
  const { transactionId, tenure, principalMinor, openedAt, owedMinor } = loan;
  const userId = creditLineKeyOf(line).userId;
  return [
    sql`INSERT INTO {{credit_line_loans}} (line_id, transaction_id, user_id, tenure, principal_minor, opened_at)
        VALUES (${line}, ${transactionId}, ${userId}, ${tenure ?? null}, ${principalMinor}, ${openedAt})`,
    sql`UPDATE {{credit_lines}} SET outstanding_minor = outstanding_minor + ${owedMinor}, updated_at = ${at}
        WHERE line_id = ${line}`,
  ];
}

/** The tenure of one of the line's loans (NULL for a drawdown: no tenure row matches it). */
const loanTenure = "(SELECT tenure FROM {{credit_line_loans}} WHERE line_id = ? AND transaction_id = ?)";

/** Principal paid back on one loan: used goes down on the line and on the loan's tenure. */
function repayPrincipal(line: string, transactionId: string, principal: bigint, at: string): Statement[] {
  return [
    sql`UPDATE {{credit_lines}} SET used_minor = used_minor - ${principal}, updated_at = ${at} WHERE line_id = ${line}`,
    {
      sql: `UPDATE {{credit_line_tenures}} SET used_minor = used_minor - ? WHERE line_id = ? AND tenure = ${loanTenure}`,
      params: [principal, line, line, transactionId],
    },
    sql`UPDATE {{credit_line_loans}} SET principal_minor = principal_minor - ${principal}
        WHERE line_id = ${line} AND transaction_id = ${transactionId}`,
  ];
}

/**
 * A cancellation's principal comes off the loan up to what is left unpaid of it (the decider refunds the
 * rest): used goes down by that much, then the loan's unpaid principal. Statements run in order, so the
 * first two read the loan before the third changes it.
 */
function cancelPrincipal(line: string, transactionId: string, principal: bigint, at: string): Statement[] {
  const taken = `(SELECT CASE WHEN l.principal_minor < ? THEN l.principal_minor ELSE ? END
       FROM {{credit_line_loans}} l WHERE l.line_id = ? AND l.transaction_id = ?)`;
  const takenParams = [principal, principal, line, transactionId];
  return [
    {
      sql: `UPDATE {{credit_lines}} SET used_minor = used_minor - ${taken}, updated_at = ? WHERE line_id = ?`,
      params: [...takenParams, at, line],
    },
    {
      sql: `UPDATE {{credit_line_tenures}} SET used_minor = used_minor - ${taken}
            WHERE line_id = ? AND tenure = ${loanTenure}`,
      params: [...takenParams, line, line, transactionId],
    },
    sql`UPDATE {{credit_line_loans}} SET principal_minor = CASE WHEN principal_minor < ${principal} THEN 0
          ELSE principal_minor - ${principal} END WHERE line_id = ${line} AND transaction_id = ${transactionId}`,
  ];
}
