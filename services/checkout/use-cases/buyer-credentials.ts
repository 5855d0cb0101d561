import type { OtpCodes } from "../../platform/otp/otp-codes.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import type { BuyerSecrets } from "../buyer-secrets.ts";

/**
 * The buyer's credentials as both hosted pages check them (checkout, tokenization): the buyer a phone and
 * PIN name, and whether a code is that buyer's OTP. The directory names the buyer's secrets by reference;
 * they are compared with their hashes in the secret store. A buyer registered with a fixed OTP (the sandbox seed) keeps it; every other buyer is sent a one-time
 * code through the OtpSender once the PIN is right, and that code works once, until it expires.
 */
export function buyerCredentials(readStore: ReadStore, otp: OtpCodes, secrets: BuyerSecrets) {
  return {
    /** The buyer's user id, or undefined when no buyer has this phone and PIN; a right PIN sends an OTP. */
    async userIdFor(phone: string, pin: string): Promise<string | undefined> {
      const [buyer] = await readStore.query(
        "SELECT user_id, pin_ref, otp_ref FROM buyers WHERE phone = ? AND status <> 'closed'",
        [phone],
      );
      if (buyer === undefined) return undefined;
      // Without a PIN (the link not used yet) no PIN signs the buyer in.
      if (buyer.pin_ref == null || !(await secrets.matches(String(buyer.pin_ref), pin))) return undefined;
      // Rate-limited, no code is sent: the OTP step then refuses whatever is typed, as for a wrong code.
      if (buyer.otp_ref == null) await otp.issue("kredivo", phone);
      return String(buyer.user_id);
    },

    async otpMatches(userId: string | undefined, code: string): Promise<boolean> {
      if (userId === undefined) return false;
      const [buyer] = await readStore.query("SELECT phone, otp_ref FROM buyers WHERE user_id = ?", [userId]);
      if (buyer === undefined) return false;
      if (buyer.otp_ref != null) return secrets.matches(String(buyer.otp_ref), code);
      return otp.redeem("kredivo", String(buyer.phone), code);
    },
  };
}
