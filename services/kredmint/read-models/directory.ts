import { streamKind } from "../../../contracts/envelope.ts";
import { partnerCodec } from "../../ledger/partner/partner.events.ts";
import { partnerUserCodec } from "../../ledger/partneruser/partneruser.events.ts";
import type { ReadStore, Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/** Who is who in the Partner API: partners (for Basic auth) and their users (USR-<n>, by partner and mobile). */
export const kredmintDirectoryProjection: Projection = {
  name: "kredmint_directory",
  version: 1,
  tables: {
    kredmint_partners: {
      columns: `partner_id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL,
        client_token_hash TEXT NOT NULL, allowed_sources TEXT NOT NULL, webhook_url TEXT`,
    },
    kredmint_users: {
      columns: `user_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, mobile TEXT NOT NULL, state TEXT NOT NULL,
        created_at TEXT NOT NULL, UNIQUE (partner_id, mobile)`,
    },
  },
  handle(envelope): Statement[] {
    switch (streamKind(envelope.streamId)) {
      case "partner": {
        const event = partnerCodec.decode(envelope);
        const id = envelope.streamId.slice("partner-".length);
        switch (event.type) {
          case "PartnerRegistered": {
            const p = event.data;
            return [
              sql`INSERT INTO {{kredmint_partners}} (partner_id, name, secret_hash, client_token_hash,
                    allowed_sources, webhook_url)
                  VALUES (${p.partnerId}, ${p.name}, ${p.secretHash}, ${p.clientTokenHash},
                    ${JSON.stringify(p.allowedSources)}, ${p.webhookUrl})`,
            ];
          }
          case "PartnerSecretRotated":
            return [
              sql`UPDATE {{kredmint_partners}} SET secret_hash = ${event.data.secretHash} WHERE partner_id = ${id}`,
            ];
          case "PartnerClientTokenRotated":
            return [
              sql`UPDATE {{kredmint_partners}} SET client_token_hash = ${event.data.clientTokenHash}
                  WHERE partner_id = ${id}`,
            ];
          default:
            return [];
        }
      }
      case "partneruser": {
        const event = partnerUserCodec.decode(envelope);
        if (event.type !== "PartnerUserCreated") return [];
        const u = event.data;
        return [
          sql`INSERT INTO {{kredmint_users}} (user_id, partner_id, mobile, state, created_at)
              VALUES (${u.userId}, ${u.partnerId}, ${u.mobile}, ${"IncompleteProfile"}, ${envelope.occurredAt})`,
        ];
      }
      default:
        return [];
    }
  },
};

export interface PartnerRow {
  readonly partnerId: string;
  readonly name: string;
  readonly secretHash: string;
  readonly clientTokenHash: string;
  readonly allowedSources: readonly string[];
  readonly webhookUrl: string | null;
}

export async function findPartner(readStore: ReadStore, partnerId: string): Promise<PartnerRow | undefined> {
  const [row] = await readStore.query(
    `SELECT partner_id, name, secret_hash, client_token_hash, allowed_sources, webhook_url
       FROM kredmint_partners WHERE partner_id = ?`,
    [partnerId],
  );
  if (!row) return undefined;
  return {
    partnerId: String(row.partner_id),
    name: String(row.name),
    secretHash: String(row.secret_hash),
    clientTokenHash: String(row.client_token_hash),
    allowedSources: JSON.parse(String(row.allowed_sources)),
    webhookUrl: row.webhook_url === null ? null : String(row.webhook_url),
  };
}
