import { spawn } from "node:child_process";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { creditLineCodec } from "../../services/ledger/creditline/creditline.events.ts";
import { evolve } from "../../services/ledger/creditline/creditline.evolve.ts";
import { initialCreditLine } from "../../services/ledger/creditline/creditline.state.ts";
import { assertBalanced, postingsFor } from "../../services/ledger/journal/postings.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { combinedOutput, ROOT } from "../support/service-process.ts";
import { COMMAND_KINDS, type Command, type CommandKind, type LoadRecord } from "./load.ts";

// The crash loop's afterwards-checks (issue 14 item 1), reading the log and the read models directly once
// the load has stopped and every follower is at the head. Each check answers its figures and its failures
// (empty when it holds), so the test prints every figure and fails naming every broken invariant.

export interface Figures {
  events: number;
  acknowledged: Record<CommandKind, number>;
  unanswered: number;
  refused: number;
  lost: number;
  duplicates: number;
  journalEntries: number;
  creditLineSteps: number;
  pushesDelivered: number;
  pushesDeadLettered: number;
}

export interface Verdict {
  readonly figures: Figures;
  readonly failures: string[];
}

/** The whole log, in position order. */
export async function readLog(store: EventStore): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (let after = "0"; ; ) {
    const page = await store.readAll({ after, maxCount: 1000 });
    events.push(...page);
    if (page.length < 1000) return events;
    after = page.at(-1)!.position;
  }
}

const field = (event: EventEnvelope, name: string): unknown => (event.data as Record<string, unknown>)[name];

/** No event twice: every event id once, every stream's revisions 0, 1, 2, … without a gap or a repeat. */
export function noDuplicatedEvent(log: readonly EventEnvelope[]): string[] {
  const failures: string[] = [];
  const ids = new Set<string>();
  const revisions = new Map<string, number>();
  for (const e of log) {
    if (ids.has(e.eventId)) failures.push(`event ${e.eventId} (${e.type}) is in the log twice`);
    ids.add(e.eventId);
    const expected = revisions.get(e.streamId) ?? 0;
    if (e.revision !== expected)
      failures.push(`${e.streamId}: revision ${e.revision} where ${expected} was next (${e.type})`);
    revisions.set(e.streamId, e.revision + 1);
  }
  return failures;
}

/** The events a command makes, each of which must be in the log once (or, never answered, at most once). */
function footprints(command: Command, log: LogIndex): { what: string; count: number }[] {
  const stream = (type: string) =>
    (log.byStream.get(`checkout-${command.transactionId}`) ?? []).filter((e) => e.type === type).length;
  switch (command.kind) {
    case "init":
      return [{ what: "Initiated", count: stream("Initiated") }];
    case "approve":
      return [
        { what: "Pending", count: stream("Pending") },
        {
          what: "CreditHeld",
          count: log.ofType("CreditHeld").filter((e) => field(e, "transactionId") === command.transactionId)
            .length,
        },
      ];
    case "confirm":
      return [command.status === "settled" ? "Settled" : "Failed"].map((what) => ({
        what,
        count: stream(what),
      }));
    case "cancel":
      return [{ what: "Cancelled", count: stream("Cancelled") }];
    case "payout":
      return (command.payoutIds ?? []).map((id) => ({
        what: `PayoutMade ${id}`,
        count: log.ofType("PayoutMade").filter((e) => field(e, "payoutId") === id).length,
      }));
    case "repayment":
      return [
        {
          what: "RepaymentApplied",
          count: log.ofType("RepaymentApplied").filter((e) => field(e, "repaymentId") === command.repaymentId)
            .length,
        },
      ];
    case "disbursal": {
      const events = log.byStream.get(command.streamId ?? "") ?? [];
      const count = (type: string) => events.filter((e) => e.type === type).length;
      return [
        { what: "DisbursalRequested", count: count("DisbursalRequested") },
        { what: "DisbursalInitiated", count: count("DisbursalInitiated") },
        ...(command.disbursalId === undefined
          ? []
          : [
              {
                what: "CreditHeld",
                count: log
                  .ofType("CreditHeld")
                  .filter((e) => field(e, "transactionId") === command.disbursalId).length,
              },
            ]),
      ];
    }
    default:
      return command.kind satisfies never;
  }
}

interface LogIndex {
  readonly byStream: Map<string, EventEnvelope[]>;
  ofType(type: string): EventEnvelope[];
}

function indexLog(log: readonly EventEnvelope[]): LogIndex {
  const byStream = new Map<string, EventEnvelope[]>();
  const byType = new Map<string, EventEnvelope[]>();
  for (const e of log) {
    byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  }
  return { byStream, ofType: (type) => byType.get(type) ?? [] };
}

/**
 * Every acknowledged command in the log exactly once (lost: none of its events; duplicated: more than one),
 * every unanswered one at most once; and no transaction paid out twice.
 */
export function commandsExactlyOnce(
  record: LoadRecord,
  log: readonly EventEnvelope[],
): { lost: number; duplicates: number; failures: string[] } {
  const index = indexLog(log);
  const failures: string[] = [];
  let lost = 0;
  let duplicates = 0;
  const check = (command: Command, answered: boolean) => {
    for (const { what, count } of footprints(command, index)) {
      const label = `${answered ? "acknowledged" : "unanswered"} ${command.kind} ${command.key}`;
      if (answered && count === 0) {
        lost++;
        failures.push(`${label}: no ${what} in the log (lost)`);
      }
      if (count > 1) {
        duplicates++;
        failures.push(`${label}: ${count} × ${what} in the log`);
      }
    }
  };
  for (const command of record.acknowledged) check(command, true);
  for (const command of record.unanswered) check(command, false);
  const paid = new Map<string, number>();
  for (const e of index.ofType("PayoutMade")) {
    for (const id of field(e, "transactionIds") as string[]) paid.set(id, (paid.get(id) ?? 0) + 1);
  }
  for (const [id, times] of paid) {
    if (times > 1) {
      duplicates++;
      failures.push(`transaction ${id} paid out ${times} times`);
    }
  }
  return { lost, duplicates, failures };
}

/** Every journal entry the log implies balances per currency, and so does every entry the journal holds. */
export async function journalBalanced(
  log: readonly EventEnvelope[],
  readStore: ReadStore,
): Promise<{ entries: number; failures: string[] }> {
  const failures: string[] = [];
  let entries = 0;
  for (const event of log) {
    for (const entry of postingsFor(event)) {
      entries++;
      try {
        assertBalanced(entry);
      } catch (error) {
        failures.push(String(error));
      }
    }
  }
  const unbalanced = await readStore.query(
    `SELECT entry_id, currency, SUM(debit_minor) AS d, SUM(credit_minor) AS c FROM journal_postings
      GROUP BY entry_id, currency HAVING SUM(debit_minor) <> SUM(credit_minor)`,
  );
  for (const row of unbalanced)
    failures.push(`journal entry ${row.entry_id} does not balance: ${JSON.stringify(row, big)}`);
  const [held] = await readStore.query("SELECT COUNT(DISTINCT entry_id) AS n FROM journal_postings");
  if (BigInt(String(held?.n)) !== BigInt(entries))
    failures.push(`the journal holds ${held?.n} entries, the log implies ${entries}`);
  return { entries, failures };
}

/** The trial balance (current totals of every account) nets to zero in each currency. */
export async function trialBalanceZero(readStore: ReadStore): Promise<string[]> {
  const rows = await readStore.query(
    "SELECT currency, SUM(debit_minor) AS d, SUM(credit_minor) AS c FROM account_balances GROUP BY currency",
  );
  return rows
    .filter((r) => BigInt(String(r.d)) !== BigInt(String(r.c)))
    .map((r) => `trial balance in ${r.currency}: debits ${r.d} ≠ credits ${r.c}`);
}

/** No credit line above its limit at any event of its stream (held + used ≤ total), nor in the read model. */
export async function creditLinesWithinLimit(
  log: readonly EventEnvelope[],
  readStore: ReadStore,
): Promise<{ steps: number; failures: string[] }> {
  const failures: string[] = [];
  let steps = 0;
  const states = new Map<string, typeof initialCreditLine>();
  for (const event of log) {
    if (!event.streamId.startsWith("creditline-")) continue;
    const state = evolve(states.get(event.streamId) ?? initialCreditLine, creditLineCodec.decode(event));
    states.set(event.streamId, state);
    steps++;
    if (state.heldMinor + state.usedMinor > state.totalMinor) {
      failures.push(
        `${event.streamId} at ${event.position} (${event.type}): held ${state.heldMinor} + used ${state.usedMinor} > limit ${state.totalMinor}`,
      );
    }
  }
  const over = await readStore.query(
    "SELECT user_id, total_minor, held_minor, used_minor FROM credit_lines WHERE held_minor + used_minor > total_minor",
  );
  for (const row of over) failures.push(`credit_lines row above its limit: ${JSON.stringify(row, big)}`);
  return { steps, failures };
}

/** The event whose push an acknowledged command owes the merchant, if any. */
function owedPush(c: Command): "Pending" | "Failed" | undefined {
  if (c.kind === "approve") return "Pending";
  return c.kind === "confirm" && c.status === "failed" ? "Failed" : undefined;
}

/**
 * Every push an acknowledged transition owes (Pending of an approval, Failed of a merchant's failure
 * report) is delivered or dead-lettered, and each delivered to the receiver arrived there.
 */
export async function pushesSettled(
  record: LoadRecord,
  readStore: ReadStore,
  received: ReadonlySet<string>,
  receiverUrl: string,
): Promise<{ delivered: number; dead: number; failures: string[] }> {
  const rows = await readStore.query(
    "SELECT delivery_id, stream_id, event_type, status, url FROM notifier_deliveries WHERE source = 'kredivo-push'",
  );
  const byTransition = new Map(rows.map((r) => [`${r.stream_id} ${r.event_type}`, r]));
  const failures: string[] = [];
  for (const c of record.acknowledged) {
    const type = owedPush(c);
    if (!type) continue;
    const row = byTransition.get(`checkout-${c.transactionId} ${type}`);
    if (!row) failures.push(`no push recorded for ${type} of ${c.transactionId}`);
    else if (row.status !== "delivered" && row.status !== "dead")
      failures.push(`push ${row.delivery_id} (${type} of ${c.transactionId}) is ${row.status}`);
    else if (row.status === "delivered" && row.url === receiverUrl && !received.has(String(row.delivery_id)))
      failures.push(`push ${row.delivery_id} recorded delivered, never received`);
  }
  const delivered = rows.filter((r) => r.status === "delivered").length;
  const dead = rows.filter((r) => r.status === "dead").length;
  return { delivered, dead, failures };
}

/**
 * `ledger verify` (services/runtime/ledger-cli.ts) against the stopped service's stores: every read model
 * equals its rebuild from the log. Answers its failure, if any.
 */
export function projectionsEqualRebuild(env: Record<string, string>): Promise<string[]> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["services/runtime/ledger-cli.ts", "verify"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = combinedOutput(child);
    child.once("close", (code) =>
      done(
        code === 0 && /read models verified/.test(output())
          ? []
          : // Its verdict without the progress bar's lines.
            [
              `ledger verify (exit ${code}): ${output()
                .split("\n")
                .filter((l) => !l.includes("|"))
                .join(" ")
                .trim()}`,
            ],
      ),
    );
  });
}

const big = (_: string, value: unknown) => (typeof value === "bigint" ? String(value) : value);

/** Every check above over one finished run. */
export async function checkRun(input: {
  record: LoadRecord;
  store: EventStore;
  readStore: ReadStore;
  received: ReadonlySet<string>;
  receiverUrl: string;
  /** The service's environment, for `ledger verify`. */
  env: Record<string, string>;
}): Promise<Verdict> {
  const { record, store, readStore } = input;
  const log = await readLog(store);
  const commands = commandsExactlyOnce(record, log);
  const journal = await journalBalanced(log, readStore);
  const lines = await creditLinesWithinLimit(log, readStore);
  const pushes = await pushesSettled(record, readStore, input.received, input.receiverUrl);
  const acknowledged = Object.fromEntries(COMMAND_KINDS.map((k) => [k, 0])) as Record<CommandKind, number>;
  for (const c of record.acknowledged) acknowledged[c.kind]++;
  return {
    figures: {
      events: log.length,
      acknowledged,
      unanswered: record.unanswered.length,
      refused: record.refused.length,
      lost: commands.lost,
      duplicates: commands.duplicates,
      journalEntries: journal.entries,
      creditLineSteps: lines.steps,
      pushesDelivered: pushes.delivered,
      pushesDeadLettered: pushes.dead,
    },
    failures: [
      ...noDuplicatedEvent(log),
      ...commands.failures,
      ...journal.failures,
      ...(await trialBalanceZero(readStore)),
      ...lines.failures,
      ...pushes.failures,
      ...(await projectionsEqualRebuild(input.env)),
    ],
  };
}
