import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { HttpBrowser } from "../support/http-browser.ts";
import { multipartBody } from "../support/multipart.ts";
import { killHard, type ServiceProcess, startServiceProcess } from "../support/service-process.ts";
import { REVENUE_CSV } from "./active-user.ts";
import { OPERATOR_KEY, sandboxAuth } from "./harness.ts";

// SANDBOX_AUTO_PROGRESS_SECONDS is a durable timer: the service (its own process, as `npm start` runs it) is
// killed with SIGKILL after the user confirmed an invoice and before its deadline; started again on the same
// data, it still moves the disbursal to Paid.

let dir: string | undefined;
const processes: ServiceProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) await killHard(p);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function start(dataDir: string): Promise<ServiceProcess> {
  const service = await startServiceProcess({
    DATA_DIR: dataDir,
    API_KEYS: `${OPERATOR_KEY}:operator`,
    SANDBOX_AUTO_PROGRESS_SECONDS: "3",
    TIMER_SWEEP_MS: "100",
  });
  processes.push(service);
  return service;
}

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field, like inject()'s json()
const json = async (res: Response): Promise<any> => res.json();

const call = (base: string, method: string, path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });

describe("the sandbox's auto-progress across kill -9", () => {
  it("a confirmed sandbox disbursal is Paid after a restart once its deadline passes", async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-kredmint-restart-"));
    const first = await start(dir);
    const base = first.url;
    const mobile = "9599170590";

    // An Active user (eligibility, financial data, the operator's approval), as in the other tests.
    const eligibility = await call(
      base,
      "POST",
      "/kredmint/user/eligibility",
      { username: mobile, page: "profile", source: "MOS" },
      sandboxAuth,
    );
    const userId = new URL((await json(eligibility)).payload.landingUrl).searchParams.get("userId");
    const form = multipartBody(
      { docType: "FINANCIAL_DATA", username: mobile },
      { file: { filename: "revenue.csv", contentType: "text/csv", content: REVENUE_CSV } },
    );
    const upload = await fetch(`${base}/kredmint/user/document/upload`, {
      method: "POST",
      headers: { ...sandboxAuth, "content-type": form.contentType },
      body: new Uint8Array(form.payload),
    });
    expect(upload.status).toBe(200);
    const decision = await call(
      base,
      "POST",
      `/v1/partners/sandbox-partner/users/${userId}/decision`,
      { decision: "approve", creditLimit: "100000.00" },
      bearer(OPERATOR_KEY),
    );
    expect(decision.status).toBe(200);

    // The invoice, confirmed on the landing page.
    const banner = await call(
      base,
      "POST",
      "/kredmint/user/eligibility",
      `{"username":"${mobile}","page":"payment","source":"MOS","invoiceNumber":"RESTART-1","amount":500.0,"paymentDate":1716864267785}`,
      sandboxAuth,
    );
    const landingUrl = (await json(banner)).payload.landingUrl;
    const browser = new HttpBrowser();
    const page = `${base}/kredmint/auth/page`;
    await browser.get(landingUrl);
    await browser.get(page);
    expect((await browser.submit("mobile-form", { mobile })).status).toBe(303);
    await browser.get(page);
    expect((await browser.submit("otp-form", { otp: "1234" })).status).toBe(303);
    await browser.get(page);
    expect((await browser.submit("invoice-form")).status).toBe(303);
    const confirmed = await browser.get(page);
    const id = /data-status="Initiated">Invoice (IN-[0-9]+)/.exec(confirmed.body)?.[1];
    expect(id, confirmed.body).toBeDefined();

    // Killed before the deadline (3 s): nothing has been paid yet.
    await killHard(first);
    const second = await start(dir);
    const paid = await eventually(
      `${id} Paid after the restart`,
      async () => {
        const res = await call(
          second.url,
          "GET",
          `/v1/partners/sandbox-partner/disbursals/${id}`,
          undefined,
          bearer(OPERATOR_KEY),
        );
        const view = await json(res);
        return view.status === "Paid" ? view : undefined;
      },
      15_000,
    );
    expect(paid.utr).toMatch(/^SANDBOXUTR[0-9]+$/);
    expect(paid.autoPayAt).not.toBeNull();
  });
});
