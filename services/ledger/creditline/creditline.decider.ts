import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { CreditLineEvent, Tenure } from "./creditline.events.ts";

export type CreditLineCommand =
  | {
      readonly type: "SetLimit";
      readonly userId: string;
      readonly totalMinor: bigint;
      readonly perTenureMinor: readonly { tenure: Tenure; limitMinor: bigint }[];
      readonly reason: string;
    }
  | {
      readonly type: "PlaceHold";
      readonly transactionId: string;
      readonly amountMinor: bigint;
      readonly tenure: Tenure;
    }
  | { readonly type: "CaptureHold"; readonly transactionId: string }
  | { readonly type: "ReleaseHold"; readonly transactionId: string; readonly reason: string };

export type HoldState = "held" | "captured" | "released";

export interface Hold {
  readonly amountMinor: bigint;
  readonly tenure: Tenure;
  readonly state: HoldState;
}

export interface CreditLineState {
  readonly open: boolean;
  readonly totalMinor: bigint;
  readonly perTenureMinor: ReadonlyMap<Tenure, bigint>;
  readonly heldMinor: bigint;
  readonly usedMinor: bigint;
  readonly holds: ReadonlyMap<string, Hold>;
}

export const initialCreditLine: CreditLineState = {
  open: false,
  totalMinor: 0n,
  perTenureMinor: new Map(),
  heldMinor: 0n,
  usedMinor: 0n,
  holds: new Map(),
};

/** Held and used on one tenure, which its own cap bounds. */
function outstandingOn(state: CreditLineState, tenure: Tenure): bigint {
  let sum = 0n;
  for (const hold of state.holds.values())
    if (hold.tenure === tenure && hold.state !== "released") sum += hold.amountMinor;
  return sum;
}

/** What the user may still spend on a tenure: the smaller of the line's and the tenure's headroom. */
export function availableFor(state: CreditLineState, tenure: Tenure): bigint {
  const cap = state.perTenureMinor.get(tenure);
  if (!state.open || cap === undefined) return 0n;
  const line = state.totalMinor - state.heldMinor - state.usedMinor;
  const onTenure = cap - outstandingOn(state, tenure);
  const available = line < onTenure ? line : onTenure;
  return available > 0n ? available : 0n;
}

function setLimit(
  command: Extract<CreditLineCommand, { type: "SetLimit" }>,
  state: CreditLineState,
  actor: string,
): CreditLineEvent[] {
  if (command.totalMinor < 0n) throw new Rejection("limit_must_not_be_negative");
  if (command.perTenureMinor.some((t) => t.limitMinor < 0n || t.limitMinor > command.totalMinor)) {
    throw new Rejection("tenure_limit_must_be_within_total");
  }
  if (command.totalMinor < state.heldMinor + state.usedMinor)
    throw new Rejection("limit_must_cover_outstanding");
  return [
    {
      type: "CreditLimitSet",
      data: {
        userId: command.userId,
        currency: "VND",
        totalMinor: command.totalMinor,
        perTenureMinor: [...command.perTenureMinor],
        setBy: actor,
        reason: command.reason,
      },
    },
  ];
}

/**
 * Rules, in precedence order: amount_must_be_positive, credit_line_must_be_open, hold_must_not_be_closed,
 * tenure_must_be_offered, credit_limit_must_cover_amount. A hold already placed for the transaction is
 * a retry: nothing new happens.
 */
function placeHold(
  command: Extract<CreditLineCommand, { type: "PlaceHold" }>,
  state: CreditLineState,
): CreditLineEvent[] {
  if (command.amountMinor <= 0n) throw new Rejection("amount_must_be_positive");
  if (!state.open) throw new Rejection("credit_line_must_be_open");
  const existing = state.holds.get(command.transactionId);
  if (existing?.state === "held") return [];
  if (existing) throw new Rejection("hold_must_not_be_closed", { state: existing.state });
  if (!state.perTenureMinor.has(command.tenure)) throw new Rejection("tenure_must_be_offered");
  if (availableFor(state, command.tenure) < command.amountMinor) {
    throw new Rejection("credit_limit_must_cover_amount", {
      availableMinor: availableFor(state, command.tenure),
    });
  }
  return [
    {
      type: "CreditHeld",
      data: {
        transactionId: command.transactionId,
        amountMinor: command.amountMinor,
        tenure: command.tenure,
      },
    },
  ];
}

/** Capture and release close a hold exactly once; repeating the same close is a no-op, the other is refused. */
function closeHold(
  transactionId: string,
  state: CreditLineState,
  target: "captured" | "released",
  reason: string,
): CreditLineEvent[] {
  const hold = state.holds.get(transactionId);
  if (!hold) throw new Rejection("hold_must_exist");
  if (hold.state === target) return [];
  if (hold.state !== "held") throw new Rejection("hold_must_be_open", { state: hold.state });
  const data = { transactionId, amountMinor: hold.amountMinor, tenure: hold.tenure };
  return target === "captured"
    ? [{ type: "CreditHoldCaptured", data }]
    : [{ type: "CreditHoldReleased", data: { ...data, reason } }];
}

function withHold(state: CreditLineState, transactionId: string, hold: Hold): ReadonlyMap<string, Hold> {
  const holds = new Map(state.holds);
  holds.set(transactionId, hold);
  return holds;
}

function evolve(state: CreditLineState, event: CreditLineEvent): CreditLineState {
  const next = ((): CreditLineState => {
    switch (event.type) {
      case "CreditLimitSet":
        return {
          ...state,
          open: true,
          totalMinor: event.data.totalMinor,
          perTenureMinor: new Map(event.data.perTenureMinor.map((t) => [t.tenure, t.limitMinor])),
        };
      case "CreditHeld":
        invariant(!state.holds.has(event.data.transactionId), "a transaction holds credit at most once");
        return {
          ...state,
          heldMinor: state.heldMinor + event.data.amountMinor,
          holds: withHold(state, event.data.transactionId, { ...event.data, state: "held" }),
        };
      case "CreditHoldCaptured":
      case "CreditHoldReleased": {
        const hold = state.holds.get(event.data.transactionId);
        invariant(hold?.state === "held", "a hold is captured or released exactly once");
        const captured = event.type === "CreditHoldCaptured";
        return {
          ...state,
          heldMinor: state.heldMinor - hold.amountMinor,
          usedMinor: captured ? state.usedMinor + hold.amountMinor : state.usedMinor,
          holds: withHold(state, event.data.transactionId, {
            ...hold,
            state: captured ? "captured" : "released",
          }),
        };
      }
      default:
        return unhandled(event);
    }
  })();
  invariant(next.heldMinor >= 0n && next.usedMinor >= 0n, "held and used are never negative");
  invariant(next.heldMinor + next.usedMinor <= next.totalMinor, "held + used never exceed the limit");
  return next;
}

export const creditLineDecider: Decider<CreditLineCommand, CreditLineEvent, CreditLineState> = {
  initialState: initialCreditLine,
  decide(command, state, meta) {
    switch (command.type) {
      case "SetLimit":
        return setLimit(command, state, meta.actor);
      case "PlaceHold":
        return placeHold(command, state);
      case "CaptureHold":
        return closeHold(command.transactionId, state, "captured", "settled");
      case "ReleaseHold":
        return closeHold(command.transactionId, state, "released", command.reason);
      default:
        return unhandled(command);
    }
  },
  evolve,
};

export const creditLineStream = (userId: string) => `creditline-${userId}`;
