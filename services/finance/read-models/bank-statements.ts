import { streamKind } from "../../../contracts/envelope.ts";
import { bankStatementCodec } from "../../ledger/bankstatement/bankstatement.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/** The imported bank statements and their reconciliation counts, newest first when listed. */
export const bankStatementsProjection: Projection = {
  name: "bank_statements",
  version: 1,
  tables: {
    bank_statements: {
      columns: `statement_id TEXT PRIMARY KEY, imported_at TEXT NOT NULL, from_day TEXT NOT NULL,
        to_day TEXT NOT NULL, line_count BIGINT NOT NULL, reconciled BIGINT NOT NULL, matched BIGINT NOT NULL,
        amount_mismatches BIGINT NOT NULL, unmatched_lines BIGINT NOT NULL, unmatched_movements BIGINT NOT NULL`,
      indexes: ["imported_at"],
    },
  },
  handle(envelope): Statement[] {
    if (streamKind(envelope.streamId) !== "bankstatement") return [];
    const statementId = envelope.streamId.slice("bankstatement-".length);
    const event = bankStatementCodec.decode(envelope);
    switch (event.type) {
      case "BankStatementImported": {
        const d = event.data;
        return [
          sql`INSERT INTO {{bank_statements}} (statement_id, imported_at, from_day, to_day, line_count, reconciled,
                matched, amount_mismatches, unmatched_lines, unmatched_movements)
              VALUES (${statementId}, ${envelope.occurredAt}, ${d.from}, ${d.to}, ${d.lineCount}, 0, 0, 0, 0, 0)
              ON CONFLICT (statement_id) DO NOTHING`,
        ];
      }
      case "BankStatementReconciled": {
        const d = event.data;
        return [
          sql`UPDATE {{bank_statements}} SET reconciled = 1, matched = ${d.matched},
                amount_mismatches = ${d.amountMismatches}, unmatched_lines = ${d.unmatchedLines},
                unmatched_movements = ${d.unmatchedMovements}
              WHERE statement_id = ${statementId}`,
        ];
      }
      default:
        return [];
    }
  },
};
