import { streamKind } from "../../../contracts/envelope.ts";
import { creditLineCodec } from "../../ledger/creditline/creditline.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../projection.ts";

/**
 * Each buyer's credit line: limit, held and used, in total and per tenure. Available is derived when read
 * (min of the line's and the tenure's headroom), so it can never drift from the parts.
 */
export const creditLinesProjection: Projection = {
  name: "credit_lines",
  version: 1,
  tables: {
    credit_lines: {
      columns: `user_id TEXT PRIMARY KEY, currency TEXT NOT NULL, total_minor BIGINT NOT NULL,
        held_minor BIGINT NOT NULL, used_minor BIGINT NOT NULL, updated_at TEXT NOT NULL`,
    },
    credit_line_tenures: {
      columns: `user_id TEXT NOT NULL, tenure BIGINT NOT NULL, limit_minor BIGINT NOT NULL,
        held_minor BIGINT NOT NULL, used_minor BIGINT NOT NULL, PRIMARY KEY (user_id, tenure)`,
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
          sql`INSERT INTO {{credit_lines}} (user_id, currency, total_minor, held_minor, used_minor, updated_at)
              VALUES (${user}, ${event.data.currency}, ${event.data.totalMinor}, 0, 0, ${at})
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
