import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { hiddenFields } from "../support/html-forms.ts";
import { bearer } from "../support/http.ts";
import { multipartBody } from "../support/multipart.ts";
import { pageBrowser } from "../support/page-browser.ts";
import { activeUser } from "./active-user.ts";
import { basic, type KredmintHarness, OPERATOR_KEY, sandboxAuth, startKredmintHarness } from "./harness.ts";
import { confirmInvoiceOnPage } from "./invoice-page.ts";

// Invoice pay by credit through HTTP: page `payment` (anchor and supplier flows), the user's confirmation on
// the landing page, the operator's moves, the credit line and the journal, invoice upload.

let h: KredmintHarness;
let counter = 0;
const newMobile = () => `97${String(Date.now() % 10_000_000).padStart(7, "0")}${counter++ % 10}`;

beforeAll(async () => {
  h = await startKredmintHarness({ API_KEYS: `${OPERATOR_KEY}:operator|finance` });
});
afterAll(async () => {
  await h?.close();
});

/** The seed's anchor flow request ("Invoice Pay by credit (Anchor Integration Flow)"). */
const anchorRequest = (username: string, invoiceNumber = "IN-123", amount = "100.0") =>
  `{"username":"${username}","page":"payment","source":"MOS","invoiceNumber":"${invoiceNumber}","amount":${amount},"paymentDate":1713814546794}`;

const operator = (method: "GET" | "POST", url: string, body?: unknown) =>
  h.service.app.inject({
    method,
    url,
    headers: { ...bearer(OPERATOR_KEY), ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
/** POST /v1/repayments as the operator, under an Idempotency-Key (a new one unless given). */
const repay = (body: unknown, key: string = randomUUID()) =>
  h.service.app.inject({
    method: "POST",
    url: "/v1/repayments",
    headers: { ...bearer(OPERATOR_KEY), "content-type": "application/json", "idempotency-key": key },
    payload: JSON.stringify(body),
  });
const move = (disbursalId: string, body: unknown) =>
  operator("POST", `/v1/partners/sandbox-partner/disbursals/${disbursalId}/moves`, body);

const confirmOnPage = (landingUrl: string) => confirmInvoiceOnPage(h.service.app, landingUrl);

/** An account's postings in the journal (the finance read API). */
async function statement(account: string) {
  const res = await operator("GET", `/v1/finance/accounts/${account}/statement?currency=INR`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe("POST /kredmint/user/eligibility, page payment", () => {
  it("an Active user with ₹1,00,000.00 and nothing outstanding gets the seed's banner", async () => {
    const { mobile } = await activeUser(h, newMobile());
    const res = await h.eligibility(anchorRequest(mobile));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.body;
    expect(body).toContain('"availableCreditLimit":100000.0');
    expect(body).toContain('"creditLimit":100000.0');
    expect(body).toContain('"totalOutstanding":0.0');
    const { payload, error, sum } = res.json();
    expect({ error, sum }).toEqual({ error: null, sum: 0 });
    expect(payload).toMatchObject({
      show: true,
      title: "Pay by kred Mint.",
      subTitle: "Available Credit Rs 100000",
      logoUrl: "https://kredmint-public.s3.ap-south-1.amazonaws.com/b3+(1).png",
      landingType: "INVOICE",
      state: "Active",
    });
    expect(Object.keys(payload)).toEqual([
      "show",
      "title",
      "subTitle",
      "logoUrl",
      "landingUrl",
      "landingType",
      "availableCreditLimit",
      "state",
      "creditLimit",
      "totalOutstanding",
    ]);
  });

  it('the seed\'s anchor Request Body sample (invoiceNumber "") answers the banner and records no invoice', async () => {
    const { mobile } = await activeUser(h, newMobile());
    const before = await h.head();
    const res = await h.eligibility({
      source: "BNPL",
      username: mobile,
      page: "payment",
      failureDeepLink: "https://example.com/handler/failed",
      successDeepLink: "https://example.com/handler/success",
      backDeepLink: "https://example.com/handler/back",
      invoiceNumber: "",
      paymentDate: 1234567890,
      amount: 100.0,
      invoicePdf: "https://example.com/invoice.pdf",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().payload).toMatchObject({
      subTitle: "Available Credit Rs 100000",
      landingType: "INVOICE",
    });
    expect(await h.head()).toBe(before);
  });

  it("the same invoice again is the same invoice; another amount for its number is 400", async () => {
    const { mobile } = await activeUser(h, newMobile());
    expect((await h.eligibility(anchorRequest(mobile, "5435323121"))).statusCode).toBe(200);
    expect((await h.eligibility(anchorRequest(mobile, "5435323121"))).statusCode).toBe(200);
    const other = await h.eligibility(anchorRequest(mobile, "5435323121", "101.0"));
    expect(other.statusCode).toBe(400);
    expect(other.json().error.message).toMatch(/^invoiceNumber: 5435323121 is already invoice IN-[0-9]+/);
  });

  it("refuses a missing amount, a third decimal, a missing invoicePdf in the supplier flow, another's supplier", async () => {
    const { mobile } = await activeUser(h, newMobile());
    const base = { username: mobile, page: "payment", source: "BIZOM", invoiceNumber: "INV-9" };
    const cases: [unknown, number, RegExp][] = [
      [{ ...base, paymentDate: 1715327098489 }, 400, /^amount: is required/],
      [
        `{"username":"${mobile}","page":"payment","source":"MOS","invoiceNumber":"X1","amount":1.005,"paymentDate":1}`,
        400,
        /^amount: must be an INR amount/,
      ],
      [
        { ...base, amount: 1000, paymentDate: 1715327098489, supplierId: "SUPB-1" },
        400,
        /^invoicePdf: is required/,
      ],
      [
        {
          ...base,
          amount: 1000,
          paymentDate: 1715327098489,
          supplierId: "SUPB-999999",
          invoicePdf: "https://example.com/invoice.pdf",
        },
        404,
        /^supplierId: SUPB-999999 is no supplier of this user/,
      ],
      [{ ...base, invoiceNumber: "bad number", amount: 1, paymentDate: 1 }, 400, /^invoiceNumber: must be/],
    ];
    for (const [body, status, message] of cases) {
      const res = await h.eligibility(body);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.message).toMatch(message);
    }
  });

  it("a user who is not Active is told so, and nothing is held", async () => {
    const mobile = newMobile();
    const res = await h.eligibility(anchorRequest(mobile));
    expect(res.statusCode).toBe(200);
    expect(res.json().payload).toMatchObject({
      title: "Pay by kred Mint.",
      subTitle: "Complete your kredmint profile to pay invoices by credit",
      landingType: "DEFAULT",
      state: "IncompleteProfile",
    });
  });

  it("an invoice above the available credit is said to be unpayable, and the page offers no confirmation", async () => {
    const { mobile } = await activeUser(h, newMobile(), { creditLimit: "500.00" });
    const res = await h.eligibility(anchorRequest(mobile, "BIG-1", "1000.0"));
    expect(res.json().payload.subTitle).toBe(
      "Available Credit Rs 500 is less than this invoice; it cannot be paid by credit",
    );
    const b = pageBrowser(h.service.app);
    const url = new URL(res.json().payload.landingUrl);
    await b.request("GET", `${url.pathname}${url.search}`);
    await b.request("GET", "/kredmint/auth/page");
    await b.request("POST", "/kredmint/auth/mobile", { ...hiddenFields(b.page), mobile });
    await b.request("GET", "/kredmint/auth/page");
    const { csrf = "" } = hiddenFields(b.page);
    await b.request("POST", "/kredmint/auth/otp", { csrf, otp: "1234" });
    await b.request("GET", "/kredmint/auth/page");
    expect(b.page).toContain('id="not-covered"');
    expect(b.page).not.toContain('id="confirm-invoice"');
    // A confirmation posted anyway (this browser's CSRF token) is refused by the credit line: nothing is held.
    const forced = await b.request("POST", "/kredmint/auth/invoice", { csrf });
    expect(forced.statusCode).toBe(422);
    expect(b.page).toContain("cannot be paid by credit");
  });
});

describe("a disbursal's lifecycle", () => {
  it("confirmed on the page (hold), verified, approved, paid (drawdown, journal), then the pdf is uploaded", async () => {
    const { mobile, userId } = await activeUser(h, newMobile());
    const res = await h.eligibility(anchorRequest(mobile, "LIFE-1", "1000.5"));
    const id = await confirmOnPage(res.json().payload.landingUrl);

    const held = await h.eligibility(anchorRequest(mobile, "LIFE-1", "1000.5"));
    expect(held.body).toContain('"availableCreditLimit":98999.5');

    expect((await move(id, { move: "pay", utr: "UTR000001" })).statusCode).toBe(409);
    expect((await move(id, { move: "verify" })).json().status).toBe("Verified");
    expect((await move(id, { move: "approve" })).json().status).toBe("Approved");
    const paid = await move(id, { move: "pay", utr: "UTR000001" });
    expect(paid.json()).toMatchObject({
      status: "Paid",
      utr: "UTR000001",
      transactionId: `TXN-${id}`,
      amount: "1000.5",
      userId,
      payee: { kind: "partner", partnerId: "sandbox-partner" },
    });
    expect((await move(id, { move: "pay", utr: "UTR000001" })).statusCode).toBe(200);
    const conflict = await move(id, { move: "pay", utr: "UTR000002" });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe("disbursal_utr_conflict");

    // The journal: the user owes it, the partner's payable is cleared by the payout from cash.
    const receivable = await statement(`customer-receivable:${userId}`);
    expect(receivable.entries).toMatchObject([
      {
        kind: "DisbursalPaid",
        debit: "1000.5",
        credit: "0",
        balance: "1000.5",
        effectiveAt: "2024-04-22T19:35:46.794Z",
      },
    ]);
    const payable = await statement("partner-payable:sandbox-partner");
    expect(
      payable.entries.slice(-2).map((e: { debit: string; credit: string }) => [e.debit, e.credit]),
    ).toEqual([
      ["0", "1000.5"],
      ["1000.5", "0"],
    ]);

    // The bank's statement shows the payout on its UTR: finance matches it to the disbursal.
    const paidOn = new Date().toISOString().slice(0, 10);
    const matched = await h.service.app.inject({
      method: "POST",
      url: "/v1/recon/bank-statements",
      headers: { ...bearer(OPERATOR_KEY), "content-type": "text/csv" },
      payload: `date,amount,currency,reference,direction\n${paidOn},1000.50,INR,UTR000001,debit\n`,
    });
    expect(matched.statusCode, matched.body).toBe(201);
    expect(matched.json().summary).toMatchObject({ matched: 1, amountMismatches: 0, unmatchedLines: 0 });

    const after = await h.eligibility(anchorRequest(mobile, "LIFE-1", "1000.5"));
    expect(after.body).toContain('"availableCreditLimit":98999.5');
    expect(after.body).toContain('"totalOutstanding":1000.5');

    const pdf = Buffer.from("%PDF-1.4\n% an invoice\n");
    const upload = async (invoiceNumber: string, file = pdf) => {
      const { payload, contentType } = multipartBody(
        { username: mobile, invoiceNumber },
        {
          file: {
            filename: "TaxInvoice_AIN2425000543858.pdf",
            contentType: "application/pdf",
            content: file,
          },
        },
      );
      return h.service.app.inject({
        method: "POST",
        url: "/kredmint/account/invoice/upload",
        headers: { ...sandboxAuth, "content-type": contentType },
        payload,
      });
    };
    const uploaded = await upload("LIFE-1");
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    const body = uploaded.json();
    expect(Object.keys(body)).toEqual(["payload", "sum", "timestamp"]);
    expect(body.payload).toMatchObject({
      userId,
      name: "TaxInvoice_AIN2425000543858.pdf",
      documentType: "INVOICE",
    });
    expect(body.payload.id).toMatch(/^UDOC-[0-9]+$/);
    expect(body.payload.relativeUrl).toMatch(
      new RegExp(`^${userId}/[A-Za-z0-9_-]{6}-TaxInvoice_AIN2425000543858\\.pdf$`),
    );
    const file = await h.service.app.inject({
      method: "GET",
      url: new URL(body.payload.url).pathname + new URL(body.payload.url).search,
    });
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toBe("application/pdf");
    expect((await upload("LIFE-1")).json().payload.id).toBe(body.payload.id);
    expect((await upload("NO-SUCH-INVOICE")).statusCode).toBe(404);
    expect((await upload("LIFE-1", Buffer.from("not a pdf"))).statusCode).toBe(400);
  });

  it("failing releases the hold; cancelling before confirmation holds nothing; unknown ids are 404", async () => {
    const { mobile } = await activeUser(h, newMobile());
    const first = await h.eligibility(anchorRequest(mobile, "FAIL-1", "250.0"));
    const id = await confirmOnPage(first.json().payload.landingUrl);
    const failed = await move(id, { move: "fail", reason: "invalid amount or date provided" });
    expect(failed.json()).toMatchObject({ status: "Failed", reason: "invalid amount or date provided" });
    const banner = await h.eligibility(anchorRequest(mobile, "FAIL-1", "250.0"));
    expect(banner.body).toContain('"availableCreditLimit":100000.0');
    expect((await move(id, { move: "verify" })).json().code).toBe("disbursal_step_out_of_order");
    expect((await move("IN-999999", { move: "verify" })).statusCode).toBe(404);
    expect((await operator("GET", `/v1/partners/other-partner/disbursals/${id}`)).statusCode).toBe(404);
  });
});

describe("the supplier flow", () => {
  it("pays the user's supplier: the journal owes the supplier, then pays it; repaid in full it is Completed", async () => {
    const { mobile, userId } = await activeUser(h, newMobile());
    const supplier = await h.send(
      "POST",
      "/kredmint/account/supplier",
      {
        username: mobile,
        accountHolderName: "Devratna Arya 1",
        accountNumber: `1234${counter}`,
        ifsc: "ICIC00000012",
        bankName: "ICICI",
        branchName: "Okhala",
        supplierName: "Devratna Arya 1",
        mobile: "798289227432",
      },
      sandboxAuth,
    );
    expect(supplier.statusCode, supplier.body).toBe(200);
    const supplierId = supplier.json().payload.id;
    // The seed's supplier flow request, with this user's supplier.
    const res = await h.eligibility(
      `{"username":"${mobile}","page":"payment","invoiceNumber":"5435323121","paymentDate":1715327098489,"amount":1000.0,"supplierId":"${supplierId}","source":"BNPL","failureDeepLink":"https://example.com/handler/failed","successDeepLink":"https://example.com/handler/success","backDeepLink":"https://example.com/handler/back","invoicePdf":"https://example.com/invoice.pdf"}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().payload).toMatchObject({
      landingType: "INVOICE",
      subTitle: "Available Credit Rs 100000",
    });
    const id = await confirmOnPage(res.json().payload.landingUrl);
    for (const step of [{ move: "verify" }, { move: "approve" }, { move: "pay", utr: "UTR000777" }]) {
      expect((await move(id, step)).statusCode).toBe(200);
    }
    const payable = await statement(`supplier-payable:${supplierId}`);
    expect(payable.entries.map((e: { debit: string; credit: string }) => [e.debit, e.credit])).toEqual([
      ["0", "1000"],
      ["1000", "0"],
    ]);

    // Repaid over HTTP on the user's INR line, in rupees and paise: in part first, then the rest.
    const part = await repay({ userId, product: "kredmint", amount: "400.50", bankReference: "UTR-REPAY-1" });
    expect(part.statusCode, part.body).toBe(201);
    expect(part.json()).toMatchObject({
      userId,
      product: "kredmint",
      currency: "INR",
      amount: "400.5",
      allocations: [{ transactionId: id, installment: 1, principal: "400.5", interest: "0", fee: "0" }],
      outstanding: "599.5",
    });
    expect((await operator("GET", `/v1/partners/sandbox-partner/disbursals/${id}`)).json().status).not.toBe(
      "Completed",
    );
    const rest = { userId, product: "kredmint", amount: "599.50", bankReference: "UTR-REPAY-2" };
    const key = randomUUID();
    const paid = await repay(rest, key);
    expect(paid.json()).toMatchObject({ amount: "599.5", outstanding: "0" });
    // The same key and body again: the stored answer, the line repaid once.
    expect((await repay(rest, key)).json()).toEqual(paid.json());
    await eventually(`${id} Completed`, async () => {
      const view = (await operator("GET", `/v1/partners/sandbox-partner/disbursals/${id}`)).json();
      return view.status === "Completed" ? view : undefined;
    });
  });
});

describe("POST /v1/repayments for a partner user's line (product kredmint)", () => {
  it("refuses paise past 2 decimals, a user without a kredmint line, and more than owed; appends nothing", async () => {
    const { userId } = await activeUser(h, newMobile());
    const before = await h.head();
    const asked = (amount: string, user = userId) =>
      repay({ userId: user, product: "kredmint", amount, bankReference: "UTR-REFUSED" });
    const cases: [Awaited<ReturnType<typeof asked>>, number, Record<string, unknown>][] = [
      [await asked("10.005"), 400, { code: "invalid_parameter", param: "amount" }],
      [await asked("0.00"), 400, { detail: "amount: amount_must_be_positive" }],
      [await asked("10.00", "USR-NO-SUCH-USER"), 404, { code: "credit_line_not_found", param: "userId" }],
      [await asked("10.50"), 409, { code: "repayment_must_not_exceed_outstanding", outstanding: "0" }],
    ];
    for (const [reply, status, problem] of cases) {
      expect(reply.statusCode, reply.body).toBe(status);
      expect(reply.json()).toMatchObject(problem);
    }
    expect(cases[0]?.[0].json().detail).toBe("amount: amount_has_too_many_decimals");
    expect(cases[3]?.[0].json().detail).toContain("10.50 INR");
    expect(await h.head()).toBe(before);
  });
});

describe("POST /kredmint/account/invoice/upload, abuse", () => {
  it("a missing file, another type, an oversized file, a broken form: 400, nothing appended", async () => {
    const { mobile } = await activeUser(h, newMobile());
    await h.eligibility(anchorRequest(mobile, "ABUSE-1"));
    const send = (payload: Buffer | string, contentType: string) =>
      h.service.app.inject({
        method: "POST",
        url: "/kredmint/account/invoice/upload",
        headers: { ...sandboxAuth, "content-type": contentType },
        payload,
      });
    const fields = { username: mobile, invoiceNumber: "ABUSE-1" };
    const pdf = (content: Buffer | string) => ({
      file: { filename: "invoice.pdf", contentType: "application/pdf", content },
    });
    const cases: [string, { payload: Buffer | string; contentType: string }, RegExp][] = [
      ["missing file", multipartBody(fields), /^file: is required; send the invoice \(a pdf\)/],
      ["not a pdf", multipartBody(fields, pdf("GIF89a")), /^file: must be a pdf/],
      ["oversized", multipartBody(fields, pdf(`%PDF-${"x".repeat(6 * 1024 * 1024)}`)), /^file: is over/],
      [
        "another boundary",
        {
          payload: multipartBody(fields, pdf("%PDF-1.4")).payload,
          contentType: "multipart/form-data; boundary=other",
        },
        /^body: /,
      ],
      ["a JSON body", { payload: JSON.stringify(fields), contentType: "application/json" }, /./],
    ];
    const before = await h.head();
    for (const [what, body, message] of cases) {
      const res = await send(body.payload, body.contentType);
      expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
      expect(res.json().error.message, what).toMatch(message);
    }
    expect(await h.head()).toBe(before);
  });
});

describe("tenant isolation", () => {
  it("another partner can neither upload to, nor see, nor move this partner's invoice", async () => {
    const other = { partnerId: "other-partner-disb", secret: "other-partner-secret-0123456789" };
    const registered = await operator("POST", "/v1/partners", {
      ...other,
      name: "Other",
      allowedSources: ["MOS"],
    });
    expect([200, 201]).toContain(registered.statusCode);
    const { mobile } = await activeUser(h, newMobile());
    const res = await h.eligibility(anchorRequest(mobile, "ISO-1"));
    const id = await confirmOnPage(res.json().payload.landingUrl);
    const { payload, contentType } = multipartBody(
      { username: mobile, invoiceNumber: "ISO-1" },
      { file: { filename: "invoice.pdf", contentType: "application/pdf", content: "%PDF-1.4\n" } },
    );
    const upload = await h.service.app.inject({
      method: "POST",
      url: "/kredmint/account/invoice/upload",
      headers: { ...basic(other.partnerId, other.secret), "content-type": contentType },
      payload,
    });
    expect(upload.statusCode).toBe(404);
    expect(upload.json().error.message).toMatch(/^username: /);
    expect((await operator("GET", `/v1/partners/${other.partnerId}/disbursals/${id}`)).statusCode).toBe(404);
    const moved = await operator("POST", `/v1/partners/${other.partnerId}/disbursals/${id}/moves`, {
      move: "cancel",
      reason: "not mine",
    });
    expect(moved.statusCode).toBe(404);
    expect((await operator("GET", `/v1/partners/sandbox-partner/disbursals/${id}`)).json().status).toBe(
      "Initiated",
    );
  });
});
