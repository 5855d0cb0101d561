import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { money, renderDecimal } from "../../../contracts/money.ts";
import {
  type DisbursalMoveBody,
  type DisbursalView,
  disbursalMoveSchema,
  disbursalParamsSchema,
  disbursalViewSchema,
} from "../../../contracts/v1/partners.ts";
import { sendProblem } from "../../http/problem-details.ts";
import { Rejection } from "../../ledger/decider.ts";
import type { DisbursalRule, DisbursalState } from "../../ledger/disbursal/disbursal.decider.ts";
import type { DisbursalMove } from "../disbursals.ts";
import type { KredmintService } from "../kredmint-service.ts";

const operatorCaller = (request: FastifyRequest) => ({
  actor: "operator",
  correlationId: request.correlationId,
  causationId: request.id,
});

/**
 * `/v1/partners/{partnerId}/disbursals/{disbursalId}` (role `operator`): a disbursal, and the operator's moves
 * on it (verify, approve, pay with a UTR, fail or cancel with a reason). Each move again is a no-op, so a
 * retry is safe; a move out of order is 409. Registered inside partnerAdminRoutes' context (its API keys and
 * problem errors).
 */
export function disbursalAdminRoutes(app: FastifyInstance, kredmint: KredmintService): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const notFound = (request: FastifyRequest, reply: FastifyReply, partnerId: string, disbursalId: string) =>
    sendProblem(request, reply, "disbursal_not_found", {
      detail: `partner ${partnerId} has no disbursal ${disbursalId}`,
      param: "disbursalId",
    });

  routes.get(
    "/partners/:partnerId/disbursals/:disbursalId",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["disbursal_not_found"] },
      schema: {
        tags: ["partners"],
        summary:
          "A Partner API disbursal (invoice pay by credit): its invoice, payee, status, UTR and reason",
        params: disbursalParamsSchema,
        response: { 200: disbursalViewSchema },
      },
    },
    async (request, reply) => {
      const { partnerId, disbursalId } = request.params;
      const state = await kredmint.disbursals.get(partnerId, disbursalId);
      return state ? viewOf(state) : notFound(request, reply, partnerId, disbursalId);
    },
  );

  routes.post(
    "/partners/:partnerId/disbursals/:disbursalId/moves",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["disbursal_not_found", "disbursal_step_out_of_order", "disbursal_utr_conflict"] },
      schema: {
        tags: ["partners"],
        summary:
          "Move a disbursal: verify, approve, pay (utr: the hold is captured into a drawdown), fail or cancel (reason: the hold is released)",
        params: disbursalParamsSchema,
        body: disbursalMoveSchema,
        response: { 200: disbursalViewSchema },
      },
    },
    async (request, reply) => {
      const { partnerId, disbursalId } = request.params;
      try {
        const state = await kredmint.disbursals.move(
          partnerId,
          disbursalId,
          moveOf(request.body),
          operatorCaller(request),
        );
        return state ? viewOf(state) : notFound(request, reply, partnerId, disbursalId);
      } catch (error) {
        const rule: DisbursalRule | undefined = error instanceof Rejection ? error.rule : undefined;
        if (rule === "disbursal_step_out_of_order") {
          return sendProblem(request, reply, "disbursal_step_out_of_order", {
            detail: `${disbursalId} is ${String(error instanceof Rejection ? error.detail.status : "")}; it cannot ${request.body.move} now`,
            param: "move",
          });
        }
        if (rule === "utr_must_match_payment") {
          return sendProblem(request, reply, "disbursal_utr_conflict", {
            detail: `${disbursalId} is Paid with another UTR`,
            param: "utr",
          });
        }
        throw error;
      }
    },
  );
}

function moveOf(body: DisbursalMoveBody): DisbursalMove {
  switch (body.move) {
    case "verify":
      return { type: "Verify" };
    case "approve":
      return { type: "Approve" };
    case "pay":
      return { type: "Pay", utr: body.utr, transactionId: body.transactionId };
    case "fail":
      return { type: "Fail", reason: body.reason };
    case "cancel":
      return { type: "Cancel", reason: body.reason };
  }
}

function viewOf(state: DisbursalState): DisbursalView {
  const request = state.request;
  if (!request) throw new Error("a disbursal found by its id has its request");
  return {
    id: request.disbursalId,
    partnerId: request.partnerId,
    userId: request.userId,
    username: request.username,
    invoiceNumber: request.invoiceNumber,
    paymentDate: request.paymentDateMs,
    amount: renderDecimal(money(request.amountMinor, "INR")),
    payee: request.payee,
    status: state.status,
    transactionId: state.transactionId,
    utr: state.utr,
    reason: state.reason,
    autoPayAt: state.autoPayAt,
    invoiceDocuments: state.invoices.map((d) => ({ id: d.documentId, name: d.name, sha256: d.sha256 })),
  };
}
