import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import QRCode from "qrcode";
import { Rejection } from "../../../ledger/decider.ts";
import type { CheckoutUseCaseRule } from "../../use-cases/rules.ts";
import type { HostedPage } from "../browser.ts";
import { qrParams } from "../schemas.ts";

/**
 * GET /qr/<transaction_id>.png: an offline checkout's `qr_link`, a QR code (the `qrcode` library's PNG)
 * of the hosted page's URL, which the buyer scans with a phone and goes on through the page. Only offline
 * checkouts have one; any other id is the page's not-found answer. The image never changes, so it may be
 * cached for as long as the checkout can be worked on.
 */
export function qrStep(app: FastifyInstance, page: HostedPage): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get("/qr/:file", { schema: { hide: true, params: qrParams } }, async (request, reply) => {
      const transactionId = request.params.file.slice(0, -".png".length);
      const { initiated } = await page.checkout.page(transactionId);
      if (initiated.source !== "offline") {
        throw new Rejection<CheckoutUseCaseRule>("transaction_must_be_known", { transactionId });
      }
      const png = await QRCode.toBuffer(page.checkout.checkoutUrl(transactionId), {
        type: "png",
        errorCorrectionLevel: "M",
        margin: 4,
        scale: 8,
      });
      const maxAge = Math.max(0, Math.floor((Date.parse(initiated.expiresAt) - Date.now()) / 1000));
      return reply
        .header("content-type", "image/png")
        .header("cache-control", `private, max-age=${maxAge}`)
        .header("x-content-type-options", "nosniff")
        .send(png);
    });
}
