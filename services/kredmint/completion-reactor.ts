import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";
import { creditLineDecider } from "../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../ledger/creditline/creditline.events.ts";
import { owedOn } from "../ledger/creditline/creditline.state.ts";
import { creditLineKeyOf } from "../ledger/creditline/creditline.stream.ts";
import { disbursalDecider } from "../ledger/disbursal/disbursal.decider.ts";
import { disbursalCodec } from "../ledger/disbursal/disbursal.events.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { reactionMeta } from "../platform/reactor.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { findDisbursal } from "./read-models/disbursals.ts";

/**
 * A disbursal is Completed when its drawdown is repaid in full: after each repayment on a Partner API line,
 * every drawdown it paid into that owes nothing more completes its disbursal. Idempotent (Completed again
 * appends nothing), as a reaction must be.
 */
export function completionReactions(store: EventStore, readStore: ReadStore) {
  const creditLines = commandHandler(store, creditLineDecider, creditLineCodec);
  const disbursals = commandHandler(store, disbursalDecider, disbursalCodec);
  return async (envelope: EventEnvelope): Promise<void> => {
    if (streamKind(envelope.streamId) !== "creditline" || envelope.type !== "RepaymentApplied") return;
    const key = creditLineKeyOf(envelope.streamId);
    if (key.product !== "kredmint") return;
    const event = creditLineCodec.decode(envelope);
    if (event.type !== "RepaymentApplied") return;
    const { state: line } = await creditLines.load(envelope.streamId);
    const meta = reactionMeta(envelope, "reactor:kredmint-completion", "kredmint");
    for (const disbursalId of new Set(event.data.allocations.map((a) => a.transactionId))) {
      const drawdown = line.loans.get(disbursalId);
      const owed = drawdown ? drawdown.installments.reduce((sum, i) => sum + owedOn(i), 0n) : 0n;
      if (owed > 0n) continue;
      const row = await findDisbursal(readStore, disbursalId);
      if (!row || row.userId !== key.userId) continue;
      const { state } = await disbursals.load(row.streamId);
      if (state.status === "Paid") await disbursals.handle(row.streamId, { type: "Complete" }, meta);
    }
  };
}
