import type { OtpProduct, OtpSender } from "./port.ts";

/** The seeds' sandbox codes: 4567 on the Checkout API's page, 1234 on the Partner API's. */
export const SANDBOX_OTP: Readonly<Record<OtpProduct, string>> = { kredivo: "4567", kredmint: "1234" };

/** OTP_SENDER=sandbox: every code is the seed's fixed one, and nothing is sent anywhere. */
export function sandboxOtpSender(): OtpSender {
  return {
    pickCode: (product) => SANDBOX_OTP[product],
    send: async () => {},
  };
}
