import { randomBytes } from "node:crypto";
import type { BuyerView } from "../../../contracts/v1/buyers.ts";
import { type BuyerCommand, type BuyerRule, buyerStream } from "../../ledger/buyer/buyer.decider.ts";
import { creditLineStream, kredivoLine } from "../../ledger/creditline/creditline.stream.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { sha256Hex } from "../credentials.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

/** Buyer ids are ours: `buy-` and 16 hex digits. */
const newUserId = () => `buy-${randomBytes(8).toString("hex")}`;

/** A phone already registered to another buyer: a phone names one buyer (the hosted page signs in by it). */
export class PhoneTaken extends Error {
  readonly userId: string;
  constructor(userId: string) {
    super(`the phone is registered to ${userId}`);
    this.userId = userId;
  }
}

/**
 * The lender's side of the Checkout API's buyers: register by phone, a one-time link for the buyer to set
 * the PIN (the PIN goes from the buyer's browser to its scrypt hash, past no operator), freeze, unfreeze,
 * close. The link's token is answered once; the log keeps its SHA-256.
 */
export function buyerAdmin(ledger: CheckoutLedger) {
  const handle = async (userId: string, command: BuyerCommand, caller: Caller) => {
    const handled = await ledger.buyers.handle(buyerStream(userId), command, ledger.meta(caller, "kredivo"));
    if (handled.position !== undefined) await ledger.options.waitForProjections(handled.position);
    return handled;
  };

  const view = async (userId: string): Promise<BuyerView | undefined> => {
    const [row] = await ledger.readStore.query(
      "SELECT user_id, phone, status, pin_ref, registered_at FROM buyers WHERE user_id = ?",
      [userId],
    );
    if (row === undefined) return undefined;
    const status = row.status === "frozen" || row.status === "closed" ? row.status : "active";
    return {
      userId: String(row.user_id),
      phone: String(row.phone),
      status,
      pinSet: row.pin_ref != null,
      registeredAt: String(row.registered_at),
    };
  };

  const existing = async (userId: string) => {
    const found = await view(userId);
    if (found === undefined) throw new Rejection<BuyerRule>("buyer_must_exist");
    return found;
  };

  const pinLinkUrl = (token: string) => `${ledger.options.publicBaseUrl}/kredivo/buyers/pin/${token}`;

  return {
    buyer: view,

    async registerBuyer(phone: string, caller: Caller) {
      const [taken] = await ledger.readStore.query("SELECT user_id FROM buyers WHERE phone = ?", [phone]);
      if (taken !== undefined) throw new PhoneTaken(String(taken.user_id));
      const userId = newUserId();
      await handle(userId, { type: "Register", profile: { userId, phone } }, caller);
      return existing(userId);
    },

    async issuePinLink(userId: string, ttlSeconds: number, caller: Caller) {
      await existing(userId);
      const token = randomBytes(24).toString("base64url");
      const handled = await handle(
        userId,
        { type: "IssuePinLink", linkHash: sha256Hex(token), ttlSeconds },
        caller,
      );
      const issued = handled.events.find((e) => e.type === "PinLinkIssued");
      return {
        userId,
        url: pinLinkUrl(token),
        expiresAt: issued?.type === "PinLinkIssued" ? issued.data.expiresAt : "",
      };
    },

    /** The buyer, on the link's page, sets the PIN. Refused (pin_link_must_be_valid) once spent or expired. */
    async setPinThroughLink(token: string, pin: string, caller: Caller) {
      const linkHash = sha256Hex(token);
      const [row] = await ledger.readStore.query("SELECT user_id FROM buyer_pin_links WHERE link_hash = ?", [
        linkHash,
      ]);
      if (row === undefined) throw new Rejection<BuyerRule>("pin_link_must_be_valid");
      const userId = String(row.user_id);
      await handle(
        userId,
        { type: "SetPin", linkHash, pinRef: await ledger.buyerSecrets.store(pin) },
        { ...caller, actor: `buyer:${userId}` },
      );
      return userId;
    },

    async setBuyerFrozen(userId: string, frozen: boolean, reason: string, caller: Caller) {
      await existing(userId);
      await handle(userId, { type: frozen ? "Freeze" : "Unfreeze", reason }, caller);
      return existing(userId);
    },

    /** Closes the buyer: refused while the credit line holds or is owed anything. */
    async closeBuyer(userId: string, reason: string, caller: Caller) {
      await existing(userId);
      const { state: line } = await ledger.creditLines.load(creditLineStream(kredivoLine(userId)));
      const outstandingMinor = line.heldMinor + line.usedMinor;
      await handle(userId, { type: "Close", reason, outstandingMinor }, caller);
      return existing(userId);
    },
  };
}
