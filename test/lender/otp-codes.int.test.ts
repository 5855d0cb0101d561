import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OTP_MAX_WRONG_CODES, otpCodes } from "../../services/platform/otp/otp-codes.ts";
import type { OtpMessage } from "../../services/platform/otp/port.ts";
import { sandboxOtpSender } from "../../services/platform/otp/sandbox-otp-sender.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

// The OTP code book on both read stores: a code works once and until it expires; a phone gets at most
// OTP_MAX_PER_WINDOW codes per window. The sender is the sandbox's (4567), wrapped to see what it sends.

const dir = mkdtempSync(join(tmpdir(), "ledger-otp-"));
const schema = uniqueSchema("otp_test");
const stores: [string, ReadStore][] = [
  ["sqlite", new SqliteReadStore({ path: join(dir, "read.db") })],
  ["postgres", new PostgresReadStore({ connectionString: DATABASE_URL, schema })],
];
afterAll(async () => {
  for (const [, store] of stores) await store.close();
  const cleaner = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
  await cleaner.dropSchema();
  await cleaner.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(stores)("OTP codes on %s", (_name, readStore) => {
  let clock = Date.parse("2026-12-01T10:00:00.000Z");
  const sent: OtpMessage[] = [];
  const sandbox = sandboxOtpSender();
  const codes = otpCodes({
    readStore,
    sender: { pickCode: sandbox.pickCode, send: async (m) => void sent.push(m) },
    now: () => new Date(clock),
    ttlSeconds: 300,
    maxPerWindow: 3,
    windowSeconds: 900,
  });

  it("a code works once", async () => {
    expect(await codes.issue("kredivo", "+84900000001")).toMatchObject({ sent: true });
    expect(sent.at(-1)).toMatchObject({ phone: "+84900000001", code: "4567" });
    expect(await codes.redeem("kredivo", "+84900000001", "0000")).toBe(false);
    expect(await codes.redeem("kredivo", "+84900000001", "4567")).toBe(true);
    expect(await codes.redeem("kredivo", "+84900000001", "4567")).toBe(false);
  });

  it(`${OTP_MAX_WRONG_CODES} wrong codes void the phone's live codes: guessing all 10,000 is not possible`, async () => {
    await codes.issue("kredivo", "+84900000009");
    for (let i = 0; i < OTP_MAX_WRONG_CODES - 1; i++) {
      expect(await codes.redeem("kredivo", "+84900000009", String(1000 + i))).toBe(false);
    }
    expect(await codes.redeem("kredivo", "+84900000009", "4567")).toBe(true);
    await codes.issue("kredivo", "+84900000009");
    expect(await codes.redeem("kredivo", "+84900000009", "0001")).toBe(false); // the fifth wrong one
    expect(await codes.redeem("kredivo", "+84900000009", "4567")).toBe(false);
    clock += 301_000; // the wrong codes age out with a code's lifetime
    await codes.issue("kredivo", "+84900000009");
    expect(await codes.redeem("kredivo", "+84900000009", "4567")).toBe(true);
  });

  it("a code is the phone's and the product's own", async () => {
    await codes.issue("kredivo", "+84900000002");
    expect(await codes.redeem("kredivo", "+84900000003", "4567")).toBe(false);
    expect(await codes.redeem("kredmint", "+84900000002", "4567")).toBe(false);
  });

  it("a code expires", async () => {
    await codes.issue("kredivo", "+84900000004");
    clock += 301_000;
    expect(await codes.redeem("kredivo", "+84900000004", "4567")).toBe(false);
  });

  it("a phone gets at most maxPerWindow codes per window, then none until the window moves on", async () => {
    const phone = "+84900000005";
    for (let i = 0; i < 3; i++) expect(await codes.issue("kredivo", phone)).toMatchObject({ sent: true });
    const before = sent.length;
    expect(await codes.issue("kredivo", phone)).toEqual({ sent: false, reason: "rate_limited" });
    expect(sent.length).toBe(before);
    clock += 901_000;
    expect(await codes.issue("kredivo", phone)).toMatchObject({ sent: true });
  });
});
