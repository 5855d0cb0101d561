import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { envelope, errorResponses } from "../../../contracts/kredmint/envelope.ts";
import {
  createSupplierSchema,
  listSuppliersQuerySchema,
  supplierListResponseSchema,
  supplierResponseSchema,
} from "../../../contracts/kredmint/supplier.ts";
import type { KredmintService } from "../kredmint-service.ts";
import { partnerCaller, partnerOf } from "./partner-auth.ts";

/** `POST` and `GET /account/supplier` (seed "Distributor / Supplier Management"). */
export function supplierRoutes(app: FastifyInstance, kredmint: KredmintService, now: () => Date): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    "/account/supplier",
    {
      schema: {
        tags: ["kredmint"],
        summary: "Create a supplier (distributor) of the partner's user; the same request again answers it",
        security: [{ partnerBasic: [] }],
        body: createSupplierSchema,
        response: { 200: supplierResponseSchema, ...errorResponses([400, 401, 404, 406, 429, 500, 503]) },
      },
    },
    async (request) => {
      const supplier = await kredmint.suppliers.create(
        partnerOf(request),
        request.body,
        partnerCaller(request),
      );
      return envelope(supplier, now());
    },
  );
  routes.get(
    "/account/supplier",
    {
      schema: {
        tags: ["kredmint"],
        summary: "The suppliers of the partner's user (never another partner's)",
        security: [{ partnerBasic: [] }],
        querystring: listSuppliersQuerySchema,
        response: { 200: supplierListResponseSchema, ...errorResponses([400, 401, 404, 406, 429, 500, 503]) },
      },
    },
    async (request) => {
      const suppliers = await kredmint.suppliers.list(partnerOf(request), request.query.username);
      return envelope(suppliers, now());
    },
  );
}
