import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectPageSecurityHeaders } from "../support/page-headers.ts";
import { FINANCE_KEY, type FinanceHarness, OPERATOR_KEY, startFinanceHarness } from "./harness.ts";

// The finance page's door, through inject(): nothing without a session, a session only for a finance key,
// from our own form, and a cookie that cannot be forged.

let h: FinanceHarness;
beforeAll(async () => {
  h = await startFinanceHarness();
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string, cookie = "") => h.service.app.inject({ method: "GET", url, headers: { cookie } });
const cookiesOf = (res: { headers: Record<string, unknown> }) =>
  [res.headers["set-cookie"]]
    .flat()
    .map((c) => String(c).split(";")[0])
    .join("; ");

async function signIn(key: string, extra: Record<string, string> = {}) {
  const login = await get("/finance/login");
  const csrf = /name="csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? "";
  const cookie = cookiesOf(login);
  const res = await h.service.app.inject({
    method: "POST",
    url: "/finance/login",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...extra },
    payload: new URLSearchParams({ key, csrf }).toString(),
  });
  return { res, cookie: `${cookie}; ${cookiesOf(res)}` };
}

describe("the finance page", () => {
  it.each(["/finance", "/finance/trial-balance", "/finance/aging.csv", "/finance/bank-statements"])(
    "sends a browser without a session from %s to the sign-in",
    async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe("/finance/login");
    },
  );

  it("signs in a finance key with an HttpOnly session cookie, and serves the reports and their CSV", async () => {
    const { res, cookie } = await signIn(FINANCE_KEY);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/finance/trial-balance");
    expect(String(res.headers["set-cookie"])).toMatch(/finance_session=.*HttpOnly/);
    const page = await get("/finance/trial-balance", cookie);
    expect(page.statusCode).toBe(200);
    expectPageSecurityHeaders(page.headers);
    expect((await get("/finance/days.csv", cookie)).headers["content-type"]).toContain("text/csv");
  });

  it("refuses a key without the finance role (401) and a post from another origin (403)", async () => {
    expect((await signIn(OPERATOR_KEY)).res.statusCode).toBe(401);
    expect((await signIn("not-a-key")).res.statusCode).toBe(401);
    expect((await signIn(FINANCE_KEY, { origin: "https://evil.example" })).res.statusCode).toBe(403);
  });

  it("does not accept a session cookie that was altered", async () => {
    const { cookie } = await signIn(FINANCE_KEY);
    const forged = cookie.replace(
      /finance_session=([^.;]+)\./,
      (_m, body: string) => `finance_session=${body}x.`,
    );
    expect((await get("/finance/trial-balance", forged)).statusCode).toBe(303);
  });

  it("keeps the key out of the page and the cookie", async () => {
    const { cookie } = await signIn(FINANCE_KEY);
    expect(cookie).not.toContain(FINANCE_KEY);
    expect(
      Buffer.from(cookie.split("finance_session=")[1]?.split(".")[0] ?? "", "base64url").toString(),
    ).not.toContain(FINANCE_KEY);
  });
});
