import type { ReadStore } from "../../platform/readstore/port.ts";
import { verifySecret } from "../credentials.ts";

/**
 * The buyer's credentials as both hosted pages check them (checkout, tokenization): the buyer a phone and
 * PIN name, and whether a code is that buyer's OTP. Read from the directory; secrets are compared by hash.
 */
export function buyerCredentials(readStore: ReadStore) {
  return {
    /** The buyer's user id, or undefined when no buyer has this phone and PIN. */
    async userIdFor(phone: string, pin: string): Promise<string | undefined> {
      const [buyer] = await readStore.query(
        "SELECT user_id, pin_hash FROM buyers WHERE phone = ? AND status <> 'closed'",
        [phone],
      );
      // No PIN yet (pin_hash NULL): the buyer has not used their PIN link, and no PIN signs them in.
      return buyer !== undefined && buyer.pin_hash != null && verifySecret(pin, String(buyer.pin_hash))
        ? String(buyer.user_id)
        : undefined;
    },

    async otpMatches(userId: string | undefined, otp: string): Promise<boolean> {
      if (userId === undefined) return false;
      const [buyer] = await readStore.query("SELECT otp_hash FROM buyers WHERE user_id = ?", [userId]);
      return buyer !== undefined && buyer.otp_hash != null && verifySecret(otp, String(buyer.otp_hash));
    },
  };
}
