import { createHash } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type { Currency } from "../../../contracts/money.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { merchantDecider, merchantStream } from "../../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../../ledger/merchant/merchant.events.ts";
import { commandHandler } from "../../platform/command-handler.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { type OpenItem, openItems, type PayoutRow, payoutsWithIdPrefix } from "../queries.ts";

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

interface MerchantBalance {
  readonly merchantId: string;
  readonly currency: Currency;
  payableMinor: bigint;
  receivableMinor: bigint;
  readonly transactionIds: string[];
}

const byMerchantAndCurrency = (
  a: { merchantId: string; currency: Currency },
  b: { merchantId: string; currency: Currency },
) => compare(a.merchantId, b.merchantId) || compare(a.currency, b.currency);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const balanceKey = (merchantId: string, currency: Currency) => `${merchantId}\u0000${currency}`;

/** Open items → one balance per merchant and currency, by merchant, then currency. */
export function openBalances(items: readonly OpenItem[]): MerchantBalance[] {
  const balances = new Map<string, MerchantBalance>();
  for (const item of items) {
    const key = balanceKey(item.merchantId, item.currency);
    let balance = balances.get(key);
    if (!balance) {
      balance = {
        merchantId: item.merchantId,
        currency: item.currency,
        payableMinor: 0n,
        receivableMinor: 0n,
        transactionIds: [],
      };
      balances.set(key, balance);
    }
    balance.payableMinor += item.payableMinor;
    balance.receivableMinor += item.receivableMinor;
    if (item.kind === "settled") balance.transactionIds.push(item.transactionId);
  }
  return [...balances.values()].sort(byMerchantAndCurrency);
}

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
  const merchants = commandHandler(options.store, merchantDecider, merchantCodec);
  let queue: Promise<unknown> = Promise.resolve();

  /** The payouts an earlier attempt of this run made (read once the journal reached the log head). */
  async function paidBefore(key: PayoutRunKey | undefined): Promise<PayoutMade[]> {
    if (!key) return [];
    const rows = await payoutsWithIdPrefix(options.readStore, key.payoutIdPrefix);
    return rows.filter((r) => r.payoutId === key.payoutId(r.merchantId, r.currency));
  }

  async function pay(
    balance: MerchantBalance,
    request: PayoutRunRequest,
    caller: Caller,
    key: PayoutRunKey | undefined,
  ): Promise<PayoutMade | undefined> {
    const at = options.now();
    const payoutId = key ? key.payoutId(balance.merchantId, balance.currency) : uuidv7();
    const prefix = request.bankReferencePrefix ?? DEFAULT_BANK_REFERENCE_PREFIX;
    const payout = {
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
    return {
      merchantId: balance.merchantId,
      ...payout,
      paidAt: at.toISOString(),
      position: handled.position,
    };
  }

  async function answer(
    payouts: PayoutMade[],
    interrupted?: PayoutRunResult["interrupted"],
  ): Promise<PayoutRunResult> {
    payouts.sort(byMerchantAndCurrency);
    const position = payouts.reduce<string | undefined>(
      (last, p) => (last === undefined || BigInt(p.position) > BigInt(last) ? p.position : last),
      undefined,
    );
    const journalCaughtUp = position === undefined || (await options.waitForJournal(position));
    return { payouts, position, journalCaughtUp, ...(interrupted ? { interrupted } : {}) };
  }

  async function run(
    request: PayoutRunRequest,
    caller: Caller,
    key: PayoutRunKey | undefined,
  ): Promise<PayoutRunResult> {
    // Read what the whole log says, not what the journal had got to.
    const head = await options.store.headPosition();
    if (!(await options.waitForJournal(head))) {
      throw new JournalBehind(`the journal has not reached the log head ${head} yet; retry shortly`);
    }
    const made = await paidBefore(key);
    const paid = new Set(made.map((p) => balanceKey(p.merchantId, p.currency)));
    const owed = openBalances(await openItems(options.readStore)).filter(
      (b) => b.payableMinor > b.receivableMinor && !paid.has(balanceKey(b.merchantId, b.currency)),
    );
    for (const balance of owed) {
      try {
        const payout = await pay(balance, request, caller, key);
        if (payout) made.push(payout);
      } catch (error) {
        if (error instanceof Rejection && error.rule === "transaction_already_paid") {
          throw new PayoutConflict(
            balance.merchantId,
            String(error.detail.transactionId),
            String(error.detail.payoutId),
            made.sort(byMerchantAndCurrency),
          );
        }
        if (made.length === 0) throw error;
        return answer(made, { merchantId: balance.merchantId, currency: balance.currency, cause: error });
      }
    }
    return answer(made);
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
