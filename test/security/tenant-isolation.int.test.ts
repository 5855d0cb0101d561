import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveAsSandboxBuyer } from "../checkout/harness.ts";
import {
  ADMIN_KEY,
  FINANCE_KEY,
  type FinanceHarness,
  M2,
  OPERATOR_KEY,
  startTwoMerchants,
} from "../finance/harness.ts";
import { hiddenRoutes, type OpenApiDocument, type Route, routesOf } from "../fuzz/requests.ts";
import {
  nextOrder,
  pushSignature,
  SANDBOX_SERVER_KEY,
  SEED_AMOUNT_MINOR,
  sampleInit,
} from "../support/checkout-requests.ts";
import { bearer } from "../support/http.ts";
import { multipartBody } from "../support/multipart.ts";

// Issue 14 item 3: for every route of every API, tenant A addressing tenant B's transactions, tokens, users,
// suppliers and documents gets the documented not-found (or forbidden) answer and none of B's data; each
// /v1 key is let in by exactly the routes of its role. The routes come from the served OpenAPI document and
// Fastify's route tree: a route missing from ROUTES below fails the first test, naming it, so a new route
// is placed in the matrix (or explicitly out of it, with the reason) before anything else passes.

/** What tenant B owns, and what A may have learnt of it (its ids), never its data. */
interface TenantB {
  readonly transactionId: string;
  readonly orderId: string;
  readonly userToken: string;
  readonly partnerId: string;
  readonly partnerAuth: Record<string, string>;
  readonly mobile: string;
  readonly userId: string;
  readonly supplierId: string;
  readonly documentPath: string;
  /** B's data that A never sent: none may appear in an answer to A. */
  readonly secrets: readonly string[];
}

interface Call {
  readonly url: string;
  readonly body?: unknown;
  /** A multipart body instead of JSON. */
  readonly multipart?: { fields: Record<string, string>; files: Parameters<typeof multipartBody>[1] };
  readonly headers?: Record<string, string>;
}

type Case =
  /** /kredivo as merchant A (sandbox), naming B's ids: refused with a seed code, never status 1. */
  | { readonly scope: "merchant"; readonly call: (b: TenantB) => Call }
  /** /kredmint as partner A (sandbox), naming B's ids: 4xx in the Partner API envelope. */
  | { readonly scope: "partner"; readonly call: (b: TenantB) => Call }
  /** /v1 under partner A's id with B's ids: the documented 404. */
  | { readonly scope: "v1-partner"; readonly call: (b: TenantB) => Call }
  /** Names no tenant's data (or only the caller's own, by its credentials): nothing of B's to address. */
  | { readonly scope: "none"; readonly why: string };

/** Which role each /v1 route needs (README "Security and abuse controls"); the role matrix checks exactly this. */
const V1_ROLES: Readonly<Record<string, "finance" | "operator" | "admin">> = {
  "POST /v1/repayments": "operator",
  "POST /v1/payouts/run": "operator",
  "GET /v1/finance/trial-balance": "finance",
  "GET /v1/finance/accounts/{account}/statement": "finance",
  "GET /v1/finance/merchants/{merchantId}/settlement-statement": "finance",
  "GET /v1/finance/buyers/{userId}/loans": "finance",
  "GET /v1/recon/payouts": "finance",
  "GET /v1/recon/aging": "finance",
  "POST /v1/recon/bank-statements": "finance",
  "GET /v1/recon/bank-statements": "finance",
  "GET /v1/recon/bank-statements/{statementId}": "finance",
  "POST /v1/recon/days/{day}/close": "finance",
  "GET /v1/recon/days": "finance",
  "GET /v1/recon/days/{day}": "finance",
  "GET /v1/audit/chain": "finance",
  "GET /v1/audit/streams/{streamId}": "finance",
  "GET /v1/audit/accounts/{account}": "finance",
  "POST /v1/user-tokens/{userToken}/revoke": "operator",
  "POST /v1/merchants/{merchantId}/dealers": "operator",
  "POST /v1/merchants": "admin",
  "GET /v1/merchants": "admin",
  "GET /v1/merchants/{merchantId}": "admin",
  "POST /v1/merchants/{merchantId}/server-key/rotate": "admin",
  "POST /v1/merchants/{merchantId}/push-signing": "admin",
  "POST /v1/merchants/{merchantId}/suspend": "admin",
  "POST /v1/merchants/{merchantId}/reactivate": "admin",
  "POST /v1/buyers": "admin",
  "GET /v1/buyers/{userId}": "admin",
  "POST /v1/buyers/{userId}/pin-link": "admin",
  "POST /v1/buyers/{userId}/freeze": "admin",
  "POST /v1/buyers/{userId}/unfreeze": "admin",
  "POST /v1/buyers/{userId}/close": "admin",
  "POST /v1/credit-lines/{product}/{userId}/limit": "admin",
  "GET /v1/credit-lines/{product}/{userId}/limit-history": "admin",
  "POST /v1/partners": "operator",
  "GET /v1/partners/{partnerId}": "operator",
  "POST /v1/partners/{partnerId}/suppliers/{supplierId}/verify": "operator",
  "GET /v1/partners/{partnerId}/disbursals/{disbursalId}": "operator",
  "POST /v1/partners/{partnerId}/disbursals/{disbursalId}/moves": "operator",
  "GET /v1/partners/{partnerId}/users/{userId}": "operator",
  "POST /v1/partners/{partnerId}/users/{userId}/decision": "operator",
  "GET /v1/notifications/dead-letters": "operator",
  "POST /v1/notifications/dead-letters/{deliveryId}/replay": "operator",
  "GET /v1/notifications/{deliveryId}": "operator",
};

const A_SERVER_KEY = SANDBOX_SERVER_KEY;
const A_PARTNER = "sandbox-partner";
const A_PARTNER_AUTH = {
  authorization: `Basic ${Buffer.from("sandbox-partner:sandbox-partner-secret-5e8a1c").toString("base64")}`,
};
const SELF = "names only the caller's own data, chosen by its credentials";
const NO_TENANT = "names no tenant's data";
const PAGE =
  "a hosted page: reached through a per-transaction, per-link or per-session secret (test/security/link-expiry, the pages' tests)";
const OPS = "operations, not tenant data";
const DISBURSALS =
  "another partner's disbursal, asked and moved: test/kredmint/disbursals.int.test.ts (another partner can neither upload to, nor see, nor move this partner's invoice)";

const ROUTES: Readonly<Record<string, Case>> = {
  "POST /kredivo/checkout/update": {
    scope: "merchant",
    call: (b) => ({
      url: "/kredivo/checkout/update",
      body: { transaction_id: b.transactionId, signature_key: "forged-by-a", status: "settled" },
    }),
  },
  "POST /kredivo/checkout/{transaction_id}/abort": {
    scope: "merchant",
    call: (b) => ({
      url: `/kredivo/checkout/${b.transactionId}/abort`,
      body: { server_key: A_SERVER_KEY, dealer_code: "SF241290", order_id: b.orderId },
    }),
  },
  "POST /kredivo/transaction/status": {
    scope: "merchant",
    call: (b) => ({
      url: "/kredivo/transaction/status",
      body: { server_key: A_SERVER_KEY, transaction_id: b.transactionId },
    }),
  },
  "POST /kredivo/transaction/cancel": {
    scope: "merchant",
    call: (b) => ({
      url: "/kredivo/transaction/cancel",
      body: {
        transaction_id: b.transactionId,
        server_key: A_SERVER_KEY,
        reason: "Out of stock",
        cancelled_by: "a",
        order_id: b.orderId,
      },
    }),
  },
  "POST /kredivo/get_credit_details": {
    scope: "merchant",
    call: (b) => ({
      url: "/kredivo/get_credit_details",
      body: { server_key: A_SERVER_KEY, user_token: b.userToken },
    }),
  },
  "POST /kredivo/checkout/init": {
    scope: "none",
    why: "creates the caller's own checkout; an order_id is unique per merchant, so B's is A's to use too",
  },
  "POST /kredivo/loan/calculator": { scope: "none", why: NO_TENANT },
  "POST /kredivo/user/tokenize/init": { scope: "none", why: SELF },
  "POST /kredmint/user/eligibility": {
    scope: "partner",
    call: (b) => ({
      url: "/kredmint/user/eligibility",
      // A's own user (a mobile only A uses), paying B's supplier.
      body: {
        username: "9811100099",
        page: "payment",
        source: "MOS",
        invoiceNumber: "ISO-A-1",
        paymentDate: Date.now() + 86_400_000,
        amount: 1000.0,
        invoicePdf: "https://a.example/invoice.pdf",
        supplierId: b.supplierId,
      },
    }),
  },
  "POST /kredmint/account/supplier": {
    scope: "partner",
    call: (b) => ({
      url: "/kredmint/account/supplier",
      body: {
        username: b.mobile,
        supplierName: "A's supplier",
        mobile: "798289227400",
        email: "a@example.com",
        gstin: "GST1",
        accountHolderName: "A",
        accountNumber: "1111",
        ifsc: "ICIC00000012",
        bankName: "ICICI",
        branchName: "Okhala",
      },
    }),
  },
  "GET /kredmint/account/supplier": {
    scope: "partner",
    call: (b) => ({ url: `/kredmint/account/supplier?username=${b.mobile}` }),
  },
  "POST /kredmint/user/document/upload": {
    scope: "partner",
    call: (b) => ({
      url: "/kredmint/user/document/upload",
      multipart: {
        fields: { docType: "FINANCIAL_DATA", userId: b.userId, username: b.mobile },
        files: {
          file: { filename: "r.csv", contentType: "text/csv", content: "month,revenue\n2024-01,1.00" },
        },
      },
    }),
  },
  "POST /kredmint/account/invoice/upload": {
    scope: "partner",
    call: (b) => ({
      url: "/kredmint/account/invoice/upload",
      multipart: {
        fields: { username: b.mobile, invoiceNumber: "ISO-B-1" },
        files: { file: { filename: "i.pdf", contentType: "application/pdf", content: "%PDF-1.4\n" } },
      },
    }),
  },
  "GET /kredmint/files/{userId}/{name}": {
    scope: "partner",
    call: (b) => ({
      url: `/kredmint/files/${b.documentPath}?expires=${Date.now() + 60_000}&signature=forged`,
    }),
  },
  "GET /v1/partners/{partnerId}/users/{userId}": {
    scope: "v1-partner",
    call: (b) => ({ url: `/v1/partners/${A_PARTNER}/users/${b.userId}` }),
  },
  "POST /v1/partners/{partnerId}/users/{userId}/decision": {
    scope: "v1-partner",
    call: (b) => ({
      url: `/v1/partners/${A_PARTNER}/users/${b.userId}/decision`,
      body: { decision: "approve", creditLimit: "100000.00" },
    }),
  },
  "POST /v1/partners/{partnerId}/suppliers/{supplierId}/verify": {
    scope: "v1-partner",
    call: (b) => ({
      url: `/v1/partners/${A_PARTNER}/suppliers/${b.supplierId}/verify`,
      body: { reference: "penny-drop-1" },
    }),
  },
};

/** Routes outside the tenant matrix, each with its reason; every other /v1 route is in V1_ROLES' matrix. */
const OUTSIDE: Readonly<Record<string, string>> = {
  "GET /v1/partners/{partnerId}/disbursals/{disbursalId}": DISBURSALS,
  "POST /v1/partners/{partnerId}/disbursals/{disbursalId}/moves": DISBURSALS,
  "GET /metrics": OPS,
  "GET /healthz": OPS,
  "GET /readyz": OPS,
  "GET /kredivo/signIn": PAGE,
  "GET /kredivo/signIn/tokenize": PAGE,
  "POST /kredivo/signIn/tokenize/{tokenizationId}/credentials": PAGE,
  "POST /kredivo/signIn/tokenize/{tokenizationId}/otp": PAGE,
  "POST /kredivo/signIn/{transactionId}/credentials": PAGE,
  "POST /kredivo/signIn/{transactionId}/cancel": PAGE,
  "POST /kredivo/signIn/{transactionId}/otp": PAGE,
  "POST /kredivo/signIn/{transactionId}/approve": PAGE,
  "GET /kredivo/qr/{file}": PAGE,
  "GET /kredivo/buyers/pin/{token}": PAGE,
  "POST /kredivo/buyers/pin/{token}": PAGE,
  "GET /kredmint/auth": PAGE,
  "GET /kredmint/auth/": PAGE,
  "GET /kredmint/auth/page": PAGE,
  "POST /kredmint/auth/profile": PAGE,
  "POST /kredmint/auth/mobile": PAGE,
  "POST /kredmint/auth/resend": PAGE,
  "POST /kredmint/auth/otp": PAGE,
  "POST /kredmint/auth/invoice": PAGE,
  "POST /kredmint/auth/upload": PAGE,
  "GET /finance": PAGE,
  "GET /finance/": PAGE,
  "GET /finance/login": PAGE,
  "POST /finance/login": PAGE,
  "POST /finance/logout": PAGE,
  "GET /finance/trial-balance": PAGE,
  "GET /finance/trial-balance.csv": PAGE,
  "GET /finance/days": PAGE,
  "GET /finance/days.csv": PAGE,
  "GET /finance/aging": PAGE,
  "GET /finance/aging.csv": PAGE,
  "GET /finance/bank-statements": PAGE,
  "GET /finance/bank-statements.csv": PAGE,
};

let h: FinanceHarness;
let routes: Route[];
let b: TenantB;

const inject = (call: Call & { method: "GET" | "POST" }, auth: Record<string, string>) => {
  if (call.multipart) {
    const { payload, contentType } = multipartBody(call.multipart.fields, call.multipart.files);
    return h.service.app.inject({
      method: call.method,
      url: call.url,
      headers: { ...auth, ...call.headers, "content-type": contentType },
      payload,
    });
  }
  return h.service.app.inject({
    method: call.method,
    url: call.url,
    headers: {
      ...auth,
      ...call.headers,
      ...(call.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(call.body === undefined ? {} : { payload: JSON.stringify(call.body) }),
  });
};

async function tenantB(): Promise<TenantB> {
  // Merchant B: a settled, tokenizing checkout (its transaction, its order, its buyer's user_token).
  const orderId = nextOrder("TENANT-B");
  const init = await h.post(
    "/kredivo/checkout/init",
    sampleInit(orderId, { server_key: M2.serverKey, tokenize_user: true, client_user_key: "b-user-1" }),
  );
  const transactionId = String(init.json().transaction_id);
  await approveAsSandboxBuyer(h.service.checkout!, transactionId);
  const signature = pushSignature(
    { transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 },
    M2.serverKey,
  );
  const update = await h.post("/kredivo/checkout/update", {
    signature_key: signature,
    transaction_id: transactionId,
    status: "settled",
  });
  expect(update.json()).toMatchObject({ status: "settlement" });
  const userToken = String(update.json().user_token);

  // Partner B: a user, a supplier, a financial data document.
  const partnerId = "tenant-b-partner";
  const secret = "tenant-b-partner-secret-0123";
  const registered = await h.post(
    "/v1/partners",
    { partnerId, name: "Tenant B", allowedSources: ["MOS"], secret },
    bearer(OPERATOR_KEY),
  );
  expect(registered.statusCode, registered.body).toBe(201);
  const partnerAuth = { authorization: `Basic ${Buffer.from(`${partnerId}:${secret}`).toString("base64")}` };
  const mobile = "9811100001";
  const eligibility = await h.post(
    "/kredmint/user/eligibility",
    { username: mobile, page: "profile", source: "MOS" },
    partnerAuth,
  );
  const userId = new URL(eligibility.json().payload.landingUrl).searchParams.get("userId") ?? "";
  const supplierBody = {
    username: mobile,
    accountHolderName: "B Holder Zeta",
    accountNumber: "99887766554433",
    ifsc: "ICIC00000099",
    bankName: "ICICI",
    branchName: "Okhala",
    gstin: "GSTB999",
    supplierName: "B Supplier Zeta",
    mobile: "798289227499",
    email: "b-supplier@example.com",
  };
  const supplier = await h.post("/kredmint/account/supplier", supplierBody, partnerAuth);
  expect(supplier.statusCode, supplier.body).toBe(200);
  const { payload, contentType } = multipartBody(
    { docType: "FINANCIAL_DATA", username: mobile },
    {
      file: {
        filename: "revenue.csv",
        contentType: "text/csv",
        content: "month,revenue\n2024-01,424242.00",
      },
    },
  );
  const upload = await h.service.app.inject({
    method: "POST",
    url: "/kredmint/user/document/upload",
    headers: { ...partnerAuth, "content-type": contentType },
    payload,
  });
  expect(upload.statusCode, upload.body).toBe(200);
  return {
    transactionId,
    orderId,
    userToken,
    partnerId,
    partnerAuth,
    mobile,
    userId,
    supplierId: String(supplier.json().payload.id),
    documentPath: String(upload.json().payload.relativeUrl),
    secrets: [
      transactionId,
      orderId,
      userToken,
      "b-user-1",
      M2.merchantId,
      partnerId,
      mobile,
      userId,
      String(supplier.json().payload.id),
      "99887766554433",
      "B Supplier Zeta",
      "B Holder Zeta",
      "424242",
    ],
  };
}

beforeAll(async () => {
  h = await startTwoMerchants();
  const doc: OpenApiDocument = (await h.service.app.inject({ method: "GET", url: "/docs/json" })).json();
  routes = [...routesOf(doc), ...hiddenRoutes(h.service.app.printRoutes({ commonPrefix: false }), doc)];
  b = await tenantB();
  await h.settled();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const isV1 = (route: Route) => route.path.startsWith("/v1/");

describe("the matrix", () => {
  it("places every served route: in the tenant matrix, the /v1 role matrix, or outside with a reason", () => {
    const unplaced = routes
      .map((r) => r.name)
      .filter(
        (name) =>
          !(name in ROUTES) &&
          !(name in OUTSIDE) &&
          !name.startsWith("GET /v1/") &&
          !name.startsWith("POST /v1/"),
      );
    expect(unplaced, "routes to add to ROUTES or OUTSIDE").toEqual([]);
    const gone = [...Object.keys(ROUTES), ...Object.keys(OUTSIDE)].filter(
      (name) => !routes.some((r) => r.name === name),
    );
    expect(gone, "routes the app no longer serves").toEqual([]);
  });
});

describe("tenant A addressing tenant B's data", () => {
  const cases = () => routes.filter((r) => ROUTES[r.name] !== undefined && ROUTES[r.name]?.scope !== "none");
  let covered = 0;
  const answers: { route: string; status: number; code: unknown }[] = [];
  afterAll(() => {
    console.log(`tenant isolation: ${covered} routes asked as A with B's ids`);
    console.table(answers);
  });

  it("is refused with the documented not-found or forbidden answer, naming none of B's data", async () => {
    for (const route of cases()) {
      const placed = ROUTES[route.name];
      if (placed === undefined || placed.scope === "none") continue;
      const call = { ...placed.call(b), method: route.method };
      const sent = JSON.stringify(call);
      expect(
        b.secrets.some((s) => sent.includes(s)),
        `${route.name}: the request names B's ids`,
      ).toBe(true);
      // /kredivo authenticates by the server_key in the body; /v1's partner routes are the operator's.
      const auth =
        placed.scope === "merchant" ? {} : placed.scope === "partner" ? A_PARTNER_AUTH : bearer(OPERATOR_KEY);
      const res: LightMyRequestResponse = await inject(call, auth);
      const what = `${route.name} → ${res.statusCode} ${res.body.slice(0, 300)}`;
      expect(res.statusCode, what).toBeLessThan(500);
      if (placed.scope === "merchant") {
        const status = res.json().status;
        expect(typeof status === "number" && status !== 1, what).toBe(true);
      } else if (placed.scope === "partner") {
        expect([403, 404], what).toContain(res.statusCode);
        expect(res.json().error?.code, what).toBe(res.statusCode);
      } else {
        expect(res.statusCode, what).toBe(404);
        expect(res.headers["content-type"], what).toContain("application/problem+json");
      }
      const leaked = b.secrets.filter((s) => !sent.includes(s) && res.body.includes(s));
      expect(leaked, `${what}: none of B's data`).toEqual([]);
      covered++;
      const body = res.json();
      answers.push({
        route: route.name,
        status: res.statusCode,
        code: body.code ?? body.error?.message ?? body.status,
      });
    }
    expect(covered).toBe(Object.values(ROUTES).filter((c) => c.scope !== "none").length);
  });
});

describe("/v1 keys by role", () => {
  it("each key is let in by exactly the routes of its role", async () => {
    const keys = { finance: FINANCE_KEY, operator: OPERATOR_KEY, admin: ADMIN_KEY } as const;
    const found: Record<string, string[]> = {};
    let asked = 0;
    for (const route of routes.filter(isV1)) {
      const url = route.path.replace(/\{(\w+)\}/g, "x");
      const allowed: string[] = [];
      for (const [role, key] of Object.entries(keys)) {
        const res = await inject(
          { method: route.method, url, body: route.method === "POST" ? {} : undefined },
          bearer(key),
        );
        asked++;
        const code = res.headers["content-type"]?.includes("problem") ? res.json().code : undefined;
        expect(res.statusCode, `${route.name} as ${role}`).toBeLessThan(500);
        if (code !== "role_required" && code !== "api_key_invalid" && code !== "api_key_missing")
          allowed.push(role);
        else
          expect(res.statusCode, `${route.name} as ${role}: ${res.body}`).toBe(
            code === "role_required" ? 403 : 401,
          );
      }
      found[route.name] = allowed;
    }
    console.log(`role matrix: ${Object.keys(found).length} /v1 routes × 3 keys = ${asked} requests`);
    const expected = Object.fromEntries(
      Object.keys(found).map((name) => [name, [V1_ROLES[name] ?? "unplaced"]]),
    );
    expect(found).toEqual(expected);
  });
});
