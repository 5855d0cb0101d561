import { streamKind } from "../../../contracts/envelope.ts";
import { creditLineCodec } from "../../ledger/creditline/creditline.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * Every limit a credit line has had, in log order: who set it (the event's actor), when, why, the total and
 * an instalment line's per-tenure caps (JSON, minor units as strings). Whether a change raised or lowered
 * the limit is read off the previous row, so the projection stays one insert per event.
 */
export const limitHistoryProjection: Projection = {
  name: "credit_limit_history",
  version: 1,
  tables: {
    credit_limit_history: {
      columns: `line_id TEXT NOT NULL, position TEXT NOT NULL, product TEXT NOT NULL, user_id TEXT NOT NULL,
        currency TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
        total_minor BIGINT NOT NULL, per_tenure TEXT, PRIMARY KEY (line_id, position)`,
    },
  },
  handle(envelope): Statement[] {
    if (streamKind(envelope.streamId) !== "creditline") return [];
    const event = creditLineCodec.decode(envelope);
    if (event.type !== "CreditLimitSet") return [];
    const d = event.data;
    const perTenure =
      d.kind === "instalment"
        ? JSON.stringify(
            Object.fromEntries(d.perTenureMinor.map((t) => [String(t.tenure), String(t.limitMinor)])),
          )
        : null;
    return [
      sql`INSERT INTO {{credit_limit_history}} (line_id, position, product, user_id, currency, recorded_at, actor,
            reason, total_minor, per_tenure)
          VALUES (${envelope.streamId}, ${envelope.position.padStart(20, "0")}, ${d.product}, ${d.userId},
            ${d.currency}, ${envelope.recordedAt}, ${envelope.actor}, ${d.reason}, ${d.totalMinor}, ${perTenure})`,
    ];
  },
};
