import { streamKind } from "../../../contracts/envelope.ts";
import { buyerCodec } from "../../ledger/buyer/buyer.events.ts";
import { merchantCodec } from "../../ledger/merchant/merchant.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * Who is who: merchants by server-key hash, their dealers (offline checkouts), buyers by phone. Lookups for
 * authentication. v2: merchant_dealers.
 */
export const directoryProjection: Projection = {
  name: "directory",
  version: 2,
  tables: {
    merchants: {
      columns: `merchant_id TEXT PRIMARY KEY, name TEXT NOT NULL, server_key_hash TEXT NOT NULL,
        fee_rate_bps BIGINT NOT NULL, status TEXT NOT NULL`,
      indexes: ["server_key_hash"],
    },
    merchant_dealers: {
      columns: `merchant_id TEXT NOT NULL, dealer_code TEXT NOT NULL, registered_at TEXT NOT NULL,
        PRIMARY KEY (merchant_id, dealer_code)`,
    },
    buyers: {
      columns:
        "user_id TEXT PRIMARY KEY, phone TEXT NOT NULL UNIQUE, pin_hash TEXT NOT NULL, otp_hash TEXT NOT NULL",
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
              sql`INSERT INTO {{merchants}} (merchant_id, name, server_key_hash, fee_rate_bps, status)
                  VALUES (${m.merchantId}, ${m.name}, ${m.serverKeyHash}, ${m.feeRateBps}, ${m.status})`,
            ];
          }
          case "ServerKeyRotated":
            return [
              sql`UPDATE {{merchants}} SET server_key_hash = ${event.data.serverKeyHash} WHERE merchant_id = ${id}`,
            ];
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
        const b = buyerCodec.decode(envelope).data;
        return [
          sql`INSERT INTO {{buyers}} (user_id, phone, pin_hash, otp_hash)
              VALUES (${b.userId}, ${b.phone}, ${b.pinHash}, ${b.otpHash})`,
        ];
      }
      default:
        return [];
    }
  },
};
