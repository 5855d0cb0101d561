import { streamKind } from "../../../contracts/envelope.ts";
import { userTokenCodec } from "../../ledger/usertoken/usertoken.events.ts";
import type { Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * The 0-click tokens by merchant and client_user_key: whether a key already has an active token (checkout/init
 * answers 2007 only when it has none; user/tokenize/init refuses with 2009 when it has one).
 */
export const userTokensProjection: Projection = {
  name: "user_tokens",
  version: 1,
  tables: {
    user_tokens: {
      columns: `user_token TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, client_user_key TEXT NOT NULL,
        user_id TEXT NOT NULL, status TEXT NOT NULL, issued_at TEXT NOT NULL, revoked_at TEXT`,
      indexes: ["merchant_id, client_user_key"],
    },
  },
  handle(envelope): Statement[] {
    if (streamKind(envelope.streamId) !== "usertoken") return [];
    const event = userTokenCodec.decode(envelope);
    const token = envelope.streamId.slice("usertoken-".length);
    switch (event.type) {
      case "UserTokenIssued": {
        const d = event.data;
        return [
          sql`INSERT INTO {{user_tokens}} (user_token, merchant_id, client_user_key, user_id, status, issued_at)
              VALUES (${token}, ${d.merchantId}, ${d.clientUserKey}, ${d.userId}, 'active', ${d.issuedAt})`,
        ];
      }
      case "UserTokenRevoked":
        return [
          sql`UPDATE {{user_tokens}} SET status = 'revoked', revoked_at = ${event.data.revokedAt}
              WHERE user_token = ${token}`,
        ];
      default:
        return [];
    }
  },
};
