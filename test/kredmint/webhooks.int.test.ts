import { afterEach, describe, expect, it } from "vitest";
import { Receiver, type Reply } from "../notifier/harness.ts";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { activeUser } from "./active-user.ts";
import { type KredmintHarness, OPERATOR_KEY, startKredmintHarness } from "./harness.ts";

// The partner's webhooks against a real HTTP receiver on 127.0.0.1, through the composed runtime's notifier:
// INVOICE for every disbursal status (the sandbox's auto-progress walks one to Paid), USER for state changes,
// Basic auth with the partner's webhook credentials; a 500 is retried, a receiver that is down dead-letters
// the delivery, and the operator's replay delivers it once the receiver is back.

const WEBHOOK_AUTH = "hook-user:hook-pass-7f3a";
const EXPECTED_BASIC = `Basic ${Buffer.from(WEBHOOK_AUTH).toString("base64")}`;
const OK_EMPTY: Reply = { status: 204 };

let h: KredmintHarness | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await h?.close();
  await receiver?.close();
  h = undefined;
  receiver = undefined;
});

const start = (url: string, env: Record<string, string> = {}) =>
  startKredmintHarness({
    SANDBOX_PARTNER_WEBHOOK_URL: url,
    SANDBOX_PARTNER_WEBHOOK_AUTH: WEBHOOK_AUTH,
    NOTIFY_FIRST_RETRY_MS: "20",
    NOTIFY_MAX_RETRY_MS: "100",
    NOTIFY_MAX_ATTEMPTS: "3",
    NOTIFY_TIMEOUT_MS: "1000",
    API_KEYS: `${OPERATOR_KEY}:operator`,
    ...env,
  });

interface Webhook {
  payload: Record<string, unknown>;
  type: string;
  timestamp: number;
}
const webhooks = (r: Receiver): { body: string; json: Webhook; headers: Record<string, unknown> }[] =>
  r.received.map((x) => ({ body: x.body, json: JSON.parse(x.body) as Webhook, headers: x.headers }));

describe("the partner's webhooks", () => {
  it("every disbursal status as INVOICE, state changes as USER, Basic auth; a 500 is retried with the same bytes", async () => {
    receiver = await new Receiver().replies({ status: 500 }, OK_EMPTY).listen();
    h = await start(receiver.url, { SANDBOX_AUTO_PROGRESS_SECONDS: "0", TIMER_SWEEP_MS: "50" });
    const { mobile, userId } = await activeUser(h, "9599170579");
    const banner = await h.eligibility(
      `{"username":"${mobile}","page":"payment","source":"MOS","invoiceNumber":"543354123253","amount":1000.0,"paymentDate":1716864267785}`,
    );
    expect(banner.statusCode).toBe(200);
    // The user confirms (as the landing page does); the sandbox timer then walks it to Paid.
    await h.service.kredmint!.disbursals.confirm(userId, "543354123253", "sandbox-partner", {
      actor: "user:test",
      correlationId: "c",
      causationId: "c",
    });

    const r = receiver;
    const statuses = await eventually("INVOICE webhooks through Paid", async () => {
      const seen = webhooks(r)
        .filter((w) => w.json.type === "INVOICE")
        .map((w) => String(w.json.payload.status));
      return ["Initiated", "Verified", "Approved", "Paid"].every((s) => seen.includes(s)) ? seen : undefined;
    });
    expect(new Set(statuses)).toEqual(new Set(["Initiated", "Verified", "Approved", "Paid"]));

    const all = webhooks(r);
    for (const w of all) {
      expect(w.headers.authorization).toBe(EXPECTED_BASIC);
      expect(w.headers["webhook-id"]).toBeDefined();
      expect(String(w.headers["webhook-signature"])).toMatch(/^v1,/);
    }
    // The first attempt got a 500: it was sent again, byte for byte, under the same webhook-id.
    const first = all[0]!;
    const again = all.filter((w) => w.headers["webhook-id"] === first.headers["webhook-id"]);
    expect(again.length).toBeGreaterThanOrEqual(2);
    expect(new Set(again.map((w) => w.body)).size).toBe(1);

    const paid = all.find((w) => w.json.type === "INVOICE" && w.json.payload.status === "Paid")!;
    expect(Object.keys(paid.json)).toEqual(["payload", "type", "timestamp"]);
    expect(Object.keys(paid.json.payload)).toEqual([
      "id",
      "username",
      "invoiceNumber",
      "paymentDate",
      "amount",
      "transactionId",
      "status",
      "utr",
      "reason",
    ]);
    expect(paid.body).toContain('"amount":1000.0');
    expect(paid.json.payload).toMatchObject({
      username: mobile,
      invoiceNumber: "543354123253",
      paymentDate: 1716864267785,
      reason: null,
    });
    expect(String(paid.json.payload.id)).toMatch(/^IN-[0-9]+$/);
    expect(paid.json.payload.transactionId).toBe(`TXN-${paid.json.payload.id}`);
    expect(String(paid.json.payload.utr)).toMatch(/^SANDBOXUTR[0-9]{8,}$/);
    const initiated = all.find((w) => w.json.type === "INVOICE" && w.json.payload.status === "Initiated")!;
    expect(initiated.json.payload).toMatchObject({ transactionId: null, utr: null });

    const users = all.filter((w) => w.json.type === "USER").map((w) => w.json.payload);
    expect(users).toContainEqual({
      id: userId,
      username: mobile,
      state: "Active",
      creditLimit: 100000,
      reason: null,
    });
    expect(users.map((u) => u.state)).toContain("UnderReview");
  });

  it("a receiver that is down: dead letter; it comes back, the operator replays, the webhook is delivered", async () => {
    receiver = await new Receiver().replies(OK_EMPTY).reserveClosedPort();
    h = await start(receiver.url);
    const harness = h;
    const { userId } = await activeUser(harness, "9599170581");
    const operator = (method: "GET" | "POST", url: string) =>
      harness.service.app.inject({ method, url, headers: bearer(OPERATOR_KEY) });
    const dead = await eventually("a dead letter for the user's webhooks", async () => {
      const letters = (await operator("GET", "/v1/notifications/dead-letters")).json();
      return (letters.data as { deliveryId: string; source: string }[]).find(
        (d) => d.source === "kredmint-webhook",
      );
    });
    const detail = (await operator("GET", `/v1/notifications/${dead.deliveryId}`)).json();
    expect(detail.attempts).toHaveLength(3);
    for (const attempt of detail.attempts) expect(attempt.error).toMatch(/ECONNREFUSED/);
    expect(detail.webhookType).toBe("USER");

    await receiver.listen(receiver.port);
    const replay = await operator("POST", `/v1/notifications/dead-letters/${dead.deliveryId}/replay`);
    expect(replay.statusCode).toBe(202);
    const r = receiver;
    await eventually("the replayed webhook", async () => (r.received.length > 0 ? true : undefined));
    const [delivered] = webhooks(r);
    expect(delivered?.headers.authorization).toBe(EXPECTED_BASIC);
    expect(delivered?.json).toMatchObject({ type: "USER", payload: { id: userId } });
  });
});
