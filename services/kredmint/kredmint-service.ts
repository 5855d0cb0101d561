import {
  type Banner,
  type EligibilityRequest,
  PROFILE_BANNER,
} from "../../contracts/kredmint/eligibility.ts";
import { KREDMINT_MOUNT } from "../../contracts/kredmint/envelope.ts";
import type { CreateSupplierRequest, SupplierPayload } from "../../contracts/kredmint/supplier.ts";
import { JsonNumberText, money, parseMoney, renderCheckoutAmountAsNumber } from "../../contracts/money.ts";
import { creditLineStream } from "../ledger/creditline/creditline.stream.ts";
import type { Caller, CommandMeta } from "../ledger/decider.ts";
import { Rejection } from "../ledger/decider.ts";
import { partnerDecider, partnerStream } from "../ledger/partner/partner.decider.ts";
import { partnerCodec } from "../ledger/partner/partner.events.ts";
import { partnerUserDecider, partnerUserStream } from "../ledger/partneruser/partneruser.decider.ts";
import { type PartnerUserState, partnerUserCodec } from "../ledger/partneruser/partneruser.events.ts";
import { type SupplierRule, supplierDecider, supplierStream } from "../ledger/supplier/supplier.decider.ts";
import { supplierCodec } from "../ledger/supplier/supplier.events.ts";
import type { BlobStore } from "../platform/blobstore/port.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { SecretStore } from "../platform/secrets/port.ts";
import { newSecret, parseBasic } from "./credentials.ts";
import { disbursalUseCases, type InvoiceRequest } from "./disbursals.ts";
import { landingLinks } from "./landing-link.ts";
import { onboardingUseCases } from "./onboarding.ts";
import { partnerSecrets } from "./partner-secrets.ts";
import { paymentBanner } from "./payment-banner.ts";
import { prefillOf } from "./prefill.ts";
import {
  findPartner,
  findSupplier,
  listSuppliers,
  type PartnerRow,
  type SupplierRow,
  supplierStreamOf,
} from "./read-models/directory.ts";
import { KredmintRefusal } from "./refusal.ts";
import { sequenceIssuer } from "./sequences.ts";
import { webhookCredentials } from "./webhook-credentials.ts";

export interface KredmintServiceOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Partners' secrets and client tokens, outside the log (README "Secrets"). */
  readonly secrets: SecretStore;
  /** Read-your-writes: resolves once the read models have reached a position (bounded). */
  readonly waitForProjections: (position: string) => Promise<boolean>;
  readonly now: () => Date;
  /** Base of the landingUrl: PUBLIC_BASE_URL or the listening address. */
  readonly publicBaseUrl: string;
  readonly linkSecret: string;
  readonly linkTtlSeconds: number;
  /** Where uploaded documents are kept (content-addressed). */
  readonly blobs: BlobStore;
  /** SANDBOX_AUTO_PROGRESS_SECONDS (undefined: off) and the sandbox partner it applies to. */
  readonly autoProgressSeconds?: number | undefined;
  readonly sandboxPartnerId?: string | undefined;
}

export interface PartnerRegistration {
  readonly partnerId: string;
  readonly name: string;
  readonly secret?: string | undefined;
  readonly clientToken?: string | undefined;
  readonly allowedSources: readonly string[];
  readonly webhookUrl?: string | undefined;
  /** `user:password`, sent as Basic on the partner's webhooks. */
  readonly webhookAuth?: string | undefined;
}

/** A registered partner as an operator sees it: never its secrets, whether a webhook credential is set. */
export interface PartnerView {
  readonly partnerId: string;
  readonly name: string;
  readonly allowedSources: string[];
  readonly webhookUrl: string | null;
  readonly webhookAuthSet: boolean;
}

/** The `source` of a user first seen on the static onboarding URL (no eligibility call named one). */
export const STATIC_URL_SOURCE = "STATIC_URL";

/** The product's tenant on every event it appends. */
const TENANT = "kredmint";

/** The Partner API's use cases (seed 000, /kredmint). */
export function kredmintService(options: KredmintServiceOptions) {
  const { store, readStore, now } = options;
  const partners = commandHandler(store, partnerDecider, partnerCodec);
  const users = commandHandler(store, partnerUserDecider, partnerUserCodec);
  const suppliers = commandHandler(store, supplierDecider, supplierCodec);
  const issue = sequenceIssuer(store);
  const credentials = webhookCredentials(readStore, options.secrets);
  const hashed = partnerSecrets(options.secrets);
  const links = landingLinks(options.linkSecret);
  const disbursals = disbursalUseCases({
    store,
    readStore,
    blobs: options.blobs,
    now,
    metaOf: (caller) => metaOf(caller),
    wait: (position) => wait(position),
    issue,
    autoProgressSeconds: options.autoProgressSeconds,
    sandboxPartnerId: options.sandboxPartnerId,
    publicBaseUrl: () => options.publicBaseUrl,
    linkSecret: options.linkSecret,
  });
  const metaOf = (caller: Caller): CommandMeta => ({ ...caller, now: now().toISOString(), tenantId: TENANT });
  const wait = async (position: string | undefined) => {
    if (position) await options.waitForProjections(position);
  };

  const viewOf = async (row: PartnerRow): Promise<PartnerView> => ({
    partnerId: row.partnerId,
    name: row.name,
    allowedSources: [...row.allowedSources],
    webhookUrl: row.webhookUrl,
    webhookAuthSet: (await credentials.get(row.partnerId)) !== undefined,
  });

  /** The user's credit amounts from its INR revolving line (all zero before it has one). */
  async function amounts(userId: string) {
    const [line] = await readStore.query(
      "SELECT total_minor, held_minor, used_minor, outstanding_minor FROM credit_lines WHERE line_id = ?",
      [creditLineStream({ product: "kredmint", currency: "INR", userId })],
    );
    const minor = (column: string) => (line ? BigInt(String(line[column])) : 0n);
    const inr = (amountMinor: bigint) => renderCheckoutAmountAsNumber(money(amountMinor, "INR"));
    const limitMinor = minor("total_minor");
    const availableMinor = limitMinor - minor("held_minor") - minor("used_minor");
    return {
      availableMinor,
      creditLimit: inr(limitMinor),
      availableCreditLimit: inr(availableMinor),
      totalOutstanding: inr(minor("outstanding_minor")),
    };
  }

  /** The partner's user with this mobile, read from its stream (so a user made a moment ago is found). */
  async function userOf(partner: PartnerRow, username: string): Promise<string> {
    const { state } = await users.load(partnerUserStream(partner.partnerId, username));
    if (!state.identity) {
      throw new KredmintRefusal(
        404,
        "username",
        `${username} is no user of this partner; call /kredmint/user/eligibility for it first`,
      );
    }
    return state.identity.userId;
  }

  /** The partner's user with this mobile, created (`USR-<n>`) on first sight. */
  async function openUser(partnerId: string, mobile: string, source: string, meta: CommandMeta) {
    const streamId = partnerUserStream(partnerId, mobile);
    const { state } = await users.load(streamId);
    if (state.identity) return state;
    const identity = { userId: await issue("USR-", meta), partnerId, mobile, source };
    const created = await users.handle(streamId, { type: "Create", identity }, meta);
    // Read-your-writes: the landingUrl answered next is opened through the directory.
    await wait(created.position);
    return created.state;
  }

  /**
   * Page `payment`: the invoice it names, recorded (`IN-<n>`) for the user to confirm on the landing page.
   * Anchor flow (no supplierId): the partner is paid. Supplier flow: the partner's user's supplier is paid, and
   * invoicePdf is mandatory too. No invoiceNumber: the banner only (nothing to confirm).
   */
  async function recordInvoice(
    partner: PartnerRow,
    userId: string,
    request: EligibilityRequest,
    caller: Caller,
  ): Promise<InvoiceRequest | undefined> {
    if (request.invoiceNumber === undefined) return undefined;
    const missing = (field: string, what: string) =>
      new KredmintRefusal(400, field, `is required on page payment with an invoiceNumber; send ${what}`);
    if (request.amount === undefined) throw missing("amount", "the invoice amount, e.g. 1000.0");
    if (request.paymentDate === undefined)
      throw missing("paymentDate", "the disbursement date in epoch millis");
    const amount = parseMoney(request.amount, "INR");
    if (!amount.ok) {
      throw new KredmintRefusal(
        400,
        "amount",
        "must be an INR amount with at most 2 decimals, e.g. 1000.5; send it as a JSON number",
      );
    }
    const paymentDateMs = Number(
      request.paymentDate instanceof JsonNumberText ? request.paymentDate.source : request.paymentDate,
    );
    if (!Number.isSafeInteger(paymentDateMs) || paymentDateMs < 0) {
      throw new KredmintRefusal(400, "paymentDate", "must be epoch milliseconds, e.g. 1715327098489");
    }
    let payee: InvoiceRequest["payee"] = { kind: "partner", partnerId: partner.partnerId };
    if (request.supplierId !== undefined) {
      if (request.invoicePdf === undefined) throw missing("invoicePdf", "the invoice's pdf URL");
      const supplierStream = await supplierStreamOf(readStore, partner.partnerId, request.supplierId);
      const supplier = supplierStream ? await findSupplier(readStore, supplierStream) : undefined;
      if (!supplier || supplier.userId !== userId) {
        throw new KredmintRefusal(
          404,
          "supplierId",
          `${request.supplierId} is no supplier of this user; create it with POST /kredmint/account/supplier`,
        );
      }
      payee = { kind: "supplier", supplierId: request.supplierId };
    }
    const invoice: InvoiceRequest = {
      partnerId: partner.partnerId,
      userId,
      username: request.username,
      invoiceNumber: request.invoiceNumber,
      paymentDateMs,
      amountMinor: amount.value.amountMinor,
      invoicePdf: request.invoicePdf ?? null,
      payee,
    };
    await disbursals.request(invoice, caller);
    return invoice;
  }

  return {
    disbursals,

    /** The partner's user with this mobile (404 when the partner has none). */
    userIdOf: (partner: PartnerRow, username: string) => userOf(partner, username),

    /** What the user may still spend on its credit line (zero before it has one). */
    async availableCredit(userId: string): Promise<bigint> {
      return (await amounts(userId)).availableMinor;
    },

    /** The onboarding page's static URL: the partner whose id and clientToken these are. */
    async partnerByClientToken(partnerId: string, clientToken: string): Promise<PartnerRow | undefined> {
      const partner = await findPartner(readStore, partnerId);
      return partner && (await hashed.clientTokens.matches(partner.clientTokenRef, clientToken))
        ? partner
        : undefined;
    },

    /** A landingUrl's content, when it is ours, unaltered and not expired. */
    verifyLandingLink(query: { sid: string; userId: string; token: string }) {
      return links.verify(query, now().getTime());
    },

    /** The onboarding page's mobile step for the static URL: the user, created as eligibility would. */
    async openUser(partnerId: string, mobile: string, caller: Caller): Promise<void> {
      await openUser(partnerId, mobile, STATIC_URL_SOURCE, metaOf(caller));
    },

    onboarding: onboardingUseCases({
      store,
      readStore,
      blobs: options.blobs,
      now,
      publicBaseUrl: () => options.publicBaseUrl,
      linkSecret: options.linkSecret,
      metaOf,
      wait,
      issue,
    }),

    suppliers: {
      /**
       * `POST /account/supplier`: registers a supplier of the partner's user (one per user and bank account:
       * the same request again answers the supplier already made).
       */
      async create(
        partner: PartnerRow,
        request: CreateSupplierRequest,
        caller: Caller,
      ): Promise<SupplierPayload> {
        const userId = await userOf(partner, request.username);
        const meta = metaOf(caller);
        const streamId = supplierStream(userId, request.ifsc, request.accountNumber);
        const { state } = await suppliers.load(streamId);
        const ids = state.details ?? {
          supplierId: await issue("SUPB-", meta),
          supplierBankId: await issue("BNK-", meta),
        };
        const details = {
          supplierId: ids.supplierId,
          supplierBankId: ids.supplierBankId,
          partnerId: partner.partnerId,
          userId,
          supplierName: request.supplierName,
          mobile: request.mobile,
          email: request.email ?? null,
          gstin: request.gstin ?? null,
          accountHolderName: request.accountHolderName,
          accountNumber: request.accountNumber,
          ifsc: request.ifsc,
          bankName: request.bankName,
          branchName: request.branchName,
        };
        try {
          await wait((await suppliers.handle(streamId, { type: "Register", details }, meta)).position);
        } catch (error) {
          const rule: SupplierRule | undefined = error instanceof Rejection ? error.rule : undefined;
          if (rule !== "supplier_details_must_match") throw error;
          throw new KredmintRefusal(
            400,
            "accountNumber",
            `is already supplier ${ids.supplierId} of this user with other details; send the same details, or another account`,
          );
        }
        const row = await findSupplier(readStore, streamId);
        if (!row) throw new Error(`${streamId} registered but not in the read model`);
        return supplierPayload(row);
      },

      /**
       * An operator marks a supplier's bank account verified (`reference`: the penny drop or the bank's
       * confirmation). Undefined when the partner has no such supplier.
       */
      async verifyBankAccount(
        partnerId: string,
        supplierId: string,
        reference: string,
        caller: Caller,
      ): Promise<SupplierPayload | undefined> {
        const streamId = await supplierStreamOf(readStore, partnerId, supplierId);
        if (!streamId) return undefined;
        const verified = await suppliers.handle(
          streamId,
          { type: "VerifyBankAccount", reference },
          metaOf(caller),
        );
        await wait(verified.position);
        const row = await findSupplier(readStore, streamId);
        return row ? supplierPayload(row) : undefined;
      },

      /** `GET /account/supplier?username=`: that partner's user's suppliers only. */
      async list(partner: PartnerRow, username: string): Promise<SupplierPayload[]> {
        const userId = await userOf(partner, username);
        return (await listSuppliers(readStore, partner.partnerId, userId)).map(supplierPayload);
      },
    },

    partners: {
      /**
       * Registers a partner (an event on `partner-<id>`), or changes nothing when it is registered with the
       * same terms; a secret or client token given for a registered partner rotates it. Secrets not given
       * are made here and returned once.
       */
      async register(registration: PartnerRegistration, caller: Caller) {
        const secret = registration.secret ?? newSecret();
        const clientToken = registration.clientToken ?? newSecret();
        const streamId = partnerStream(registration.partnerId);
        const meta = metaOf(caller);
        {
          const { state } = await partners.load(streamId);
          const registered = await partners.handle(
            streamId,
            {
              type: "Register",
              profile: {
                partnerId: registration.partnerId,
                name: registration.name,
                secretRef: await hashed.secrets.referenceOf(secret),
                clientTokenRef: await hashed.clientTokens.referenceOf(clientToken),
                allowedSources: [...registration.allowedSources],
                webhookUrl: registration.webhookUrl ?? null,
              },
            },
            meta,
          );
          const positions = [registered.position];
          if (state.profile && registration.secret !== undefined) {
            const rotated = await partners.handle(
              streamId,
              { type: "RotateSecret", secretRef: await hashed.secrets.referenceOf(secret) },
              meta,
            );
            positions.push(rotated.position);
          }
          if (state.profile && registration.clientToken !== undefined) {
            const rotated = await partners.handle(
              streamId,
              {
                type: "RotateClientToken",
                clientTokenRef: await hashed.clientTokens.referenceOf(clientToken),
              },
              meta,
            );
            positions.push(rotated.position);
          }
          if (registration.webhookAuth !== undefined) {
            await credentials.set(registration.partnerId, registration.webhookAuth);
          }
          await wait(positions.filter((p) => p !== undefined).at(-1));
          return {
            created: state.profile === undefined,
            // Returned only when this call made them: a secret the operator chose, they already know.
            secret: state.profile || registration.secret ? undefined : secret,
            clientToken: state.profile || registration.clientToken ? undefined : clientToken,
          };
        }
      },

      async find(partnerId: string): Promise<PartnerView | undefined> {
        const row = await findPartner(readStore, partnerId);
        return row ? viewOf(row) : undefined;
      },
    },

    /** The partner an `Authorization: Basic` header names, when its secret is right. */
    async authenticate(header: string | undefined): Promise<PartnerRow | undefined> {
      const basic = parseBasic(header);
      if (!basic) return undefined;
      const partner = await findPartner(readStore, basic.id);
      return partner && (await hashed.secrets.matches(partner.secretRef, basic.secret)) ? partner : undefined;
    },

    /**
     * `POST /user/eligibility`: creates or loads the user (one per partner and mobile, `USR-<n>`), records
     * the partner's prefill, and answers the banner for the page asked.
     */
    async eligibility(partner: PartnerRow, request: EligibilityRequest, caller: Caller): Promise<Banner> {
      if (!partner.allowedSources.includes(request.source)) {
        throw new KredmintRefusal(
          400,
          "source",
          `${request.source} is not a source of this partner; send one of ${partner.allowedSources.join(", ")}`,
        );
      }
      const meta = metaOf(caller);
      const streamId = partnerUserStream(partner.partnerId, request.username);
      let state = await openUser(partner.partnerId, request.username, request.source, meta);
      const prefill = prefillOf(request.userContext);
      if (Object.keys(prefill).length > 0) {
        ({ state } = await users.handle(streamId, { type: "GiveContext", prefill }, meta));
      }
      const userId = state.identity?.userId ?? "";
      const invoice =
        request.page === "payment" ? await recordInvoice(partner, userId, request, caller) : undefined;
      const link = links.issue({
        partnerId: partner.partnerId,
        userId,
        page: request.page,
        invoiceNumber: invoice?.invoiceNumber,
        expiresAtMs: now().getTime() + options.linkTtlSeconds * 1000,
        successDeepLink: request.successDeepLink,
        failureDeepLink: request.failureDeepLink,
        backDeepLink: request.backDeepLink,
      });
      const query = new URLSearchParams(link).toString();
      const { availableMinor, ...limits } = await amounts(userId);
      const texts =
        request.page === "payment"
          ? paymentBanner(state.state, availableMinor, invoice?.amountMinor)
          : { ...profileBanner(state.state, availableMinor), landingType: "DEFAULT" as const };
      return {
        ...texts,
        landingUrl: `${options.publicBaseUrl}${KREDMINT_MOUNT}/auth/?${query}`,
        state: state.state,
        ...limits,
      };
    },
  };
}

export type KredmintService = ReturnType<typeof kredmintService>;

/** Us, the lender, on every supplier (the seed shows an opaque `lenderId`). */
export const LENDER_ID = "kredmint";

function supplierPayload(row: SupplierRow): SupplierPayload {
  return {
    id: row.id,
    lenderId: LENDER_ID,
    creationDate: row.creationDate,
    lastModifiedDate: row.lastModifiedDate,
    userId: row.userId,
    mobile: row.mobile,
    gstin: row.gstin,
    supplierName: row.supplierName,
    supplierBankId: row.supplierBankId,
    status: row.status,
    email: row.email,
    partnerInvoice: false,
    seqPrefix: "SUPB-",
  };
}

/** The banner's texts on page `profile`, by state (README "Partner API": the seed's for a new user). */
function profileBanner(state: PartnerUserState, availableMinor: bigint) {
  const texts = { logoUrl: PROFILE_BANNER.logoUrl };
  switch (state) {
    case "IncompleteProfile":
      return { ...texts, show: true, title: PROFILE_BANNER.title, subTitle: PROFILE_BANNER.subTitle };
    case "UnderReview":
      return {
        ...texts,
        show: true,
        title: "Your kredmint application is under review.",
        subTitle: "We will let you know as soon as your credit limit is ready.",
      };
    case "Active":
      return {
        ...texts,
        show: true,
        title: "Your kredmint credit limit is active.",
        subTitle: `Available Credit Rs ${availableMinor / 100n}`,
      };
    case "Rejected":
      return {
        ...texts,
        show: false,
        title: "Kredmint could not offer you a credit limit.",
        subTitle: "Your application was not approved.",
      };
  }
}
