import { v5 as uuidv5, v7 as uuidv7 } from "uuid";
import type { CalculatorRequest } from "../../contracts/checkout/calculator.ts";
import type { CancelRequest } from "../../contracts/checkout/cancel.ts";
import type { InitEcomRequest } from "../../contracts/checkout/init.ts";
import { isDeductionItemId } from "../../contracts/checkout/init.ts";
import { buyerDecider } from "../ledger/buyer/buyer.decider.ts";
import { buyerCodec } from "../ledger/buyer/buyer.events.ts";
import {
  checkoutDecider,
  checkoutStream,
  MIN_INSTALLMENT_AMOUNT_MINOR,
} from "../ledger/checkout/checkout.decider.ts";
import { type CheckoutItem, checkoutCodec, type InitiatedData } from "../ledger/checkout/checkout.events.ts";
import {
  availableFor,
  creditLineDecider,
  creditLineStream,
} from "../ledger/creditline/creditline.decider.ts";
import { creditLineCodec, type Tenure } from "../ledger/creditline/creditline.events.ts";
import { type Caller, type CommandMeta, Rejection } from "../ledger/decider.ts";
import { type InterestRates, type LoanTerms, loanTerms } from "../ledger/loan/loan-terms.ts";
import { merchantDecider, merchantStream } from "../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../ledger/merchant/merchant.events.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { cancelFailure } from "./cancellation.ts";
import { CheckoutFailure } from "./checkout-failure.ts";
import { newSessionToken, sameSignature, sha256Hex, signatureKey, verifySecret } from "./credentials.ts";

export interface CheckoutServiceOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Read-your-writes: resolves when projections have reached the position (bounded). */
  readonly waitForProjections: (position: string) => Promise<boolean>;
  readonly now: () => Date;
  readonly publicBaseUrl: string;
  readonly confirmTimeoutSeconds: number;
  readonly checkoutExpirySeconds: number;
  readonly interestRates: InterestRates;
}

// Transaction ids are derived from (merchant, order_id): the checkout stream then is the uniqueness
// boundary for order ids, and two racing inits of one order cannot create two transactions.
const TRANSACTION_NAMESPACE = "6f1c3a52-5d0e-4d8e-9a3b-2f7f0c1d9e41";
const TENURES: readonly Tenure[] = [1, 3, 6, 12];

/**
 * A credit line's refusal of the hold, as the Denied reason the merchant's push says in words. The seed's
 * denied status reads "due to insufficient limit, user has overdue debt, etc.": an overdue buyer is denied
 * with "user_has_overdue_debt" (push message "transaction denied: user has overdue debt"); other rules
 * keep their name.
 */
const DENIAL_REASONS: Readonly<Record<string, string>> = {
  buyer_must_not_have_overdue_debt: "user_has_overdue_debt",
};

export type CheckoutService = ReturnType<typeof checkoutService>;

/** The Checkout API's use cases: parse → command(s) → reply data. Routes stay thin. */
export function checkoutService(options: CheckoutServiceOptions) {
  const { store, readStore } = options;
  const checkouts = commandHandler(store, checkoutDecider, checkoutCodec);
  const creditLines = commandHandler(store, creditLineDecider, creditLineCodec);
  const merchants = commandHandler(store, merchantDecider, merchantCodec);
  const buyers = commandHandler(store, buyerDecider, buyerCodec);

  const meta = (caller: Caller, tenantId: string): CommandMeta => ({
    now: options.now().toISOString(),
    actor: caller.actor,
    tenantId,
    correlationId: caller.correlationId,
    causationId: caller.causationId,
  });

  const settle = async (position: string | undefined) => {
    if (position !== undefined) await options.waitForProjections(position);
  };

  async function merchantByKey(serverKey: string) {
    const [row] = await readStore.query(
      "SELECT merchant_id, status FROM merchants WHERE server_key_hash = ? AND status = 'active'",
      [sha256Hex(serverKey)],
    );
    if (!row) throw new CheckoutFailure(2012, "server_key does not belong to an active merchant");
    return { merchantId: String(row.merchant_id) };
  }

  async function loadCheckout(transactionId: string) {
    const { state } = await checkouts.load(checkoutStream(transactionId));
    if (state.phase === "none" || !state.initiated) {
      throw new CheckoutFailure(1002, `transaction_id ${transactionId} is unknown`);
    }
    return { state, initiated: state.initiated };
  }

  async function checkoutCommand(
    transactionId: string,
    command: Parameters<typeof checkouts.handle>[1],
    caller: Caller,
    tenantId: string,
  ) {
    const handled = await checkouts.handle(checkoutStream(transactionId), command, meta(caller, tenantId));
    await settle(handled.position);
    return handled;
  }

  return {
    transactionIdFor(merchantId: string, orderId: string): string {
      return uuidv5(`${merchantId}\n${orderId}`, TRANSACTION_NAMESPACE);
    },

    checkoutUrl(transactionId: string): string {
      return `${options.publicBaseUrl}/kredivo/signIn?tk=${transactionId}`;
    },

    async init(request: InitEcomRequest, caller: Caller) {
      const { merchantId } = await merchantByKey(request.server_key);
      const transactionId = this.transactionIdFor(merchantId, request.order_id);
      const now = options.now();
      const { server_key: _key, ...fingerprinted } = request;
      const data: InitiatedData = {
        transactionId,
        merchantId,
        orderId: request.order_id,
        currency: "VND",
        amountMinor: request.amount.amountMinor,
        tenure: request.tenure,
        items: request.items.map(toCheckoutItem),
        details: {
          sellers: request.sellers ?? [],
          buyers: request.buyers,
          shipping_addresses: request.shipping_addresses ?? [],
          ip_address: request.ip_address,
          user_agent: request.user_agent,
          device_id: request.device_id,
          imsi: request.imsi,
        },
        pushUrl: request.push_url,
        backToStoreUrl: request.back_to_store_url,
        cancelUrl: request.cancel_url,
        requestFingerprint: sha256Hex(stableJson(fingerprinted)),
        initiatedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + options.checkoutExpirySeconds * 1000).toISOString(),
      };
      try {
        await checkoutCommand(
          transactionId,
          { type: "Initiate", data },
          { ...caller, actor: `merchant:${merchantId}` },
          merchantId,
        );
      } catch (error) {
        throw asCheckoutFailure(error);
      }
      return { transactionId, checkoutUrl: this.checkoutUrl(transactionId) };
    },

    /** What the hosted page shows; read from the stream so the buyer always sees the latest step. */
    async page(transactionId: string) {
      return loadCheckout(transactionId);
    },

    async signIn(transactionId: string, phone: string, pin: string, caller: Caller) {
      const { initiated } = await loadCheckout(transactionId);
      const [buyer] = await readStore.query("SELECT user_id, pin_hash FROM buyers WHERE phone = ?", [phone]);
      const valid = buyer !== undefined && verifySecret(pin, String(buyer.pin_hash));
      const session = newSessionToken();
      const handled = await checkoutCommand(
        transactionId,
        {
          type: "SignIn",
          userId: valid ? String(buyer.user_id) : undefined,
          sessionHash: sha256Hex(session),
        },
        { ...caller, actor: valid ? `buyer:${buyer.user_id}` : "buyer:anonymous" },
        initiated.merchantId,
      );
      return { signedIn: valid, session: valid ? session : undefined, state: handled.state };
    },

    async verifyOtp(transactionId: string, session: string, otp: string, caller: Caller) {
      const { state, initiated } = await loadCheckout(transactionId);
      const [buyer] = state.userId
        ? await readStore.query("SELECT otp_hash FROM buyers WHERE user_id = ?", [state.userId])
        : [];
      const otpValid = buyer !== undefined && verifySecret(otp, String(buyer.otp_hash));
      const handled = await checkoutCommand(
        transactionId,
        { type: "VerifyOtp", sessionHash: sha256Hex(session), otpValid },
        { ...caller, actor: `buyer:${state.userId ?? "anonymous"}` },
        initiated.merchantId,
      );
      return { verified: otpValid, state: handled.state };
    },

    /** The tenures this buyer may choose for this checkout, each with its loan terms. */
    async tenureOptions(
      transactionId: string,
    ): Promise<{ terms: LoanTerms; eligible: boolean; reason?: string }[]> {
      const { state, initiated } = await loadCheckout(transactionId);
      const line = state.userId ? (await creditLines.load(creditLineStream(state.userId))).state : undefined;
      return TENURES.map((tenure) => {
        const terms = loanTerms(initiated.amountMinor, tenure, options.interestRates);
        if (tenure !== 1 && initiated.amountMinor < 700_000n)
          return { terms, eligible: false, reason: "amount_must_meet_tenure_minimum" };
        if (!line?.perTenureMinor.has(tenure))
          return { terms, eligible: false, reason: "tenure_must_be_offered" };
        const eligible = availableFor(line, tenure) >= initiated.amountMinor;
        return eligible ? { terms, eligible } : { terms, eligible, reason: "credit_limit_must_cover_amount" };
      });
    },

    /**
     * Credit line first (hold, with its expected revision), then the transaction (Pending or Denied).
     * The hold is idempotent by transaction id, so a retry after a crash completes without holding twice.
     */
    async approve(transactionId: string, session: string, tenure: Tenure, caller: Caller) {
      const { state, initiated } = await loadCheckout(transactionId);
      const sessionHash = sha256Hex(session);
      const buyerCaller = { ...caller, actor: `buyer:${state.userId ?? "anonymous"}` };
      const approval = (hold: { placed: true } | { placed: false; reason: string }) => ({
        type: "Approve" as const,
        sessionHash,
        tenure,
        hold,
        confirmTimeoutSeconds: options.confirmTimeoutSeconds,
      });
      // Ask the decider before touching the credit line: a checkout that cannot be approved holds nothing.
      checkoutDecider.decide(approval({ placed: true }), state, meta(buyerCaller, initiated.merchantId));
      const userId = state.userId!;
      let hold: { placed: true } | { placed: false; reason: string } = { placed: true };
      try {
        await creditLines.handle(
          creditLineStream(userId),
          { type: "PlaceHold", transactionId, amountMinor: initiated.amountMinor, tenure },
          meta(buyerCaller, "kredivo"),
        );
      } catch (error) {
        if (!(error instanceof Rejection)) throw error;
        hold = { placed: false, reason: DENIAL_REASONS[error.rule] ?? error.rule };
      }
      try {
        const handled = await checkoutCommand(
          transactionId,
          approval(hold),
          buyerCaller,
          initiated.merchantId,
        );
        return { state: handled.state, initiated };
      } catch (error) {
        if (hold.placed) {
          await creditLines.handle(
            creditLineStream(userId),
            { type: "ReleaseHold", transactionId, reason: "approval_refused" },
            meta(buyerCaller, "kredivo"),
          );
        }
        throw error;
      }
    },

    async abort(transactionId: string, caller: Caller) {
      const { initiated } = await loadCheckout(transactionId);
      await checkoutCommand(
        transactionId,
        { type: "Abort" },
        { ...caller, actor: "buyer" },
        initiated.merchantId,
      );
      return initiated;
    },

    /** The merchant's confirmation (checkout/update), authenticated by the echoed signature_key. */
    async update(
      body: { signature_key: string; transaction_id: string; status: "settled" | "failed" },
      caller: Caller,
    ) {
      const { initiated, state } = await loadCheckout(body.transaction_id);
      const { state: merchant } = await merchants.load(merchantStream(initiated.merchantId));
      const expected = signatureKey(merchant.profile!.serverKeyHash, {
        transactionId: initiated.transactionId,
        orderId: initiated.orderId,
        amountMinor: initiated.amountMinor,
        tenure: state.tenure ?? initiated.tenure,
      });
      if (!sameSignature(expected, body.signature_key)) {
        throw new CheckoutFailure(1002, "signature_key does not match the one sent in the push notification");
      }
      const command =
        body.status === "settled"
          ? {
              type: "Settle" as const,
              merchantFeeBps: merchant.profile!.feeRateBps,
              interestRates: options.interestRates,
            }
          : { type: "Fail" as const, reason: "merchant_reported_failure" as const };
      try {
        const handled = await checkoutCommand(
          body.transaction_id,
          command,
          { ...caller, actor: `merchant:${initiated.merchantId}` },
          initiated.merchantId,
        );
        return { state: handled.state, initiated };
      } catch (error) {
        throw asCheckoutFailure(error);
      }
    },

    /**
     * transaction/cancel: full when amount is absent (everything not yet cancelled), partial otherwise.
     * The transaction must be this merchant's and carry the order_id sent, else 2018; the decider's
     * rejections answer with the seed's codes (cancellation.ts). Each accepted request is a new
     * cancellation (the seed gives no key to dedupe a retried partial; the remaining amount bounds them).
     */
    async cancel(request: CancelRequest, caller: Caller) {
      const { merchantId } = await merchantByKey(request.server_key);
      const transactionId = request.transaction_id;
      const { state } = await checkouts.load(checkoutStream(transactionId));
      const initiated = state.initiated;
      if (!initiated || initiated.merchantId !== merchantId || initiated.orderId !== request.order_id) {
        throw new CheckoutFailure(
          2018,
          `transaction_id ${transactionId} with order_id ${request.order_id} is no transaction of this merchant`,
        );
      }
      try {
        const handled = await checkoutCommand(
          transactionId,
          {
            type: "Cancel",
            cancellationId: uuidv7(),
            amountMinor: request.amount?.amountMinor,
            reason: request.reason,
            cancelledBy: request.cancelled_by,
          },
          { ...caller, actor: `merchant:${merchantId}` },
          merchantId,
        );
        return { state: handled.state, initiated };
      } catch (error) {
        if (error instanceof Rejection) throw cancelFailure(error, transactionId);
        throw error;
      }
    },

    /**
     * loan/calculator: the terms of `amount` over `tenure` by loanTerms, the one calculation the hosted page
     * and the settlement use. Tenures 3, 6 and 12 need at least 700,000 VND (as on checkout/init): 1002.
     */
    async loanCalculator(request: CalculatorRequest): Promise<LoanTerms> {
      await merchantByKey(request.server_key);
      const amountMinor = request.amount.amountMinor;
      if (request.tenure !== 1 && amountMinor < MIN_INSTALLMENT_AMOUNT_MINOR) {
        throw new CheckoutFailure(
          1002,
          `amount: tenures of 3, 6 and 12 months need an amount of at least ${MIN_INSTALLMENT_AMOUNT_MINOR}`,
        );
      }
      return loanTerms(amountMinor, request.tenure, options.interestRates);
    },

    /** The transaction as the status view sees it, for the merchant that owns it. */
    async status(serverKey: string, transactionId: string) {
      const { merchantId } = await merchantByKey(serverKey);
      const [row] = await readStore.query(
        "SELECT * FROM checkout_transactions WHERE transaction_id = ? AND merchant_id = ?",
        [transactionId, merchantId],
      );
      if (!row)
        throw new CheckoutFailure(1002, `transaction_id ${transactionId} is unknown to this merchant`);
      return row;
    },

    /** Durable timers: what the log says is overdue is failed (pending) or expired (awaiting the buyer). */
    async sweepTimers(caller: Caller): Promise<number> {
      const now = options.now().toISOString();
      const due = await readStore.query(
        `SELECT transaction_id, merchant_id, phase FROM checkout_transactions
          WHERE (phase = 'pending' AND confirm_by <= ?)
             OR (phase IN ('initiated', 'signed_in', 'otp_verified') AND expires_at <= ?)`,
        [now, now],
      );
      for (const row of due) {
        const command =
          row.phase === "pending"
            ? { type: "Fail" as const, reason: "confirmation_timeout" as const }
            : { type: "Expire" as const };
        await checkoutCommand(
          String(row.transaction_id),
          command,
          { ...caller, actor: "timer" },
          String(row.merchant_id),
        );
      }
      return due.length;
    },

    merchants,
    buyers,
    creditLines,
    checkouts,
    /** Read-your-writes as this service waits for it, for the other gateway use cases (repayments). */
    waitForProjections: options.waitForProjections,
  };
}

function toCheckoutItem(item: InitEcomRequest["items"][number]): CheckoutItem {
  const price = item.price.amountMinor;
  const magnitude = price < 0n ? -price : price;
  return {
    id: item.id,
    name: item.name,
    priceMinor: isDeductionItemId(item.id) ? -magnitude : price,
    quantity: item.quantity,
    type: item.type,
    url: item.url,
    imageUrl: item.image_url,
    parentType: item.parent_type,
    parentId: item.parent_id,
  };
}

/** Rejections a merchant can cause, as the seed's 1002 with the rule and what to do. */
function asCheckoutFailure(error: unknown): unknown {
  if (!(error instanceof Rejection)) return error;
  const details: Record<string, string> = {
    order_id_must_be_unique: "order_id was already used for a different checkout; send a new order_id",
    amount_must_be_positive: "amount must be greater than 0",
    amount_must_equal_items_total: `amount must equal the items' total (price × quantity, discounts subtracted): ${String(error.detail.itemsTotalMinor)}`,
    amount_must_meet_tenure_minimum: "tenures of 3, 6 and 12 months need an amount of at least 700000",
    transaction_already_failed:
      "the transaction has already failed (not confirmed in time or reported failed); start a new checkout",
    transaction_already_settled: "the transaction is already settled",
    confirmation_window_must_be_open:
      "the confirmation came after the confirmation deadline; the transaction fails and the buyer's credit is released",
    transaction_must_be_pending:
      "the transaction is not waiting for confirmation; confirm only after a pending push",
  };
  return new CheckoutFailure(
    1002,
    `${error.rule}: ${details[error.rule] ?? "request not allowed in the transaction's state"}`,
  );
}

/** JSON with sorted keys and bigint as text: equal requests hash equal whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}
