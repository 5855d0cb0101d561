import { createHash } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { merchantDecider, merchantStream } from "../../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../../ledger/merchant/merchant.events.ts";
import { commandHandler } from "../../platform/command-handler.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { type OpenItem, openItems } from "../queries.ts";

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

export interface PayoutMade {
  readonly merchantId: string;
  readonly payoutId: string;
  readonly currency: "VND";
  readonly payableMinor: bigint;
  readonly receivableMinor: bigint;
  readonly amountMinor: bigint;
  readonly bankAccount: string;
  readonly bankReference: string;
  readonly transactionIds: readonly string[];
  readonly paidAt: string;
  readonly position: string;
}

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
  payableMinor: bigint;
  receivableMinor: bigint;
  readonly transactionIds: string[];
}

/** Open items → one balance per merchant (VND: the only currency of the Checkout API). */
export function openBalances(items: readonly OpenItem[]): MerchantBalance[] {
  const byMerchant = new Map<string, MerchantBalance>();
  for (const item of items) {
    if (item.currency !== "VND") continue;
    let balance = byMerchant.get(item.merchantId);
    if (!balance) {
      balance = { merchantId: item.merchantId, payableMinor: 0n, receivableMinor: 0n, transactionIds: [] };
      byMerchant.set(item.merchantId, balance);
    }
    balance.payableMinor += item.payableMinor;
    balance.receivableMinor += item.receivableMinor;
    if (item.kind === "settled") balance.transactionIds.push(item.transactionId);
  }
  return [...byMerchant.values()];
}

/** A UTR-like reference: prefix, the payout's date (yyyymmdd) and 10 digits derived from the payout id. */
export function generatedBankReference(prefix: string, paidAt: Date, payoutId: string): string {
  const digest = createHash("sha256").update(payoutId).digest();
  const digits = (digest.readBigUInt64BE(0) % 10_000_000_000n).toString().padStart(10, "0");
  return `${prefix}${paidAt.toISOString().slice(0, 10).replaceAll("-", "")}${digits}`;
}

/**
 * The payout run: every merchant whose open balance (settled unpaid payable, less cancellations before
 * payout, less what it owes us from cancellations after an earlier payout) is positive gets one payout,
 * recorded by the merchant decider (which refuses a transaction paid twice). The checkouts are then marked
 * Paid by the payout-paid reactor. Runs in this process are serialised; across processes the decider's
 * check turns a race into a PayoutConflict.
 */
export function payoutService(options: PayoutServiceOptions) {
  const merchants = commandHandler(options.store, merchantDecider, merchantCodec);
  let queue: Promise<unknown> = Promise.resolve();

  async function run(request: PayoutRunRequest, caller: Caller): Promise<PayoutMade[]> {
    // Read what the whole log says, not what the journal had got to.
    const head = await options.store.headPosition();
    if (!(await options.waitForJournal(head))) {
      throw new JournalBehind(`the journal has not reached the log head ${head} yet; retry shortly`);
    }
    const balances = openBalances(await openItems(options.readStore));
    const made: PayoutMade[] = [];
    const bankAccount = request.bankAccount ?? DEFAULT_PAYOUT_BANK_ACCOUNT;
    const prefix = request.bankReferencePrefix ?? DEFAULT_BANK_REFERENCE_PREFIX;
    for (const balance of balances) {
      const amountMinor = balance.payableMinor - balance.receivableMinor;
      if (amountMinor <= 0n) continue;
      const at = options.now();
      const payoutId = uuidv7();
      const bankReference =
        request.bankReferences?.[balance.merchantId] ?? generatedBankReference(prefix, at, payoutId);
      const payout = {
        payoutId,
        currency: "VND" as const,
        payableMinor: balance.payableMinor,
        receivableMinor: balance.receivableMinor,
        amountMinor,
        bankAccount,
        bankReference,
        transactionIds: balance.transactionIds,
      };
      let position: string | undefined;
      try {
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
        position = handled.position;
      } catch (error) {
        if (error instanceof Rejection && error.rule === "transaction_already_paid") {
          throw new PayoutConflict(
            balance.merchantId,
            String(error.detail.transactionId),
            String(error.detail.payoutId),
            made,
          );
        }
        throw error;
      }
      if (position === undefined) continue;
      made.push({ merchantId: balance.merchantId, ...payout, paidAt: at.toISOString(), position });
    }
    const last = made.at(-1)?.position;
    if (last !== undefined && !(await options.waitForJournal(last))) {
      throw new JournalBehind(`the payouts were made but the journal has not reached ${last} yet`);
    }
    return made;
  }

  return {
    /** One run at a time in this process: a second waits for the first and then finds nothing left. */
    run(request: PayoutRunRequest, caller: Caller): Promise<PayoutMade[]> {
      const next = queue.then(() => run(request, caller));
      queue = next.catch(() => {});
      return next;
    },
  };
}
