import { streamKind } from "../../../contracts/envelope.ts";
import { buyerCodec } from "../../ledger/buyer/buyer.events.ts";
import { merchantCodec } from "../../ledger/merchant/merchant.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * Who is who: merchants by server-key reference, their dealers (offline checkouts), buyers by phone. Lookups for
 * authentication. v2: merchant_dealers. v3: merchant_server_keys (every key a merchant has had, with when
 * a replaced one stops: the rotation's overlap), the merchant's status following suspensions, and when it
 * was registered. v4: the merchant's push signing mode (merchants.push_signing). v5: server keys by their
 * reference into the secret store (the log holds no hash of them any more), buyers' PINs and fixed OTPs too.
 */
export const directoryProjection: Projection = {
  name: "directory",
  version: 5,
  tables: {
    merchants: {
      columns: `merchant_id TEXT PRIMARY KEY, name TEXT NOT NULL, server_key_ref TEXT NOT NULL,
        fee_rate_bps BIGINT NOT NULL, status TEXT NOT NULL, registered_at TEXT NOT NULL,
        push_signing TEXT NOT NULL`,
    },
    merchant_server_keys: {
      // valid_until NULL: the merchant's current key.
      columns: `server_key_ref TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, valid_until TEXT`,
      indexes: ["merchant_id"],
    },
    merchant_dealers: {
      columns: `merchant_id TEXT NOT NULL, dealer_code TEXT NOT NULL, registered_at TEXT NOT NULL,
        PRIMARY KEY (merchant_id, dealer_code)`,
    },
    // Which buyer a PIN link (by its token's SHA-256) is for; the buyer's stream decides whether it still works.
    buyer_pin_links: { columns: "link_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL" },
    buyers: {
      // pin_ref: the buyer's PIN by its reference into the secret store (registered with the buyer, or set
      // through a link later, which wins); NULL: no PIN yet. otp_ref: a fixed OTP (the sandbox seed); NULL:
      // codes are sent per sign-in (OtpSender).
      columns: `user_id TEXT PRIMARY KEY, phone TEXT NOT NULL UNIQUE, pin_ref TEXT, otp_ref TEXT,
        status TEXT NOT NULL, registered_at TEXT NOT NULL`,
    },
  },
  handle(envelope): Statement[] {
    switch (streamKind(envelope.streamId)) {
      case "merchant": {
        const event = merchantCodec.decode(envelope);
        const id = envelope.streamId.slice("merchant-".length);
        switch (event.type) {
          case "MerchantRegistered": {
            const m = event.data;
            return [
              sql`INSERT INTO {{merchants}} (merchant_id, name, server_key_ref, fee_rate_bps, status, registered_at,
                    push_signing)
                  VALUES (${m.merchantId}, ${m.name}, ${m.serverKeyRef}, ${m.feeRateBps}, ${m.status},
                    ${envelope.occurredAt}, ${m.pushSigning.standardWebhooks})`,
              sql`INSERT INTO {{merchant_server_keys}} (server_key_ref, merchant_id, valid_until)
                  VALUES (${m.serverKeyRef}, ${m.merchantId}, NULL)`,
            ];
          }
          case "ServerKeyRotated": {
            // Without an overlap the replaced key stops when the rotation is recorded.
            const until = event.data.previousKeyValidUntil ?? envelope.occurredAt;
            return [
              sql`UPDATE {{merchants}} SET server_key_ref = ${event.data.serverKeyRef} WHERE merchant_id = ${id}`,
              sql`UPDATE {{merchant_server_keys}} SET valid_until = ${until}
                  WHERE merchant_id = ${id} AND valid_until IS NULL`,
              sql`INSERT INTO {{merchant_server_keys}} (server_key_ref, merchant_id, valid_until)
                  VALUES (${event.data.serverKeyRef}, ${id}, NULL)
                  ON CONFLICT (server_key_ref) DO UPDATE SET merchant_id = ${id}, valid_until = NULL`,
            ];
          }
          case "PushSigningChanged":
            return [
              sql`UPDATE {{merchants}} SET push_signing = ${event.data.pushSigning.standardWebhooks}
                  WHERE merchant_id = ${id}`,
            ];
          case "MerchantSuspended":
          case "MerchantReactivated": {
            const status = event.type === "MerchantSuspended" ? "suspended" : "active";
            return [sql`UPDATE {{merchants}} SET status = ${status} WHERE merchant_id = ${id}`];
          }
          case "DealerRegistered":
            return [
              sql`INSERT INTO {{merchant_dealers}} (merchant_id, dealer_code, registered_at)
                  VALUES (${id}, ${event.data.dealerCode}, ${event.data.registeredAt})`,
            ];
          default:
            return [];
        }
      }
      case "buyer": {
        const event = buyerCodec.decode(envelope);
        const id = envelope.streamId.slice("buyer-".length);
        switch (event.type) {
          case "BuyerRegistered": {
            const b = event.data;
            return [
              sql`INSERT INTO {{buyers}} (user_id, phone, pin_ref, otp_ref, status, registered_at)
                  VALUES (${b.userId}, ${b.phone}, ${b.pinRef ?? null}, ${b.otpRef ?? null}, 'active',
                    ${envelope.occurredAt})`,
            ];
          }
          case "PinLinkIssued":
            return [
              sql`INSERT INTO {{buyer_pin_links}} (link_hash, user_id) VALUES (${event.data.linkHash}, ${id})`,
            ];
          case "PinSet":
            return [sql`UPDATE {{buyers}} SET pin_ref = ${event.data.pinRef} WHERE user_id = ${id}`];
          case "BuyerFrozen":
          case "BuyerUnfrozen":
          case "BuyerClosed": {
            const status = { BuyerFrozen: "frozen", BuyerUnfrozen: "active", BuyerClosed: "closed" }[
              event.type
            ];
            return [sql`UPDATE {{buyers}} SET status = ${status} WHERE user_id = ${id}`];
          }
          default:
            return [];
        }
      }
      default:
        return [];
    }
  },
};
