import type { OtpCodes } from "../../platform/otp/otp-codes.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import type { BuyerPins } from "../buyer-pins.ts";
import { verifySecret } from "../credentials.ts";

/**
 * The buyer's credentials as both hosted pages check them (checkout, tokenization): the buyer a phone and
 * PIN name, and whether a code is that buyer's OTP. Read from the directory; secrets are compared by hash.
 * A buyer registered with a fixed OTP hash (the sandbox seed) keeps it; every other buyer is sent a one-time
 * code through the OtpSender once the PIN is right, and that code works once, until it expires.
 */
export function buyerCredentials(readStore: ReadStore, otp: OtpCodes, pins: BuyerPins) {
  return {
    /** The buyer's user id, or undefined when no buyer has this phone and PIN; a right PIN sends an OTP. */
    async userIdFor(phone: string, pin: string): Promise<string | undefined> {
      const [buyer] = await readStore.query(
        "SELECT user_id, pin_hash, pin_ref, otp_hash FROM buyers WHERE phone = ? AND status <> 'closed'",
        [phone],
      );
      if (buyer === undefined) return undefined;
      // A PIN set through a link wins over one registered with the buyer; with neither (the link not used
      // yet) no PIN signs the buyer in.
      const pinValid =
        buyer.pin_ref != null
          ? await pins.matches(String(buyer.pin_ref), pin)
          : buyer.pin_hash != null && verifySecret(pin, String(buyer.pin_hash));
      if (!pinValid) return undefined;
      // Rate-limited, no code is sent: the OTP step then refuses whatever is typed, as for a wrong code.
      if (buyer.otp_hash == null) await otp.issue("kredivo", phone);
      return String(buyer.user_id);
    },

    async otpMatches(userId: string | undefined, code: string): Promise<boolean> {
      if (userId === undefined) return false;
      const [buyer] = await readStore.query("SELECT phone, otp_hash FROM buyers WHERE user_id = ?", [userId]);
      if (buyer === undefined) return false;
      if (buyer.otp_hash != null) return verifySecret(code, String(buyer.otp_hash));
      return otp.redeem("kredivo", String(buyer.phone), code);
    },
  };
}
