import { type EventEnvelope, streamKind } from "../../../contracts/envelope.ts";
import type { EventData } from "../../../contracts/event-codec.ts";
import type { Currency } from "../../../contracts/money.ts";
import { type CheckoutEvent, checkoutCodec } from "../checkout/checkout.events.ts";
import { type CreditLineEvent, creditLineCodec } from "../creditline/creditline.events.ts";
import { totalOf } from "../creditline/creditline.state.ts";
import { type CreditLineKey, creditLineKeyOf } from "../creditline/creditline.stream.ts";
import { InvariantViolation } from "../decider.ts";
import { type DisbursalEvent, disbursalCodec } from "../disbursal/disbursal.events.ts";
import { type MerchantEvent, merchantCodec } from "../merchant/merchant.events.ts";

/**
 * The double-entry journal (DESIGN.md "Money"): a pure function from one stored event to the journal
 * entries it implies, so replaying the log reproduces the journal exactly. No I/O, no clock.
 *
 * Chart of accounts (DESIGN.md's, extended):
 *
 * | account                         | side   | holds                                                           |
 * | ------------------------------- | ------ | --------------------------------------------------------------- |
 * | `customer-receivable:<user>`    | debit  | principal the buyer owes (the checkout amount, less repayments) |
 * | `interest-receivable:<user>`    | debit  | interest the buyer owes                                         |
 * | `fee-receivable:<user>`         | debit  | processing fee the buyer owes                                   |
 * | `merchant-payable:<merchant>`   | credit | settled amounts net of the merchant fee, not yet paid out       |
 * | `merchant-receivable:<merchant>`| debit  | cancellations after payout, owed by the merchant until netted   |
 * | `cash:<bank account>`           | debit  | our bank account: repayments in, payouts out                    |
 * | `fee-income`                    | credit | merchant discount fees and buyers' processing fees              |
 * | `interest-income`               | credit | buyers' interest                                                |
 * | `refund-payable:<user>`         | credit | repaid amounts a later cancellation made us owe the buyer back  |
 * | `supplier-payable:<supplier>`   | credit | an invoice financed for a Partner API user, owed to its supplier |
 * | `partner-payable:<partner>`     | credit | the same, anchor flow: the invoice is the partner's own          |
 *
 * Every entry balances per currency ({@link assertBalanced}); a zero amount is omitted, never posted.
 */

export type Side = "debit" | "credit";

export interface Posting {
  readonly account: string;
  readonly side: Side;
  readonly amountMinor: bigint;
  readonly currency: Currency;
}

export interface JournalEntry {
  /** `<eventId>:<n>`, n from 1: the same event always yields the same ids. */
  readonly entryId: string;
  readonly eventId: string;
  /** The event type that made the entry. */
  readonly kind: string;
  /** Business time from the event (settledAt, cancelledAt, paidAt, receivedAt). */
  readonly effectiveAt: string;
  readonly transactionId: string | undefined;
  readonly merchantId: string | undefined;
  readonly userId: string | undefined;
  readonly postings: readonly Posting[];
}

export const accounts = {
  customerReceivable: (userId: string) => `customer-receivable:${userId}`,
  interestReceivable: (userId: string) => `interest-receivable:${userId}`,
  feeReceivable: (userId: string) => `fee-receivable:${userId}`,
  merchantPayable: (merchantId: string) => `merchant-payable:${merchantId}`,
  merchantReceivable: (merchantId: string) => `merchant-receivable:${merchantId}`,
  cash: (bankAccount: string) => `cash:${bankAccount}`,
  refundPayable: (userId: string) => `refund-payable:${userId}`,
  supplierPayable: (supplierId: string) => `supplier-payable:${supplierId}`,
  partnerPayable: (partnerId: string) => `partner-payable:${partnerId}`,
  feeIncome: "fee-income",
  interestIncome: "interest-income",
} as const;

/**
 * Our bank account that buyers' repayments arrive in: RepaymentApplied carries the bank's reference but
 * not the account, and there is one collection account. Payouts name their account in PayoutMade.
 */
export const COLLECTION_BANK_ACCOUNT = "operating";

/** The Checkout API is VND only (its event schemas fix the currency); a credit line's is in its key. */
const CHECKOUT_CURRENCY: Currency = "VND";

const debit = (account: string, amountMinor: bigint, currency: Currency): Posting => ({
  account,
  side: "debit",
  amountMinor,
  currency,
});
const credit = (account: string, amountMinor: bigint, currency: Currency): Posting => ({
  account,
  side: "credit",
  amountMinor,
  currency,
});

interface Draft {
  readonly effectiveAt: string;
  readonly transactionId?: string;
  readonly merchantId?: string;
  readonly userId?: string;
  readonly postings: readonly Posting[];
}

function entries(envelope: EventEnvelope, drafts: readonly Draft[]): JournalEntry[] {
  return drafts.map((draft, i) => ({
    entryId: `${envelope.eventId}:${i + 1}`,
    eventId: envelope.eventId,
    kind: envelope.type,
    effectiveAt: draft.effectiveAt,
    transactionId: draft.transactionId,
    merchantId: draft.merchantId,
    userId: draft.userId,
    // Zero amounts are left out; a negative one is kept so that assertBalanced refuses the entry.
    postings: draft.postings.filter((p) => p.amountMinor !== 0n),
  }));
}

type CheckoutData<Type extends CheckoutEvent["type"]> = EventData<CheckoutEvent, Type>;
type CreditLineData<Type extends CreditLineEvent["type"]> = EventData<CreditLineEvent, Type>;

const idAfter = (streamId: string, kind: string) => streamId.slice(kind.length + 1);

/** A decoded event of a kind the journal posts. */
export type JournalEvent =
  | { readonly stream: "checkout"; readonly event: CheckoutEvent }
  | { readonly stream: "creditline"; readonly event: CreditLineEvent }
  | { readonly stream: "merchant"; readonly event: MerchantEvent }
  | { readonly stream: "disbursal"; readonly event: DisbursalEvent };

/** Decodes an event the journal posts; every other event is recognised by type and not decoded. */
export function decodeJournalEvent(envelope: EventEnvelope): JournalEvent | undefined {
  switch (streamKind(envelope.streamId)) {
    case "checkout":
      return envelope.type === "Settled" || envelope.type === "Cancelled"
        ? { stream: "checkout", event: checkoutCodec.decode(envelope) }
        : undefined;
    case "creditline":
      return envelope.type === "RepaymentApplied" || envelope.type === "LoanCancelled"
        ? { stream: "creditline", event: creditLineCodec.decode(envelope) }
        : undefined;
    case "merchant":
      return envelope.type === "PayoutMade"
        ? { stream: "merchant", event: merchantCodec.decode(envelope) }
        : undefined;
    case "disbursal":
      return envelope.type === "DisbursalPaid"
        ? { stream: "disbursal", event: disbursalCodec.decode(envelope) }
        : undefined;
    default:
      return undefined;
  }
}

/** The journal entries one event implies; most events imply none. */
export function postingsFor(envelope: EventEnvelope): JournalEntry[] {
  const decoded = decodeJournalEvent(envelope);
  return decoded ? postingsForEvent(envelope, decoded) : [];
}

/** postingsFor with the event already decoded (the journal projection decodes once for all its tables). */
export function postingsForEvent(envelope: EventEnvelope, decoded: JournalEvent): JournalEntry[] {
  switch (decoded.stream) {
    case "checkout":
      return checkoutEntries(envelope, decoded.event);
    case "creditline":
      return creditLineEntries(envelope, decoded.event);
    case "merchant":
      return merchantEntries(envelope, decoded.event);
    case "disbursal":
      return disbursalEntries(envelope, decoded.event);
  }
}

function checkoutEntries(envelope: EventEnvelope, event: CheckoutEvent): JournalEntry[] {
  const transactionId = idAfter(envelope.streamId, "checkout");
  switch (event.type) {
    case "Settled":
      return entries(envelope, [settledDraft(transactionId, event.data)]);
    case "Cancelled":
      return entries(envelope, [cancelledDraft(transactionId, event.data)]);
    default:
      return [];
  }
}

/**
 * The buyer now owes the amount, the interest and the processing fee; we owe the merchant the amount less its
 * discount fee; both fees and the interest are earned at settlement.
 */
function settledDraft(transactionId: string, d: CheckoutData<"Settled">): Draft {
  const c = CHECKOUT_CURRENCY;
  return {
    effectiveAt: d.settledAt,
    transactionId,
    merchantId: d.merchantId,
    userId: d.userId,
    postings: [
      debit(accounts.customerReceivable(d.userId), d.amountMinor, c),
      debit(accounts.interestReceivable(d.userId), d.interestMinor, c),
      debit(accounts.feeReceivable(d.userId), d.processingFeeMinor, c),
      credit(accounts.merchantPayable(d.merchantId), d.amountMinor - d.merchantFeeMinor, c),
      credit(accounts.feeIncome, d.merchantFeeMinor + d.processingFeeMinor, c),
      credit(accounts.interestIncome, d.interestMinor, c),
    ],
  };
}

/**
 * The settlement reversed by the cancelled shares. Before payout the merchant's payable shrinks; after it the
 * merchant owes us the net amount back (merchant-receivable), which the next payout nets off.
 */
function cancelledDraft(transactionId: string, d: CheckoutData<"Cancelled">): Draft {
  const c = CHECKOUT_CURRENCY;
  const merchantSide = d.afterPayout
    ? accounts.merchantReceivable(d.merchantId)
    : accounts.merchantPayable(d.merchantId);
  return {
    effectiveAt: d.cancelledAt,
    transactionId,
    merchantId: d.merchantId,
    userId: d.userId,
    postings: [
      debit(merchantSide, d.amountMinor - d.merchantFeeMinor, c),
      debit(accounts.feeIncome, d.merchantFeeMinor + d.processingFeeMinor, c),
      debit(accounts.interestIncome, d.interestMinor, c),
      credit(accounts.customerReceivable(d.userId), d.amountMinor, c),
      credit(accounts.interestReceivable(d.userId), d.interestMinor, c),
      credit(accounts.feeReceivable(d.userId), d.processingFeeMinor, c),
    ],
  };
}

function creditLineEntries(envelope: EventEnvelope, event: CreditLineEvent): JournalEntry[] {
  const line = creditLineKeyOf(envelope.streamId);
  switch (event.type) {
    case "RepaymentApplied":
      return entries(envelope, [repaymentDraft(line, event.data)]);
    case "LoanCancelled": {
      const draft = refundDraft(line, event.data, envelope.occurredAt);
      return entries(envelope, draft ? [draft] : []);
    }
    default:
      return [];
  }
}

/** Cash in; the receivables go down by what the allocation (oldest installment first) applied to each. */
function repaymentDraft(
  { userId, currency: c }: CreditLineKey,
  d: CreditLineData<"RepaymentApplied">,
): Draft {
  const applied = { principalMinor: 0n, interestMinor: 0n, feeMinor: 0n };
  for (const a of d.allocations) {
    applied.principalMinor += a.principalMinor;
    applied.interestMinor += a.interestMinor;
    applied.feeMinor += a.feeMinor;
  }
  const transactions = [...new Set(d.allocations.map((a) => a.transactionId))];
  return {
    effectiveAt: d.receivedAt,
    transactionId: transactions.length === 1 ? transactions[0] : undefined,
    userId,
    postings: [
      debit(accounts.cash(COLLECTION_BANK_ACCOUNT), d.amountMinor, c),
      credit(accounts.feeReceivable(userId), applied.feeMinor, c),
      credit(accounts.interestReceivable(userId), applied.interestMinor, c),
      credit(accounts.customerReceivable(userId), applied.principalMinor, c),
    ],
  };
}

/**
 * The checkout's Cancelled already credited the receivables by the full cancelled shares, as if the buyer
 * still owed all of them. The credit line then took those shares off the loan's unpaid installments (latest
 * first); what it could not take (refundDue) the buyer had already repaid. That part was credited twice (once
 * by the repayment, once by Cancelled), so each receivable is debited back by its own component of it, and the
 * whole becomes a debt of ours to the buyer. Nothing to refund posts nothing.
 *
 * Worked example, tenure 1 with no interest: amount 1,000,000, processing fee 10,000.
 *   Settled            DR customer-receivable 1,000,000   DR fee-receivable 10,000
 *   Repayment 600,000  CR fee-receivable 10,000 (fee first)   CR customer-receivable 590,000
 *                      → customer-receivable 410,000, fee-receivable 0: the buyer owes 410,000.
 *   Cancel 500,000     shares: principal 500,000, fee 5,000
 *                      CR customer-receivable 500,000 → −90,000   CR fee-receivable 5,000 → −5,000
 *   LoanCancelled      the loan's unpaid part was 410,000 principal and no fee, so the credit line
 *                      took 410,000 of principal and nothing of the fee: refundDue = principal 90,000,
 *                      fee 5,000
 *                      DR customer-receivable 90,000 → 0   DR fee-receivable 5,000 → 0
 *                      CR refund-payable 95,000
 *   Each receivable is what the loan's installments still owe of it (nothing), none is left with a
 *   credit balance, and we owe the buyer 95,000: 600,000 repaid = 505,000 kept for the uncancelled
 *   half (500,000 + 5,000 fee) + 95,000 refund.
 *
 * A v1 LoanCancelled carried the refund as one total; its upcast splits it principal first
 * (creditline.events.ts), which posts it as v1 did: to customer-receivable.
 */
function refundDraft(
  { userId, currency: c }: CreditLineKey,
  { refundDue, transactionId }: CreditLineData<"LoanCancelled">,
  effectiveAt: string,
): Draft | undefined {
  const refundMinor = totalOf(refundDue);
  if (refundMinor <= 0n) return undefined;
  return {
    effectiveAt,
    transactionId,
    userId,
    postings: [
      debit(accounts.customerReceivable(userId), refundDue.principalMinor, c),
      debit(accounts.interestReceivable(userId), refundDue.interestMinor, c),
      debit(accounts.feeReceivable(userId), refundDue.feeMinor, c),
      credit(accounts.refundPayable(userId), refundMinor, c),
    ],
  };
}

function merchantEntries(envelope: EventEnvelope, event: MerchantEvent): JournalEntry[] {
  if (event.type !== "PayoutMade") return [];
  // The payout clears the merchant's payable, nets off what it owed us, and the difference leaves our bank.
  const d = event.data;
  const merchantId = idAfter(envelope.streamId, "merchant");
  return entries(envelope, [
    {
      effectiveAt: d.paidAt,
      merchantId,
      postings: [
        debit(accounts.merchantPayable(merchantId), d.payableMinor, d.currency),
        credit(accounts.merchantReceivable(merchantId), d.receivableMinor, d.currency),
        credit(accounts.cash(d.bankAccount), d.amountMinor, d.currency),
      ],
    },
  ]);
}

/**
 * A Partner API invoice paid by credit (INR), effective on the invoice's `paymentDate`: the user now owes the
 * amount and we owe the payee (the supplier, or the partner in the anchor flow); the payout by UTR then
 * clears that payable from our bank account. Two entries, so the payable shows the invoice and its payment.
 */
function disbursalEntries(envelope: EventEnvelope, event: DisbursalEvent): JournalEntry[] {
  if (event.type !== "DisbursalPaid") return [];
  const d = event.data;
  const c: Currency = "INR";
  const payable =
    d.payee.kind === "supplier"
      ? accounts.supplierPayable(d.payee.supplierId)
      : accounts.partnerPayable(d.payee.partnerId);
  const common = {
    effectiveAt: new Date(d.paymentDateMs).toISOString(),
    transactionId: d.transactionId,
    userId: d.userId,
  };
  return entries(envelope, [
    {
      ...common,
      postings: [
        debit(accounts.customerReceivable(d.userId), d.amountMinor, c),
        credit(payable, d.amountMinor, c),
      ],
    },
    {
      ...common,
      postings: [
        debit(payable, d.amountMinor, c),
        credit(accounts.cash(COLLECTION_BANK_ACCOUNT), d.amountMinor, c),
      ],
    },
  ]);
}

/** Throws InvariantViolation unless every amount is positive and debits equal credits in each currency. */
export function assertBalanced(entry: JournalEntry): void {
  if (entry.postings.length === 0) {
    throw new InvariantViolation(`journal entry ${entry.entryId} (${entry.kind}) has no postings`);
  }
  const net = new Map<string, bigint>();
  for (const p of entry.postings) {
    if (p.amountMinor <= 0n) {
      throw new InvariantViolation(
        `journal entry ${entry.entryId} (${entry.kind}): ${p.side} of ${p.amountMinor} ${p.currency} to ${p.account} is not positive`,
      );
    }
    net.set(p.currency, (net.get(p.currency) ?? 0n) + (p.side === "debit" ? p.amountMinor : -p.amountMinor));
  }
  for (const [currency, difference] of net) {
    if (difference !== 0n) {
      throw new InvariantViolation(
        `journal entry ${entry.entryId} (${entry.kind}) does not balance in ${currency}: debits − credits = ${difference}`,
      );
    }
  }
}
