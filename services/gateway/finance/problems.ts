import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { currencies, money, renderDecimal } from "../../../contracts/money.ts";
import { sendProblem } from "../plugins/problem-details.ts";

/** Bad parameters as 400 problems naming the parameter; anything unexpected as a 500 problem. */
export function problemErrors(app: FastifyInstance, what: string): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const [issue] = error.validation;
      const param = issue?.instancePath.replace(/^\//, "").replaceAll("/", ".") || undefined;
      return sendProblem(request, reply, 400, {
        code: "invalid_parameter",
        detail: `${param ?? "request"}: ${issue?.message ?? "invalid"}`,
        ...(param === undefined ? {} : { param }),
      });
    }
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, `${what} route failed`);
    return sendProblem(request, reply, status, {
      code: status === 500 ? "internal_error" : (error.code ?? "bad_request").toLowerCase(),
      detail: status === 500 ? "the request could not be completed" : error.message,
    });
  });
}

/** Minor units as the currency's decimal string ("6405000" VND, "1000.56" INR). */
export function decimal(minor: bigint, currency: string): string {
  const known = currencies.find((c) => c === currency);
  return known ? renderDecimal(money(minor, known)) : minor.toString();
}
