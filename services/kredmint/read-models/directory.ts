import { type EventEnvelope, streamKind } from "../../../contracts/envelope.ts";
import { PARTNER_USER_STATES, type PartnerUserState } from "../../../contracts/kredmint/states.ts";
import { disbursalCodec } from "../../ledger/disbursal/disbursal.events.ts";
import { partnerCodec } from "../../ledger/partner/partner.events.ts";
import { partnerUserCodec } from "../../ledger/partneruser/partneruser.events.ts";
import { supplierCodec } from "../../ledger/supplier/supplier.events.ts";
import type { ReadStore, Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * Who is who in the Partner API: partners (for Basic auth), their users (USR-<n>, by partner and mobile) and
 * the users' suppliers (SUPB-<n>). v3: partners' secret and client token by secret-store reference.
 */
export const kredmintDirectoryProjection: Projection = {
  name: "kredmint_directory",
  version: 3,
  tables: {
    kredmint_partners: {
      columns: `partner_id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_ref TEXT NOT NULL,
        client_token_ref TEXT NOT NULL, allowed_sources TEXT NOT NULL, webhook_url TEXT`,
    },
    kredmint_users: {
      columns: `user_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, mobile TEXT NOT NULL, state TEXT NOT NULL,
        created_at TEXT NOT NULL, UNIQUE (partner_id, mobile)`,
    },
    kredmint_suppliers: {
      columns: `supplier_id TEXT PRIMARY KEY, stream_id TEXT NOT NULL, partner_id TEXT NOT NULL,
        user_id TEXT NOT NULL, supplier_bank_id TEXT NOT NULL, supplier_name TEXT NOT NULL, mobile TEXT NOT NULL,
        email TEXT, gstin TEXT, status TEXT NOT NULL, created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL`,
      indexes: ["user_id", "stream_id"],
    },
    kredmint_documents: {
      columns: `document_id TEXT PRIMARY KEY, relative_url TEXT NOT NULL UNIQUE, partner_id TEXT NOT NULL,
        user_id TEXT NOT NULL, name TEXT NOT NULL, format TEXT NOT NULL, sha256 TEXT NOT NULL,
        size_bytes BIGINT NOT NULL, uploaded_by TEXT NOT NULL, created_ms BIGINT NOT NULL`,
      indexes: ["user_id"],
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
              sql`INSERT INTO {{kredmint_partners}} (partner_id, name, secret_ref, client_token_ref,
                    allowed_sources, webhook_url)
                  VALUES (${p.partnerId}, ${p.name}, ${p.secretRef}, ${p.clientTokenRef},
                    ${JSON.stringify(p.allowedSources)}, ${p.webhookUrl})`,
            ];
          }
          case "PartnerSecretRotated":
            return [
              sql`UPDATE {{kredmint_partners}} SET secret_ref = ${event.data.secretRef} WHERE partner_id = ${id}`,
            ];
          case "PartnerClientTokenRotated":
            return [
              sql`UPDATE {{kredmint_partners}} SET client_token_ref = ${event.data.clientTokenRef}
                  WHERE partner_id = ${id}`,
            ];
          default:
            return [];
        }
      }
      case "partneruser":
        return partnerUserStatements(envelope);
      case "supplier": {
        const event = supplierCodec.decode(envelope);
        const at = Date.parse(envelope.occurredAt);
        if (event.type === "SupplierBankAccountVerified") {
          return [
            sql`UPDATE {{kredmint_suppliers}} SET status = ${"Verified"}, modified_ms = ${at}
                WHERE stream_id = ${envelope.streamId}`,
          ];
        }
        const d = event.data;
        return [
          sql`INSERT INTO {{kredmint_suppliers}} (supplier_id, stream_id, partner_id, user_id, supplier_bank_id,
                supplier_name, mobile, email, gstin, status, created_ms, modified_ms)
              VALUES (${d.supplierId}, ${envelope.streamId}, ${d.partnerId}, ${d.userId}, ${d.supplierBankId},
                ${d.supplierName}, ${d.mobile}, ${d.email}, ${d.gstin}, ${"Initiated"}, ${at}, ${at})`,
        ];
      }
      case "disbursal": {
        // An invoice's pdf is served by its signed link like financial data (format `pdf`).
        const event = disbursalCodec.decode(envelope);
        if (event.type !== "InvoiceDocumentUploaded") return [];
        const d = event.data;
        return [
          sql`INSERT INTO {{kredmint_documents}} (document_id, relative_url, partner_id, user_id, name, format, sha256,
                size_bytes, uploaded_by, created_ms)
              VALUES (${d.documentId}, ${d.relativeUrl}, ${d.partnerId}, ${d.userId}, ${d.name}, ${"pdf"},
                ${d.sha256}, ${d.sizeBytes}, ${d.uploadedBy}, ${Date.parse(envelope.occurredAt)})`,
        ];
      }
      default:
        return [];
    }
  },
};

function partnerUserStatements(envelope: EventEnvelope): Statement[] {
  const event = partnerUserCodec.decode(envelope);
  const [partnerId = "", mobile = ""] = envelope.streamId.slice("partneruser-".length).split(":");
  const setState = (state: PartnerUserState) =>
    sql`UPDATE {{kredmint_users}} SET state = ${state} WHERE partner_id = ${partnerId} AND mobile = ${mobile}`;
  switch (event.type) {
    case "PartnerUserCreated": {
      const u = event.data;
      return [
        sql`INSERT INTO {{kredmint_users}} (user_id, partner_id, mobile, state, created_at)
            VALUES (${u.userId}, ${u.partnerId}, ${u.mobile}, ${"IncompleteProfile"}, ${envelope.occurredAt})`,
      ];
    }
    case "FinancialDataUploaded": {
      const d = event.data;
      const userId = d.relativeUrl.split("/")[0] ?? "";
      return [
        setState("UnderReview"),
        sql`INSERT INTO {{kredmint_documents}} (document_id, relative_url, partner_id, user_id, name, format, sha256,
              size_bytes, uploaded_by, created_ms)
            VALUES (${d.documentId}, ${d.relativeUrl}, ${partnerId}, ${userId}, ${d.name}, ${d.format}, ${d.sha256},
              ${d.sizeBytes}, ${d.uploadedBy}, ${Date.parse(envelope.occurredAt)})`,
      ];
    }
    case "UserApproved":
      return [setState("Active")];
    case "UserRejected":
      return [setState("Rejected")];
    case "UserContextGiven":
    case "ProfileSubmitted":
      return [];
  }
}

/** A partner's user as the directory knows it. */
export interface PartnerUserRow {
  readonly userId: string;
  readonly partnerId: string;
  readonly mobile: string;
  readonly state: PartnerUserState;
}

/** One partner's user by its USR-<n> id (never another partner's). */
export async function findPartnerUser(
  readStore: ReadStore,
  partnerId: string,
  userId: string,
): Promise<PartnerUserRow | undefined> {
  const [row] = await readStore.query(
    "SELECT user_id, partner_id, mobile, state FROM kredmint_users WHERE partner_id = ? AND user_id = ?",
    [partnerId, userId],
  );
  if (!row) return undefined;
  const state = PARTNER_USER_STATES.find((s) => s === row.state) ?? "IncompleteProfile";
  return {
    userId: String(row.user_id),
    partnerId: String(row.partner_id),
    mobile: String(row.mobile),
    state,
  };
}

/** A stored document as its signed link serves it. */
export interface DocumentRow {
  readonly documentId: string;
  readonly relativeUrl: string;
  readonly partnerId: string;
  readonly userId: string;
  readonly name: string;
  readonly format: "csv" | "json" | "pdf";
  readonly sha256: string;
  readonly uploadedBy: string;
  readonly creationDate: number;
}

export async function findDocument(
  readStore: ReadStore,
  by: { readonly relativeUrl: string } | { readonly documentId: string },
): Promise<DocumentRow | undefined> {
  const [column, value] =
    "relativeUrl" in by ? ["relative_url", by.relativeUrl] : ["document_id", by.documentId];
  const [row] = await readStore.query(
    `SELECT document_id, relative_url, partner_id, user_id, name, format, sha256, uploaded_by, created_ms
       FROM kredmint_documents WHERE ${column} = ?`,
    [value],
  );
  if (!row) return undefined;
  return {
    documentId: String(row.document_id),
    relativeUrl: String(row.relative_url),
    partnerId: String(row.partner_id),
    userId: String(row.user_id),
    name: String(row.name),
    format: row.format === "json" || row.format === "pdf" ? row.format : "csv",
    sha256: String(row.sha256),
    uploadedBy: String(row.uploaded_by),
    creationDate: Number(row.created_ms),
  };
}

export interface PartnerRow {
  readonly partnerId: string;
  readonly name: string;
  readonly secretRef: string;
  readonly clientTokenRef: string;
  readonly allowedSources: readonly string[];
  readonly webhookUrl: string | null;
}

export async function findPartner(readStore: ReadStore, partnerId: string): Promise<PartnerRow | undefined> {
  const [row] = await readStore.query(
    `SELECT partner_id, name, secret_ref, client_token_ref, allowed_sources, webhook_url
       FROM kredmint_partners WHERE partner_id = ?`,
    [partnerId],
  );
  if (!row) return undefined;
  return {
    partnerId: String(row.partner_id),
    name: String(row.name),
    secretRef: String(row.secret_ref),
    clientTokenRef: String(row.client_token_ref),
    allowedSources: JSON.parse(String(row.allowed_sources)),
    webhookUrl: row.webhook_url === null ? null : String(row.webhook_url),
  };
}

/** A supplier as the seed's payload shows it. */
export interface SupplierRow {
  readonly id: string;
  readonly userId: string;
  readonly mobile: string;
  readonly gstin: string | null;
  readonly supplierName: string;
  readonly supplierBankId: string;
  readonly status: "Initiated" | "Verified";
  readonly email: string | null;
  readonly creationDate: number;
  readonly lastModifiedDate: number;
}

const SUPPLIER_COLUMNS = `supplier_id, user_id, mobile, gstin, supplier_name, supplier_bank_id, status, email,
  created_ms, modified_ms`;

const supplierOf = (row: Record<string, unknown>): SupplierRow => ({
  id: String(row.supplier_id),
  userId: String(row.user_id),
  mobile: String(row.mobile),
  gstin: row.gstin === null ? null : String(row.gstin),
  supplierName: String(row.supplier_name),
  supplierBankId: String(row.supplier_bank_id),
  status: row.status === "Verified" ? "Verified" : "Initiated",
  email: row.email === null ? null : String(row.email),
  creationDate: Number(row.created_ms),
  lastModifiedDate: Number(row.modified_ms),
});

/** The supplier a stream holds, once projected. */
export async function findSupplier(readStore: ReadStore, streamId: string): Promise<SupplierRow | undefined> {
  const [row] = await readStore.query(
    `SELECT ${SUPPLIER_COLUMNS} FROM kredmint_suppliers WHERE stream_id = ?`,
    [streamId],
  );
  return row ? supplierOf(row) : undefined;
}

/** The stream of one partner's supplier (never another partner's), for commands on it. */
export async function supplierStreamOf(
  readStore: ReadStore,
  partnerId: string,
  supplierId: string,
): Promise<string | undefined> {
  const [row] = await readStore.query(
    "SELECT stream_id FROM kredmint_suppliers WHERE supplier_id = ? AND partner_id = ?",
    [supplierId, partnerId],
  );
  return row ? String(row.stream_id) : undefined;
}

/** A partner's user's suppliers, oldest first. */
export async function listSuppliers(
  readStore: ReadStore,
  partnerId: string,
  userId: string,
): Promise<SupplierRow[]> {
  const rows = await readStore.query(
    `SELECT ${SUPPLIER_COLUMNS} FROM kredmint_suppliers WHERE partner_id = ? AND user_id = ?
      ORDER BY created_ms, supplier_id`,
    [partnerId, userId],
  );
  return rows.map(supplierOf);
}
