import type { DocumentPayload, UploadedFile } from "../../contracts/kredmint/document.ts";
import type { PartnerUserState } from "../../contracts/kredmint/states.ts";
import { creditLineDecider } from "../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../ledger/creditline/creditline.events.ts";
import { creditLineStream } from "../ledger/creditline/creditline.stream.ts";
import { type Caller, type CommandMeta, Rejection } from "../ledger/decider.ts";
import {
  type PartnerUserRule,
  partnerUserDecider,
  partnerUserStream,
} from "../ledger/partneruser/partneruser.decider.ts";
import { type FinancialDocument, partnerUserCodec } from "../ledger/partneruser/partneruser.events.ts";
import type { BlobStore } from "../platform/blobstore/port.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { documentLinks } from "./document-link.ts";
import { documentName, financialDataFormat } from "./file-type.ts";
import { type DocumentRow, findDocument, findPartnerUser } from "./read-models/directory.ts";
import { KredmintRefusal } from "./refusal.ts";
import { parseFinancialData, proposeLimit } from "./underwriting.ts";

export interface OnboardingOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly blobs: BlobStore;
  readonly now: () => Date;
  readonly publicBaseUrl: () => string;
  readonly linkSecret: string;
  readonly metaOf: (caller: Caller) => CommandMeta;
  readonly wait: (position: string | undefined) => Promise<void>;
  readonly issue: (prefix: string, meta: CommandMeta) => Promise<string>;
}

/** Who a financial data upload is for: the partner's user with this mobile (and, when given, this id). */
export interface UploadTarget {
  readonly partnerId: string;
  readonly username: string;
  readonly userId?: string | undefined;
}

/** What an operator sees of a user under review, to decide on it. */
export interface UserReview {
  readonly userId: string;
  readonly partnerId: string;
  readonly mobile: string;
  readonly state: PartnerUserState;
  readonly profile: Readonly<Record<string, string>>;
  readonly documents: readonly FinancialDocument[];
  readonly creditLimitMinor: bigint | undefined;
}

export type Decision =
  | { readonly decision: "approve"; readonly creditLimitMinor: bigint }
  | { readonly decision: "reject"; readonly reason: string };

/**
 * Onboarding after the eligibility call: the page's profile, financial data (blob store + event, with the
 * underwriting rule's proposal), the signed links to the files, and the operator's decision (approve with an
 * INR revolving credit line, or reject).
 */
export function onboardingUseCases(options: OnboardingOptions) {
  const { readStore, blobs, now, metaOf, wait } = options;
  const users = commandHandler(options.store, partnerUserDecider, partnerUserCodec);
  const creditLines = commandHandler(options.store, creditLineDecider, creditLineCodec);
  const links = documentLinks(options.linkSecret);

  async function userState(partnerId: string, username: string) {
    const streamId = partnerUserStream(partnerId, username);
    const { state } = await users.load(streamId);
    if (!state.identity) {
      throw new KredmintRefusal(
        404,
        "username",
        `${username} is no user of this partner; call /kredmint/user/eligibility for it first`,
      );
    }
    return { streamId, state, userId: state.identity.userId };
  }

  function payloadOf(row: DocumentRow): DocumentPayload {
    const { url, urlExpiryDate } = links.url(options.publicBaseUrl(), row.relativeUrl, now().getTime());
    return {
      id: row.documentId,
      createdBy: row.userId,
      creationDate: row.creationDate,
      lastModifiedDate: row.creationDate,
      lastModifiedBy: row.userId,
      url,
      userId: row.userId,
      name: row.name,
      relativeUrl: row.relativeUrl,
      documentType: "FINANCIAL_DATA",
      urlExpiryDate,
      seqPrefix: "UDOC-",
    };
  }

  /** A partner's user for an operator: undefined when the partner has no such user. */
  async function review(partnerId: string, userId: string): Promise<UserReview | undefined> {
    const row = await findPartnerUser(readStore, partnerId, userId);
    if (!row) return undefined;
    const { state } = await users.load(partnerUserStream(partnerId, row.mobile));
    return {
      userId,
      partnerId,
      mobile: row.mobile,
      state: state.state,
      profile: { ...state.prefill, ...state.profile },
      documents: state.documents,
      creditLimitMinor: state.decision && "approved" in state.decision ? state.decision.approved : undefined,
    };
  }

  return {
    /**
     * `POST /user/document/upload` (and the onboarding page's upload): checks the file is financial data in a
     * documented format, stores it by its SHA-256, records it with the rule's proposal (`UDOC-<n>`; the same
     * file again answers the same document) and puts the user under review. Nothing is stored for a refusal.
     */
    async uploadFinancialData(
      target: UploadTarget,
      file: UploadedFile,
      caller: Caller,
    ): Promise<DocumentPayload> {
      const { streamId, state, userId } = await userState(target.partnerId, target.username);
      if (target.userId !== undefined && target.userId !== userId) {
        throw new KredmintRefusal(
          400,
          "userId",
          `${target.userId} is not the user of username ${target.username}; send ${userId}, or leave userId out`,
        );
      }
      if (state.decision) {
        throw new KredmintRefusal(
          400,
          "username",
          `${target.username} is already ${state.state}; financial data is taken only before the decision`,
        );
      }
      const format = financialDataFormat(file);
      if (!format) {
        throw new KredmintRefusal(
          400,
          "file",
          "must be csv or json financial data; send a .csv or .json file",
        );
      }
      const parsed = parseFinancialData(format, file.bytes.toString("utf8"));
      if (!parsed.ok) throw new KredmintRefusal(400, "file", parsed.reason);
      const proposal = proposeLimit(parsed.rows);
      const meta = metaOf(caller);
      const stored = await blobs.put(file.bytes);
      const known = state.documents.find((d) => d.sha256 === stored.sha256);
      const name = documentName(file.filename);
      const tag = Buffer.from(stored.sha256, "hex").toString("base64url").slice(0, 6);
      const document: FinancialDocument = known ?? {
        documentId: await options.issue("UDOC-", meta),
        name,
        relativeUrl: `${userId}/${tag}-${name}`,
        format,
        sha256: stored.sha256,
        sizeBytes: stored.sizeBytes,
        uploadedBy: meta.actor,
        months: proposal.months,
        proposedLimitMinor: proposal.proposedLimitMinor,
        basis: proposal.basis,
      };
      try {
        await wait((await users.handle(streamId, { type: "UploadFinancialData", document }, meta)).position);
      } catch (error) {
        const rule: PartnerUserRule | undefined = error instanceof Rejection ? error.rule : undefined;
        if (rule !== "decision_is_final") throw error;
        throw new KredmintRefusal(
          400,
          "username",
          "has been decided meanwhile; financial data is no longer taken",
        );
      }
      const row = await findDocument(readStore, { documentId: document.documentId });
      if (!row) throw new Error(`${document.documentId} recorded but not in the read model`);
      return payloadOf(row);
    },

    /** The bytes a signed document link names, or undefined when the link is not valid (now) or names nothing. */
    async documentFile(relativeUrl: string, expiresMs: number, signature: string) {
      if (!links.valid(relativeUrl, expiresMs, signature, now().getTime())) return { refused: true as const };
      const row = await findDocument(readStore, { relativeUrl });
      const bytes = row ? await blobs.get(row.sha256) : undefined;
      return row && bytes ? { refused: false as const, row, bytes } : undefined;
    },

    /** The onboarding page's profile form (the user's own words; the partner's prefill was its first values). */
    async submitProfile(
      partnerId: string,
      username: string,
      profile: Record<string, string>,
      caller: Caller,
    ) {
      const { streamId } = await userState(partnerId, username);
      await wait((await users.handle(streamId, { type: "SubmitProfile", profile }, metaOf(caller))).position);
    },

    /** A user's onboarding as its stream has it (read-your-writes for the page). */
    async user(partnerId: string, username: string) {
      return (await userState(partnerId, username)).state;
    },

    review,

    /**
     * An operator's decision. Approve: `UserApproved` on the user, then the INR revolving credit line
     * `creditline-kredmint:INR:<userId>` gets the limit (`CreditLimitSet`); the same approval again appends
     * nothing, and completes a line a crash left unset. Reject: `UserRejected` with the reason. Undefined when
     * the partner has no such user; a Rejection (PartnerUserRule) when the decision is refused.
     */
    async decide(partnerId: string, userId: string, decision: Decision, caller: Caller) {
      const row = await findPartnerUser(readStore, partnerId, userId);
      if (!row) return undefined;
      const meta = metaOf(caller);
      const streamId = partnerUserStream(partnerId, row.mobile);
      const command =
        decision.decision === "approve"
          ? { type: "Approve" as const, creditLimitMinor: decision.creditLimitMinor }
          : { type: "Reject" as const, reason: decision.reason };
      const decided = await users.handle(streamId, command, meta);
      const positions = [decided.position];
      if (decision.decision === "approve") {
        const line = { product: "kredmint" as const, currency: "INR" as const, userId };
        const lineStream = creditLineStream(line);
        const { state } = await creditLines.load(lineStream);
        if (state.totalMinor !== decision.creditLimitMinor || state.kind !== "revolving") {
          const limit = { kind: "revolving" as const, totalMinor: decision.creditLimitMinor };
          const set = await creditLines.handle(
            lineStream,
            { type: "SetLimit", line, limit, reason: "onboarding approved" },
            meta,
          );
          positions.push(set.position);
        }
      }
      await wait(positions.filter((p) => p !== undefined).at(-1));
      return review(partnerId, userId);
    },
  };
}

export type Onboarding = ReturnType<typeof onboardingUseCases>;
