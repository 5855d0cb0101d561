import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KredmintHarness, SANDBOX_PARTNER, startKredmintHarness } from "./harness.ts";

// The seed's own Python `http.client` sample for the banner API, run against the listening server with only
// its base URL changed (HTTPSConnection to the seed's host → HTTPConnection to ours, path under /kredmint)
// and `Basic XXXX` filled in with the sandbox partner's credentials.

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

const sample = (auth: string) => `
import http.client
import json
conn = http.client.HTTPConnection("127.0.0.1", ${port})
payload = json.dumps({
"username": "9819413273",
"page": "profile",
"source": "MOS"
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

describe("the seed's Python sample", () => {
  it("gets the seed's banner", async () => {
    const auth = Buffer.from(`${SANDBOX_PARTNER.id}:${SANDBOX_PARTNER.secret}`).toString("base64");
    const { stdout } = await run("python3", ["-c", sample(auth)], { timeout: 20_000 });
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
});
