import { createHash } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type { Currency } from "../../../contracts/money.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { merchantDecider, merchantStream } from "../../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../../ledger/merchant/merchant.events.ts";
import { commandHandler } from "../../platform/command-handler.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { openItems, type PayoutRow, payoutsWithIdPrefix } from "../queries.ts";
import { balanceKey, byMerchantAndCurrency, type MerchantBalance, openBalances } from "./open-balances.ts";

/** Our bank account payouts leave from unless the run names another (it becomes `cash:<account>`). */
export const DEFAULT_PAYOUT_BANK_ACCOUNT = "operating";
export const DEFAULT_BANK_REFERENCE_PREFIX = "LDGR";

export interface PayoutRunRequest {
  /** Our bank account the transfers leave from. */
  readonly bankAccount?: string;
  /** Prefix of generated bank references (UTR-like: prefix + yyyymmdd + 10 digits). */
  readonly bankReferencePrefix?: string;
  /** The bank's own reference per merchant, when the transfers were already made and their UTRs are known. */
  readonly bankReferences?: Readonly<Record<string, string>>;
}

/** A payout, as the run made it or as the journal holds it. */
export type PayoutMade = PayoutRow;

/** A transaction of the run was already paid by another payout (a concurrent run): nothing more was paid. */
export class PayoutConflict extends Error {
  override name = "PayoutConflict";
  readonly merchantId: string;
  readonly transactionId: string;
  readonly paidBy: string;
  /** Payouts this run made before the conflict (they stand: each is a complete payout of its merchant). */
  readonly made: readonly PayoutMade[];
  constructor(merchantId: string, transactionId: string, paidBy: string, made: readonly PayoutMade[]) {
    super(
      `transaction ${transactionId} of merchant ${merchantId} was already paid by payout ${paidBy} (another payout run got there first)`,
    );
    this.merchantId = merchantId;
    this.transactionId = transactionId;
    this.paidBy = paidBy;
    this.made = made;
  }
}

/**
 * What makes the attempts of one run (the first, and a retry after it died) the same run: payout ids
 * derived from its Idempotency-Key. A retry finds what the dead attempt paid, pays nobody twice and answers
 * with the same payouts.
 */
export interface PayoutRunKey {
  /** The run's payout id for a merchant in a currency: the same on every attempt. */
  payoutId(merchantId: string, currency: Currency): string;
  /** What every payoutId of the run starts with. */
  readonly payoutIdPrefix: string;
}

export interface PayoutRunResult {
  /** By merchant, then currency: those an earlier attempt of the run made and those this one made. */
  readonly payouts: readonly PayoutMade[];
  /** Log position of the run's last payout: the journal shows every payout once it has applied it. */
  readonly position: string | undefined;
  /** Whether the journal had applied `position` when the run answered; if not, wait for that position. */
  readonly journalCaughtUp: boolean;
  /** A fault of ours stopped the run after money had moved: the payouts made stand, the rest is unpaid. */
  readonly interrupted?: {
    readonly merchantId: string;
    readonly currency: Currency;
    readonly cause: unknown;
  };
}

/** The journal did not reach the log head in time, so open balances could not be read reliably. */
export class JournalBehind extends Error {
  override name = "JournalBehind";
}

export interface PayoutServiceOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Resolves true once the journal projection has applied `position` (bounded). */
  readonly waitForJournal: (position: string) => Promise<boolean>;
  readonly now: () => Date;
}

export type PayoutService = ReturnType<typeof payoutService>;

// Where callers of the run have always found how it groups open items.
export { openBalances };

/** A UTR-like reference: prefix, the payout's date (yyyymmdd) and 10 digits derived from the payout id. */
export function generatedBankReference(prefix: string, paidAt: Date, payoutId: string): string {
  const digest = createHash("sha256").update(payoutId).digest();
  const digits = (digest.readBigUInt64BE(0) % 10_000_000_000n).toString().padStart(10, "0");
  return `${prefix}${paidAt.toISOString().slice(0, 10).replaceAll("-", "")}${digits}`;
}

/**
 * The payout run: every merchant whose open balance in a currency (settled unpaid payable, less
 * cancellations before payout, less what it owes us from cancellations after an earlier payout) is positive
 * gets one payout in that currency, recorded by the merchant decider (which refuses a transaction paid twice).
 * The checkouts are then marked Paid by the payout-paid reactor. Runs in this process are serialised; across
 * processes the decider's check turns a race into a PayoutConflict.
 *
 * Once money has moved, the run answers with what it paid, never with a fault: a conflict carries the
 * payouts made before it, a fault of ours ends the run `interrupted`, and a journal that lags is reported as
 * the position to wait for.
 */
export function payoutService(options: PayoutServiceOptions) {
  const merchants = merchantCommands(options.store);
  let queue: Promise<unknown> = Promise.resolve();

  async function run(
    request: PayoutRunRequest,
    caller: Caller,
    key: PayoutRunKey | undefined,
  ): Promise<PayoutRunResult> {
    const { made, owed } = await whatIsOwed(options, key);
    for (const balance of owed) {
      try {
        const payout = await pay(merchants, balance, request, caller, key, options.now());
        if (payout) made.push(payout);
      } catch (error) {
        if (isAlreadyPaid(error)) throw conflictAt(balance, error, made);
        if (made.length === 0) throw error;
        const interrupted = { merchantId: balance.merchantId, currency: balance.currency, cause: error };
        return answer(options.waitForJournal, made, interrupted);
      }
    }
    return answer(options.waitForJournal, made);
  }

  return {
    /** One run at a time in this process: a second waits for the first and then finds nothing left. */
    run(request: PayoutRunRequest, caller: Caller, key?: PayoutRunKey): Promise<PayoutRunResult> {
      const next = queue.then(() => run(request, caller, key));
      queue = next.catch(() => {});
      return next;
    },
  };
}

const merchantCommands = (store: EventStore) => commandHandler(store, merchantDecider, merchantCodec);
type MerchantCommands = ReturnType<typeof merchantCommands>;

/**
 * What the run still owes, read once the journal has reached the log head (what the whole log says, not
 * what the journal had got to): the payouts an earlier attempt of this run made, and every positive balance
 * that attempt did not pay.
 */
async function whatIsOwed(
  options: PayoutServiceOptions,
  key: PayoutRunKey | undefined,
): Promise<{ made: PayoutMade[]; owed: MerchantBalance[] }> {
  const head = await options.store.headPosition();
  if (!(await options.waitForJournal(head))) {
    throw new JournalBehind(`the journal has not reached the log head ${head} yet; retry shortly`);
  }
  const made = await paidBefore(options.readStore, key);
  const paid = new Set(made.map(balanceKey));
  const owed = openBalances(await openItems(options.readStore)).filter(
    (b) => b.payableMinor > b.receivableMinor && !paid.has(balanceKey(b)),
  );
  return { made, owed };
}

/** The payouts an earlier attempt of this run made. */
async function paidBefore(readStore: ReadStore, key: PayoutRunKey | undefined): Promise<PayoutMade[]> {
  if (!key) return [];
  const rows = await payoutsWithIdPrefix(readStore, key.payoutIdPrefix);
  return rows.filter((r) => r.payoutId === key.payoutId(r.merchantId, r.currency));
}

/** Pays one merchant its balance in one currency; undefined when another attempt of the run already did. */
async function pay(
  merchants: MerchantCommands,
  balance: MerchantBalance,
  request: PayoutRunRequest,
  caller: Caller,
  key: PayoutRunKey | undefined,
  at: Date,
): Promise<PayoutMade | undefined> {
  const payoutId = key ? key.payoutId(balance.merchantId, balance.currency) : uuidv7();
  const payout = payoutOf(balance, request, payoutId, at);
  const handled = await merchants.handle(
    merchantStream(balance.merchantId),
    { type: "Payout", payout },
    {
      now: at.toISOString(),
      actor: caller.actor,
      tenantId: balance.merchantId,
      correlationId: caller.correlationId,
      causationId: caller.causationId,
    },
  );
  // Nothing appended: another attempt of this run recorded this payout id meanwhile; it reports it.
  if (handled.position === undefined) return undefined;
  return { merchantId: balance.merchantId, ...payout, paidAt: at.toISOString(), position: handled.position };
}

/** The payout of a balance: what it nets, where it leaves from, and the bank's reference for it. */
function payoutOf(balance: MerchantBalance, request: PayoutRunRequest, payoutId: string, at: Date) {
  const prefix = request.bankReferencePrefix ?? DEFAULT_BANK_REFERENCE_PREFIX;
  return {
    payoutId,
    currency: balance.currency,
    payableMinor: balance.payableMinor,
    receivableMinor: balance.receivableMinor,
    amountMinor: balance.payableMinor - balance.receivableMinor,
    bankAccount: request.bankAccount ?? DEFAULT_PAYOUT_BANK_ACCOUNT,
    bankReference:
      request.bankReferences?.[balance.merchantId] ?? generatedBankReference(prefix, at, payoutId),
    transactionIds: balance.transactionIds,
  };
}

const isAlreadyPaid = (error: unknown): error is Rejection =>
  error instanceof Rejection && error.rule === "transaction_already_paid";

/** A concurrent run paid a transaction of `balance` first; the payouts made so far stand. */
function conflictAt(balance: MerchantBalance, rejection: Rejection, made: PayoutMade[]): PayoutConflict {
  return new PayoutConflict(
    balance.merchantId,
    String(rejection.detail.transactionId),
    String(rejection.detail.payoutId),
    made.sort(byMerchantAndCurrency),
  );
}

/** The run's answer: its payouts in order, and whether the journal shows them yet. */
async function answer(
  waitForJournal: PayoutServiceOptions["waitForJournal"],
  payouts: PayoutMade[],
  interrupted?: PayoutRunResult["interrupted"],
): Promise<PayoutRunResult> {
  payouts.sort(byMerchantAndCurrency);
  const position = payouts.reduce<string | undefined>(
    (last, p) => (last === undefined || BigInt(p.position) > BigInt(last) ? p.position : last),
    undefined,
  );
  const journalCaughtUp = position === undefined || (await waitForJournal(position));
  return { payouts, position, journalCaughtUp, ...(interrupted ? { interrupted } : {}) };
}
