import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { STATUS_SUCCESS, tenureOut } from "../../../contracts/checkout/common.ts";
import { type FeeItemId, feeItemId } from "../../../contracts/checkout/init.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import {
  type StatusItem,
  statusRequestExample,
  statusRequestSchema,
  statusSuccessResponseSchema,
  TRX_STATUSES,
} from "../../../contracts/checkout/status.ts";
import { money, renderCheckoutAmount, renderCheckoutAmountAsNumber } from "../../../contracts/money.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { faults, outcome, TAG } from "./shared.ts";

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

/** transaction/status: the transaction as the merchant that owns it sees it. */
export function statusRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
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
}
