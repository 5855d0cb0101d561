import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeUser } from "./active-user.ts";
import { type KredmintHarness, SANDBOX_PARTNER, startKredmintHarness } from "./harness.ts";

// The seed's own Python `http.client` sample for the banner API, run against the listening server with only
// its base URL changed (HTTPSConnection to the seed's host → HTTPConnection to ours, path under /kredmint)
// and `Basic XXXX` filled in with the sandbox partner's credentials. The seed prints it for page `profile`;
// for page `payment` the same program carries the anchor flow's body (the seed's curl for that page).

const run = promisify(execFile);
let h: KredmintHarness;
let port: number;
beforeAll(async () => {
  h = await startKredmintHarness();
  const url = await h.service.app.listen({ port: 0, host: "127.0.0.1" });
  port = Number(new URL(url).port);
});
afterAll(async () => {
  await h?.close();
});

/** The seed's program; `payload` is the body of its `json.dumps({…})`, one `"key": value` a line. */
const sample = (auth: string, payload: string) => `
import http.client
import json
conn = http.client.HTTPConnection("127.0.0.1", ${port})
payload = json.dumps({
${payload}
})
headers = {
'Content-Type': 'application/json',
'Authorization': 'Basic ${auth}'
}
conn.request("POST", "/kredmint/user/eligibility", payload, headers)
res = conn.getresponse()
data = res.read()
print(data.decode("utf-8"))
`;

const auth = Buffer.from(`${SANDBOX_PARTNER.id}:${SANDBOX_PARTNER.secret}`).toString("base64");
const runSample = async (payload: string) =>
  (await run("python3", ["-c", sample(auth, payload)], { timeout: 20_000 })).stdout;

describe("the seed's Python sample", () => {
  it("gets the seed's banner", async () => {
    const stdout = await runSample(`"username": "9819413273",
"page": "profile",
"source": "MOS"`);
    const body = JSON.parse(stdout);
    expect(body.error).toBeNull();
    expect(body.payload).toMatchObject({
      show: true,
      title: "Get a Credit Limit with kredmint.",
      landingType: "DEFAULT",
      state: "IncompleteProfile",
    });
    expect(stdout).toContain('"availableCreditLimit":0.0');
  });

  it("on page payment for an Active user, gets the seed's invoice banner (anchor flow)", async () => {
    // Python's json.dumps writes 100.0 as the seed's curl does: the amount arrives as a JSON number.
    const { mobile, userId } = await activeUser(h, "9887206895");
    const stdout = await runSample(`"username": "${mobile}",
"page": "payment",
"source": "MOS",
"invoiceNumber": "IN-123",
"amount": 100.0,
"paymentDate": 1713814546794`);
    const body = JSON.parse(stdout);
    expect(body.error).toBeNull();
    expect(body.payload).toMatchObject({
      show: true,
      title: "Pay by kred Mint.",
      subTitle: "Available Credit Rs 100000",
      landingType: "INVOICE",
      state: "Active",
    });
    expect(new URL(body.payload.landingUrl).searchParams.get("userId")).toBe(userId);
    expect(stdout).toContain('"availableCreditLimit":100000.0');
    expect(stdout).toContain('"creditLimit":100000.0');
    expect(stdout).toContain('"totalOutstanding":0.0');
  });
});
