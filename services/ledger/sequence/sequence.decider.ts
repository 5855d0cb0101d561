import { type Decider, invariant, unhandled } from "../decider.ts";
import type { SequenceEvent } from "./sequence.events.ts";

export type SequenceCommand = { readonly type: "Issue" };

/** The last number issued (0 before the first). Only the last event matters, so a reader may fold it alone. */
export interface SequenceState {
  readonly last: number;
}

export const sequenceDecider: Decider<SequenceCommand, SequenceEvent, SequenceState> = {
  initialState: { last: 0 },
  decide(command, state) {
    switch (command.type) {
      case "Issue":
        return [{ type: "NumberIssued", data: { number: state.last + 1 } }];
      default:
        return unhandled(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "NumberIssued":
        invariant(event.data.number > state.last, "a sequence only moves forward");
        return { last: event.data.number };
      default:
        return unhandled(event.type);
    }
  },
};

export const sequenceStream = (prefix: string) => `sequence-${prefix}`;
