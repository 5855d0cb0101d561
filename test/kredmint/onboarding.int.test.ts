import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../support/http.ts";
import { type FilePart, multipartBody } from "../support/multipart.ts";
import { basic, type KredmintHarness, OPERATOR_KEY, sandboxAuth, startKredmintHarness } from "./harness.ts";

// Financial data upload (multipart), its signed url, underwriting and the operator's decision, through HTTP.

const UPLOAD = "/kredmint/user/document/upload";
/** Six months of ₹1,00,000.00: the rule proposes ₹1,00,000.00 (the seed's Active sample). */
const REVENUE_CSV = ["month,revenue", ...[1, 2, 3, 4, 5, 6].map((m) => `2024-0${m},100000.00`)].join("\n");
const csvFile = (content: string = REVENUE_CSV): FilePart => ({
  filename: "file",
  contentType: "application/octet-stream",
  content,
});
const DOC_PASSWORD = "never-store-this-password-83f1";

let h: KredmintHarness;
let mobileCounter = 0;
const newMobile = () => `98100${String(Date.now() % 100000).padStart(5, "0")}${mobileCounter++}`.slice(0, 12);

beforeAll(async () => {
  h = await startKredmintHarness({ KREDMINT_UPLOAD_MAX_BYTES: "4096" });
});
afterAll(async () => {
  await h?.close();
});

async function newUser(): Promise<{ mobile: string; userId: string }> {
  const mobile = newMobile();
  const res = await h.eligibility({ username: mobile, page: "profile", source: "MOS" });
  expect(res.statusCode).toBe(200);
  return { mobile, userId: new URL(res.json().payload.landingUrl).searchParams.get("userId") ?? "" };
}

async function upload(
  fields: Record<string, string>,
  files: Record<string, FilePart> = { file: csvFile() },
  headers: Record<string, string> = sandboxAuth,
) {
  const { payload, contentType } = multipartBody(fields, files);
  return h.service.app.inject({
    method: "POST",
    url: UPLOAD,
    headers: { ...headers, "content-type": contentType },
    payload,
  });
}

const operator = (method: "GET" | "POST", url: string, body?: unknown) =>
  h.service.app.inject({
    method,
    url,
    headers: { ...bearer(OPERATOR_KEY), ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });

const blobCount = () => {
  try {
    return readdirSync(join(h.dir, "blobs"), { recursive: true }).filter((f) => String(f).length > 60).length;
  } catch {
    return 0;
  }
};

describe("POST /kredmint/user/document/upload", () => {
  it("takes the seed's form (file without extension, docType, userId, username, docPassword) and answers the seed's payload", async () => {
    const { mobile, userId } = await newUser();
    const before = Date.now();
    const res = await upload({
      docType: "FINANCIAL_DATA",
      userId,
      username: mobile,
      docPassword: DOC_PASSWORD,
    });
    expect(res.statusCode, res.body).toBe(200);
    const { payload, error, sum } = res.json();
    expect(error).toBeNull();
    expect(res.body).toContain('"sum":0.0');
    expect(sum).toBe(0);
    expect(payload).toMatchObject({
      createdBy: userId,
      lastModifiedBy: userId,
      userId,
      name: "file",
      documentType: "FINANCIAL_DATA",
      seqPrefix: "UDOC-",
    });
    expect(payload.id).toMatch(/^UDOC-[0-9]+$/);
    expect(payload.relativeUrl).toMatch(new RegExp(`^${userId}/[A-Za-z0-9_-]{6}-file$`));
    expect(payload.creationDate).toBe(payload.lastModifiedDate);
    expect(payload.urlExpiryDate).toBeGreaterThanOrEqual(before + 24 * 3600 * 1000);
    expect(payload.urlExpiryDate).toBeLessThan(Date.now() + 24 * 3600 * 1000 + 1000);
    expect(Object.keys(payload)).toEqual([
      "id",
      "createdBy",
      "creationDate",
      "lastModifiedDate",
      "lastModifiedBy",
      "url",
      "userId",
      "name",
      "relativeUrl",
      "documentType",
      "urlExpiryDate",
      "seqPrefix",
    ]);

    // The url is a signed link we serve, without credentials; altered, it is refused.
    const url = new URL(payload.url);
    const file = await h.service.app.inject({ method: "GET", url: `${url.pathname}${url.search}` });
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toContain("text/csv");
    expect(file.body).toBe(REVENUE_CSV);
    url.searchParams.set("expires", String(payload.urlExpiryDate + 1));
    const altered = await h.service.app.inject({ method: "GET", url: `${url.pathname}${url.search}` });
    expect(altered.statusCode).toBe(403);
    expect(altered.json().error.code).toBe(403);

    // The user is under review; the password is nowhere in the log, the read models or our own log lines.
    const banner = (await h.eligibility({ username: mobile, page: "profile", source: "MOS" })).json().payload;
    expect(banner.state).toBe("UnderReview");
    const events = JSON.stringify(await h.service.store.readAll({ after: "0", maxCount: 10_000 }));
    expect(events).not.toContain(DOC_PASSWORD);
    expect(JSON.stringify(h.logs)).not.toContain(DOC_PASSWORD);
    expect(events).toContain("FinancialDataUploaded");
  });

  it("the same file again answers the same document and appends nothing", async () => {
    const { mobile } = await newUser();
    const first = await upload({ docType: "FINANCIAL_DATA", username: mobile });
    const head = await h.head();
    const again = await upload({ docType: "FINANCIAL_DATA", username: mobile });
    expect(again.json().payload.id).toBe(first.json().payload.id);
    expect(await h.head()).toBe(head);
  });

  it("takes json in the documented format", async () => {
    const { mobile } = await newUser();
    const json = JSON.stringify({ monthlyRevenue: [{ month: "2024-01", revenue: 150000.5 }] });
    const res = await upload(
      { docType: "FINANCIAL_DATA", username: mobile },
      { file: { filename: "revenue.json", contentType: "application/json", content: json } },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().payload.name).toBe("revenue.json");
  });

  describe("abuse: a 4xx, nothing stored", () => {
    const cases: [string, () => Promise<{ statusCode: number; body: string }>, string][] = [
      [
        "wrong type (a pdf)",
        async () =>
          upload(
            { docType: "FINANCIAL_DATA", username: (await newUser()).mobile },
            { file: { filename: "statement.pdf", contentType: "application/pdf", content: "%PDF-1.4" } },
          ),
        "file: must be csv or json",
      ],
      [
        "a csv not in the documented format",
        async () =>
          upload(
            { docType: "FINANCIAL_DATA", username: (await newUser()).mobile },
            { file: csvFile("a,b\n1,2") },
          ),
        "file: line 1: must be the header month,revenue",
      ],
      [
        "oversized (over KREDMINT_UPLOAD_MAX_BYTES)",
        async () =>
          upload(
            { docType: "FINANCIAL_DATA", username: (await newUser()).mobile },
            { file: csvFile(`${REVENUE_CSV}\n${"9".repeat(8000)}`) },
          ),
        "file: is over 4096 bytes",
      ],
      [
        "missing file",
        async () => upload({ docType: "FINANCIAL_DATA", username: (await newUser()).mobile }, {}),
        "file: is required",
      ],
      [
        "a bad boundary",
        async () => {
          const { payload } = multipartBody(
            { docType: "FINANCIAL_DATA", username: (await newUser()).mobile },
            {
              file: csvFile(),
            },
          );
          return h.service.app.inject({
            method: "POST",
            url: UPLOAD,
            headers: { ...sandboxAuth, "content-type": "multipart/form-data; boundary=not-the-one-used" },
            payload,
          });
        },
        "body:",
      ],
      [
        "no boundary at all",
        async () =>
          h.service.app.inject({
            method: "POST",
            url: UPLOAD,
            headers: { ...sandboxAuth, "content-type": "multipart/form-data" },
            payload: "--x\r\n",
          }),
        "body:",
      ],
      [
        "a truncated form",
        async () => {
          const { payload, contentType } = multipartBody(
            { docType: "FINANCIAL_DATA", username: (await newUser()).mobile },
            { file: csvFile() },
          );
          return h.service.app.inject({
            method: "POST",
            url: UPLOAD,
            headers: { ...sandboxAuth, "content-type": contentType },
            payload: payload.subarray(0, payload.length - 40),
          });
        },
        "body:",
      ],
      [
        "two files",
        async () =>
          upload(
            { docType: "FINANCIAL_DATA", username: (await newUser()).mobile },
            { file: csvFile(), other: csvFile("month,revenue\n2024-01,1") },
          ),
        "body:",
      ],
      [
        "another docType",
        async () => upload({ docType: "INVOICE", username: (await newUser()).mobile }),
        "docType: must be FINANCIAL_DATA",
      ],
      [
        "JSON instead of a form",
        async () =>
          h.send("POST", UPLOAD, { docType: "FINANCIAL_DATA", username: "9887206895" }, sandboxAuth),
        "file: is required",
      ],
      [
        "another user's userId",
        async () => {
          const other = await newUser();
          return upload({
            docType: "FINANCIAL_DATA",
            username: (await newUser()).mobile,
            userId: other.userId,
          });
        },
        "userId: ",
      ],
    ];
    it.each(cases)("%s", async (_, send, message) => {
      const blobs = blobCount();
      const res = await send();
      const head = await h.head();
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.parse(res.body).error.message).toContain(message);
      expect(blobCount()).toBe(blobs);
      // Only the user made for the case was appended before the request.
      expect(await h.head()).toBe(head);
    });

    it("an unknown user is 404; another partner's user is 404, never a leak", async () => {
      const res = await upload({ docType: "FINANCIAL_DATA", username: "900000000001" });
      expect(res.statusCode).toBe(404);
      const { mobile } = await newUser();
      await operator("POST", "/v1/partners", {
        partnerId: "other-partner",
        name: "Other",
        secret: "other-partner-secret-0123456789",
        allowedSources: ["MOS"],
      });
      const foreign = await upload(
        { docType: "FINANCIAL_DATA", username: mobile },
        { file: csvFile() },
        basic("other-partner", "other-partner-secret-0123456789"),
      );
      expect(foreign.statusCode).toBe(404);
    });
    it("no credentials is 401", async () => {
      const res = await upload(
        { docType: "FINANCIAL_DATA", username: "9887206895" },
        { file: csvFile() },
        {},
      );
      expect(res.statusCode).toBe(401);
    });
  });
});

describe("underwriting and the operator's decision", () => {
  const userUrl = (userId: string) => `/v1/partners/sandbox-partner/users/${userId}`;

  it("the rule proposes a limit; approve makes the user Active with an INR revolving credit line", async () => {
    const { mobile, userId } = await newUser();
    expect((await upload({ docType: "FINANCIAL_DATA", username: mobile })).statusCode).toBe(200);
    const review = await operator("GET", userUrl(userId));
    expect(review.statusCode).toBe(200);
    expect(review.json()).toMatchObject({ userId, mobile, state: "UnderReview", creditLimit: null });
    expect(review.json().documents[0]).toMatchObject({
      months: 6,
      proposedCreditLimit: "100000",
      format: "csv",
    });

    const approve = { decision: "approve", creditLimit: "100000.00" };
    const approved = await operator("POST", `${userUrl(userId)}/decision`, approve);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ state: "Active", creditLimit: "100000" });

    const banner = await h.eligibility({ username: mobile, page: "profile", source: "MOS" });
    expect(banner.body).toContain('"availableCreditLimit":100000.0');
    expect(banner.body).toContain('"creditLimit":100000.0');
    expect(banner.body).toContain('"totalOutstanding":0.0');
    expect(banner.json().payload).toMatchObject({ state: "Active", subTitle: "Available Credit Rs 100000" });
    const line = await h.service.store.readStream(`creditline-kredmint:INR:${userId}`);
    expect(line.map((e) => e.type)).toEqual(["CreditLimitSet"]);

    // The same decision again changes nothing; another is refused; no more financial data.
    const head = await h.head();
    expect((await operator("POST", `${userUrl(userId)}/decision`, approve)).statusCode).toBe(200);
    expect(await h.head()).toBe(head);
    const other = await operator("POST", `${userUrl(userId)}/decision`, { decision: "reject", reason: "no" });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe("user_already_decided");
    const more = await upload(
      { docType: "FINANCIAL_DATA", username: mobile },
      { file: csvFile(`${REVENUE_CSV}\n`) },
    );
    expect(more.statusCode).toBe(400);
    expect(await h.head()).toBe(head);
  });

  it("reject makes the user Rejected, with its banner", async () => {
    const { mobile, userId } = await newUser();
    await upload({ docType: "FINANCIAL_DATA", username: mobile });
    const rejected = await operator("POST", `${userUrl(userId)}/decision`, {
      decision: "reject",
      reason: "thin file",
    });
    expect(rejected.json()).toMatchObject({ state: "Rejected", creditLimit: null });
    const banner = (await h.eligibility({ username: mobile, page: "profile", source: "MOS" })).json().payload;
    expect(banner).toMatchObject({ state: "Rejected", show: false });
  });

  it("refusals: before financial data 409, an unknown or another partner's user 404, a bad limit 400", async () => {
    const { userId } = await newUser();
    const early = await operator("POST", `${userUrl(userId)}/decision`, {
      decision: "approve",
      creditLimit: "1.00",
    });
    expect([early.statusCode, early.json().code]).toEqual([409, "user_not_under_review"]);
    const unknown = await operator("GET", userUrl("USR-999999999"));
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, "partner_user_not_found"]);
    const foreign = await operator("GET", `/v1/partners/other-partner/users/${userId}`);
    expect(foreign.statusCode).toBe(404);
    for (const creditLimit of ["0", "-5", "1.005", "abc"]) {
      const bad = await operator("POST", `${userUrl(userId)}/decision`, { decision: "approve", creditLimit });
      expect([bad.statusCode, bad.json().code]).toEqual([400, "invalid_parameter"]);
    }
    const unauthenticated = await h.service.app.inject({ method: "GET", url: userUrl(userId) });
    expect(unauthenticated.statusCode).toBe(401);
  });
});
