import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { v1Field } from "../../../contracts/v1/bounds.ts";
import { sendProblem } from "../../http/problem-details.ts";
import { canNameCreditLine, kredivoLine } from "../../ledger/creditline/creditline.stream.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import { decimal } from "../decimal.ts";
import { type BuyerLoans, buyerLoans, type Components } from "../loans.ts";
import { amount } from "./wire.ts";

export interface BuyerLoansRoutesOptions {
  readonly store: EventStore;
  readonly now: () => Date;
}

const componentsSchema = z.object({ principal: amount, interest: amount, fee: amount });

const loansSchema = z.object({
  userId: z.string(),
  currency: z.literal("VND"),
  creditLine: z.object({
    limit: amount,
    held: amount,
    used: amount,
    available: z.array(z.object({ tenure: z.number().int(), available: amount })),
  }),
  outstanding: amount,
  refundDue: amount,
  overdue: z.boolean(),
  loans: z.array(
    z.object({
      transactionId: z.string(),
      merchantId: z.string(),
      tenure: z.number().int(),
      openedAt: z.string(),
      status: z.enum(["open", "closed"]),
      scheduled: componentsSchema,
      repaid: componentsSchema,
      cancelled: componentsSchema,
      refundDue: amount,
      outstanding: componentsSchema.extend({ total: amount }),
      installments: z.array(
        z.object({
          number: z.number().int(),
          dueDate: z.string(),
          status: z.enum(["closed", "due", "overdue"]),
          scheduled: componentsSchema,
          outstanding: componentsSchema.extend({ total: amount }),
        }),
      ),
    }),
  ),
});

const vnd = (minor: bigint) => decimal(minor, "VND");
const components = (c: Components) => ({
  principal: vnd(c.principalMinor),
  interest: vnd(c.interestMinor),
  fee: vnd(c.feeMinor),
});
const withTotal = (c: Components) => ({
  ...components(c),
  total: vnd(c.principalMinor + c.interestMinor + c.feeMinor),
});

function toApi(loans: BuyerLoans): z.output<typeof loansSchema> {
  return {
    userId: loans.userId,
    currency: loans.currency,
    creditLine: {
      limit: vnd(loans.creditLine.limitMinor),
      held: vnd(loans.creditLine.heldMinor),
      used: vnd(loans.creditLine.usedMinor),
      available: loans.creditLine.availableMinor.map((a) => ({
        tenure: a.tenure,
        available: vnd(a.availableMinor),
      })),
    },
    outstanding: vnd(loans.outstandingMinor),
    refundDue: vnd(loans.refundDueMinor),
    overdue: loans.overdue,
    loans: loans.loans.map((l) => ({
      transactionId: l.transactionId,
      merchantId: l.merchantId,
      tenure: l.tenure,
      openedAt: l.openedAt,
      status: l.status,
      scheduled: components(l.scheduled),
      repaid: components(l.repaid),
      cancelled: components(l.cancelled),
      refundDue: vnd(l.refundDueMinor),
      outstanding: withTotal(l.outstanding),
      installments: l.installments.map((i) => ({
        number: i.number,
        dueDate: i.dueDate,
        status: i.status,
        scheduled: components(i.scheduled),
        outstanding: withTotal(i.outstanding),
      })),
    })),
  };
}

/** `GET /finance/buyers/:userId/loans`: a buyer's loans per installment, read from the credit line's stream. */
export async function buyerLoansRoutes(app: FastifyInstance, options: BuyerLoansRoutesOptions) {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/finance/buyers/:userId/loans",
    {
      preHandler: app.requireRole("finance"),
      config: { problems: ["buyer_not_found"] },
      schema: {
        tags: ["finance"],
        summary:
          "A buyer's loans: schedule, repaid, cancelled and outstanding per installment, from the credit line",
        params: z.object({
          userId: v1Field("userId"),
        }),
        response: { 200: loansSchema },
      },
    },
    async (request, reply) => {
      const { userId } = request.params;
      // An id no credit line can have is no buyer's: not found, without reading the store.
      const loans = canNameCreditLine(kredivoLine(userId))
        ? await buyerLoans(options.store, userId, options.now())
        : undefined;
      if (!loans) {
        return sendProblem(request, reply, "buyer_not_found", {
          detail: `buyer ${userId} has no credit line; the buyer's first approved checkout opens one`,
          param: "userId",
        });
      }
      return toApi(loans);
    },
  );
}
