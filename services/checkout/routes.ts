import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  type CalculatorBreakdown,
  calculatorRequestExample,
  calculatorRequestSchema,
  calculatorResponseExample,
  calculatorSuccessResponseSchema,
} from "../../contracts/checkout/calculator.ts";
import {
  CANCEL_RECEIVED_MESSAGE,
  cancelErrorResponseExample,
  cancelRequestExample,
  cancelRequestSchema,
  cancelResponseExample,
  cancelSuccessResponseSchema,
} from "../../contracts/checkout/cancel.ts";
import { STATUS_SUCCESS, tenureOut } from "../../contracts/checkout/common.ts";
import { checkoutErrorBodySchema } from "../../contracts/checkout/errors.ts";
import {
  type FeeItemId,
  feeItemId,
  initEcomRequestSchema,
  initErrorResponseExample,
  initExample,
  initSuccessResponseExample,
  initSuccessResponseSchema,
} from "../../contracts/checkout/init.ts";
import { CHECKOUT_ROUTES } from "../../contracts/checkout/routes.ts";
import {
  type StatusItem,
  statusRequestExample,
  statusRequestSchema,
  statusSuccessResponseSchema,
  TRX_STATUSES,
} from "../../contracts/checkout/status.ts";
import {
  type UpdateResponseStatus,
  updateRequestExample,
  updateRequestSchema,
  updateResponseExample,
  updateSuccessResponseSchema,
} from "../../contracts/checkout/update.ts";
import { money, renderCheckoutAmount, renderCheckoutAmountAsNumber } from "../../contracts/money.ts";
import type { CheckoutPhase } from "../ledger/checkout/checkout.decider.ts";
import { type Caller, invariant } from "../ledger/decider.ts";
import { type LoanTerms, PROCESSING_FEE_BPS } from "../ledger/loan/loan-terms.ts";
import type { CheckoutService } from "./checkout-service.ts";
import { KredivoBadRequest } from "./error-contract.ts";

// The Checkout API's 2-click flow over HTTP (seed 001): checkout/init, checkout/update ("Confirm
// Transaction") and transaction/status. Registered under CHECKOUT_MOUNT (/kredivo) after
// checkoutErrorContract, which turns every failure into the seed's envelope. Handlers are thin:
// validated body → use case → the seed's response shape.

export interface CheckoutRoutesOptions {
  readonly checkout: CheckoutService;
}

const TAG = "Checkout API (2-click)";

/** Every coded outcome is HTTP 200 with the code in `status`; only 9999 is not (errors.ts, error-contract.ts). */
const outcome = <T extends z.ZodType>(success: T) =>
  z
    .union([success, checkoutErrorBodySchema])
    .describe("`status` 1 (or a status word on checkout/update) on success, the error envelope otherwise");
/** What every route can answer besides its outcome: 9999 as a fault of ours (500) or a retry later (503). */
const faults = {
  500: checkoutErrorBodySchema.describe("9999: a fault on our side; quote the Request-Id header"),
  503: checkoutErrorBodySchema.describe(
    "9999: the store cannot be reached, or the transaction stayed contended; nothing was written, retry later",
  ),
};

// ------------------------------------------------------------------------------------------ checkout/init

/** source "offline" (QR checkout with a dealer_code) is part of the seed but not served yet. */
const offlineNotServed = z
  .object({ source: z.literal("offline") })
  .describe('source "offline" (QR checkout) is not available yet and is refused with 1002')
  .superRefine((_body, ctx) => {
    ctx.addIssue({ code: "custom", path: ["source"], message: "offline_checkout_is_not_available_yet" });
  });

const initBody = z
  .discriminatedUnion("source", [initEcomRequestSchema, offlineNotServed], {
    error: (iss) => {
      if (iss.code !== "invalid_union") return undefined;
      const body: unknown = iss.input;
      const source = body !== null && typeof body === "object" && "source" in body ? body.source : undefined;
      return source === undefined ? "required" : "must_be_one_of:ecom|offline";
    },
  })
  .meta({ "x-examples": { seed: { summary: "The seed's 2-click request", value: initExample } } });

// ---------------------------------------------------------------------------------------- checkout/update

/** The transaction's phase after a confirmation, as the seed's update status word. */
function updateStatus(phase: CheckoutPhase): UpdateResponseStatus {
  switch (phase) {
    case "settled":
      return "settlement";
    case "failed":
      return "failed";
    default:
      // Settle and Fail either end in one of the two or are refused; anything else is a bug of ours.
      throw new Error(`checkout/update left the transaction in phase ${phase}`);
  }
}

/** We grant no discount on the hosted page, so the whole amount is disbursed. */
const NO_DISCOUNT_MINOR = 0n;

// ------------------------------------------------------------------------------------- transaction/status

const integerColumn = z
  .union([z.bigint(), z.number().int(), z.string().regex(/^-?[0-9]+$/)])
  .transform((v) => BigInt(v));

/** An item as the status view stores it (checkout.events.ts CheckoutItem, bigint as text). */
const viewItem = z.object({
  id: z.string(),
  name: z.string(),
  priceMinor: integerColumn,
  quantity: z.number().int().min(1),
  type: z.string().optional(),
});

const viewItems = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "items_column_is_not_json" });
      return z.NEVER;
    }
  })
  .pipe(z.array(viewItem));

/** The row of the checkout_transactions view that transaction/status answers from. */
const statusViewRow = z.object({
  order_id: z.string(),
  amount_minor: integerColumn,
  tenure: integerColumn.transform(Number).pipe(tenureOut),
  trx_status: z.enum(TRX_STATUSES),
  items: viewItems,
});

/**
 * Kredivo's classification of a line (status.ts): products are sku "items", sku_type 0, category = their
 * type; shipping is "shipping_fee", sku_type 1; other fees are sku_type 2 "Fees"; deductions (discounts,
 * down payments, mixed payments) are sku_type 2 "Discount", shown by their magnitude.
 */
const FEE_LINES: Readonly<Record<FeeItemId, { sku: string; skuType: number; category: string | null }>> = {
  shippingfee: { sku: "shipping_fee", skuType: 1, category: null },
  adminfee: { sku: "admin_fee", skuType: 2, category: "Fees" },
  taxfee: { sku: "tax_fee", skuType: 2, category: "Fees" },
  additionalfee: { sku: "additional_fee", skuType: 2, category: "Fees" },
  insurancefee: { sku: "insurance_fee", skuType: 2, category: "Fees" },
  discount: { sku: "discount", skuType: 2, category: "Discount" },
  discount_sku: { sku: "discount", skuType: 2, category: "Discount" },
  mixpayment: { sku: "mix_payment", skuType: 2, category: "Discount" },
  downpayment: { sku: "downpayment", skuType: 2, category: "Discount" },
  downpayment_sku: { sku: "downpayment", skuType: 2, category: "Discount" },
};

function statusItem(item: z.output<typeof viewItem>): StatusItem {
  const unitMinor = item.priceMinor < 0n ? -item.priceMinor : item.priceMinor;
  const fee = feeItemId(item.id);
  const line = fee === undefined ? { sku: "items", skuType: 0, category: item.type ?? null } : FEE_LINES[fee];
  return {
    name: item.name,
    unit_price: renderCheckoutAmount(money(unitMinor, "VND")),
    total_amount: renderCheckoutAmount(money(unitMinor * BigInt(item.quantity), "VND")),
    quantity: item.quantity,
    sku: line.sku,
    sku_type: line.skuType,
    category: line.category,
  };
}

// --------------------------------------------------------------------------------------- loan/calculator

const MAX_JSON_INTEGER = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer VND amount as the JSON integer the calculator answers with (exact up to 2^53 − 1). */
function jsonInteger(minor: bigint): number {
  if (minor > MAX_JSON_INTEGER) throw new KredivoBadRequest("amount: too_large");
  return Number(minor);
}

/**
 * A rate in basis points as the seed's percent text: the percent in Java `Double.toString` style, as the
 * seed's "1.0%" (100 bps → "1.0%", 295 → "2.95%", 300 → "3.0%"), except a zero rate, which the seed
 * writes "0%".
 */
export function percentText(bps: number): string {
  if (bps === 0) return "0%";
  const whole = Math.trunc(bps / 100);
  const fraction = String(bps % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return `${whole}.${fraction || "0"}%`;
}

/**
 * One tenure's breakdown from loanTerms (services/ledger/loan/loan-terms.ts), integers in VND:
 * interest = amount × monthly rate × tenure and processing fee = 1 % of the amount, each rounded half up
 * to the dong; total = amount + interest; payback = total + processing fee; monthly instalment = total ÷
 * tenure rounded up (the last instalment absorbs the excess). interest_rate is the monthly rate.
 */
export function calculatorBreakdown(terms: LoanTerms): CalculatorBreakdown {
  return {
    interest_rate: percentText(terms.interestRateBps),
    interest_amount: jsonInteger(terms.interestMinor),
    monthly_installment: jsonInteger(terms.monthlyInstallmentMinor),
    processing_fee: jsonInteger(terms.processingFeeMinor),
    processing_fee_rate: percentText(PROCESSING_FEE_BPS),
    initial_amount: jsonInteger(terms.amountMinor),
    total_amount: jsonInteger(terms.totalMinor),
    payback_amount: jsonInteger(terms.paybackMinor),
  };
}

/**
 * The body in the seed's key order, `{"status":1,"message":"Success","<tenure>":{…}}`: a JS object lists an
 * integer-like key such as "1" before every other key, so JSON.stringify alone would put the breakdown first.
 */
function seedOrderedJson(payload: unknown): string {
  if (payload === null || typeof payload !== "object") return JSON.stringify(payload);
  const entries = Object.entries(payload);
  const head = entries.filter(([key]) => key === "status" || key === "message");
  const rest = entries.filter(([key]) => key !== "status" && key !== "message");
  return `{${[...head, ...rest].map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`;
}

// ------------------------------------------------------------------------------------------------ routes

function callerOf(request: FastifyRequest): Caller {
  return { actor: "merchant", correlationId: request.correlationId, causationId: request.id };
}

function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** The 2-click routes, cancel and the loan calculator; register under CHECKOUT_MOUNT after checkoutErrorContract. */
export async function checkoutRoutes(app: FastifyInstance, options: CheckoutRoutesOptions): Promise<void> {
  const { checkout } = options;
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    CHECKOUT_ROUTES.init,
    {
      schema: {
        tags: [TAG],
        operationId: "checkoutInit",
        summary: "Initiate 2-click Checkout",
        description:
          "Creates the transaction and answers the hosted page's checkout_url. order_id is the idempotency " +
          "key: the same body again answers the same transaction_id, a different body with a used order_id " +
          "is 1002. amount must equal the items' total (deductions subtracted); tenures 3, 6 and 12 need at " +
          "least 700,000 VND. Unknown server_key: 2012.",
        body: initBody,
        response: {
          200: outcome(initSuccessResponseSchema).meta({
            examples: [initSuccessResponseExample, initErrorResponseExample],
          }),
          ...faults,
        },
      },
    },
    async (request) => {
      const body = request.body;
      // The schema refuses source "offline"; this narrows the type.
      invariant(body.source === "ecom", "checkout/init reached its handler with an offline checkout");
      const { transactionId, checkoutUrl } = await checkout.init(body, callerOf(request));
      return {
        status: STATUS_SUCCESS,
        message: "Success",
        checkout_url: checkoutUrl,
        transaction_id: transactionId,
      };
    },
  );

  typed.post(
    CHECKOUT_ROUTES.update,
    {
      schema: {
        tags: [TAG],
        operationId: "checkoutUpdate",
        summary: "Confirm Transaction",
        description:
          'After a push with trx_status "pending": status "settled" confirms, "failed" rejects. Authenticated ' +
          "by the push's signature_key. Repeating a confirmation answers the same; confirming after the " +
          "transaction failed (not confirmed in time) is 1002. Missing keys, an unknown transaction_id or a " +
          "wrong signature_key: 1002.",
        body: updateRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's confirmation", value: updateRequestExample } },
        }),
        response: {
          200: outcome(updateSuccessResponseSchema).meta({ examples: [updateResponseExample] }),
          ...faults,
        },
      },
    },
    async (request) => {
      const { state, initiated } = await checkout.update(request.body, callerOf(request));
      const amountMinor = initiated.amountMinor;
      return {
        status: updateStatus(state.phase),
        message: "Success",
        tenure: state.tenure ?? initiated.tenure,
        transaction_time: epochSeconds(initiated.initiatedAt),
        order_id: initiated.orderId,
        amount: renderCheckoutAmount(money(amountMinor, "VND")),
        discount_amount: renderCheckoutAmount(money(NO_DISCOUNT_MINOR, "VND")),
        disbursed_amount: renderCheckoutAmount(money(amountMinor - NO_DISCOUNT_MINOR, "VND")),
        user_token: null,
      };
    },
  );

  typed.post(
    CHECKOUT_ROUTES.status,
    {
      schema: {
        tags: [TAG],
        operationId: "transactionStatus",
        summary: "Check Transaction Status",
        description:
          "The transaction as the merchant that owns it sees it: trx_status, checkout_amount (a bare JSON " +
          "number such as 6505000.0) and the items breakdown. Unknown server_key: 2012; a transaction_id " +
          "unknown to this merchant: 1002.",
        body: statusRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's status request", value: statusRequestExample } },
        }),
        response: { 200: outcome(statusSuccessResponseSchema), ...faults },
      },
    },
    async (request) => {
      const row = statusViewRow.parse(
        await checkout.status(request.body.server_key, request.body.transaction_id),
      );
      return {
        status: STATUS_SUCCESS,
        message: "Success",
        order_id: row.order_id,
        checkout_amount: renderCheckoutAmountAsNumber(money(row.amount_minor, "VND")),
        tenure: row.tenure,
        items: row.items.map(statusItem),
        trx_status: row.trx_status,
      };
    },
  );

  typed.post(
    CHECKOUT_ROUTES.cancel,
    {
      schema: {
        tags: [TAG],
        operationId: "transactionCancel",
        summary: "Cancel Transaction",
        description:
          "Cancels a settled transaction: all of what is left when amount is absent or equal to it, part of " +
          "it when less; several partial cancellations may add up to the transaction amount and no more. " +
          "trx_status turns cancel once fully cancelled, and the merchant gets a push (trx_status cancel) for " +
          "every cancellation. Codes, first match wins: 1002 malformed body; 2011 amount zero or negative; " +
          "2012 unknown server_key; 2018 transaction_id unknown, another merchant's, or order_id not its " +
          "own; 2016 already fully cancelled; 2015 not settled; 2017 settled more than 20 days ago; 2013 " +
          "amount above what is left to cancel.",
        body: cancelRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's cancellation", value: cancelRequestExample } },
        }),
        response: {
          200: outcome(cancelSuccessResponseSchema).meta({
            examples: [cancelResponseExample, cancelErrorResponseExample],
          }),
          ...faults,
        },
      },
    },
    async (request) => {
      await checkout.cancel(request.body, callerOf(request));
      return { status: STATUS_SUCCESS, message: CANCEL_RECEIVED_MESSAGE };
    },
  );

  typed.post(
    CHECKOUT_ROUTES.calculator,
    {
      schema: {
        tags: [TAG],
        operationId: "loanCalculator",
        summary: "Kredivo Loan Calculator",
        description:
          "The breakdown of the tenure asked, under the tenure as key. Integers in VND: interest = amount × " +
          "monthly rate (INTEREST_RATES_BPS) × tenure and processing fee = 1 % of the amount, each rounded " +
          "half up; total = amount + interest; payback = total + processing fee; monthly instalment = total " +
          "÷ tenure rounded up. The same calculation prices the hosted page and the settlement. Unknown " +
          "server_key: 2012; tenures 3, 6 and 12 under 700,000 VND: 1002.",
        body: calculatorRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's request", value: calculatorRequestExample } },
        }),
        response: {
          200: outcome(calculatorSuccessResponseSchema).meta({ examples: [calculatorResponseExample] }),
          ...faults,
        },
      },
    },
    async (request, reply) => {
      const terms = await checkout.loanCalculator(request.body);
      const body = calculatorSuccessResponseSchema.parse({
        status: STATUS_SUCCESS,
        message: "Success",
        [String(terms.tenure)]: calculatorBreakdown(terms),
      });
      return reply.type("application/json; charset=utf-8").serializer(seedOrderedJson).send(body);
    },
  );
}
