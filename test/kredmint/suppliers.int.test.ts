import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../support/http.ts";
import {
  basic,
  type KredmintHarness,
  OPERATOR_KEY,
  SEED_PROFILE_REQUEST,
  sandboxAuth,
  startKredmintHarness,
} from "./harness.ts";

// Step 3 of the Partner API through HTTP: POST and GET /kredmint/account/supplier, the seed's payload,
// each missing mandatory field named, retries answered with the same supplier, and tenants apart.

let h: KredmintHarness;
const OTHER = { id: "other-partner", secret: "other-partner-secret-0123" };
beforeAll(async () => {
  h = await startKredmintHarness();
  const created = await h.send(
    "POST",
    "/v1/partners",
    { partnerId: OTHER.id, name: "Other", allowedSources: ["MOS"], secret: OTHER.secret },
    bearer(OPERATOR_KEY),
  );
  expect(created.statusCode).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

/** The seed's "Create New Distributor / Supplier" request body. */
const SEED_SUPPLIER = {
  username: "9887206895",
  accountHolderName: "Devratna Arya 1",
  accountNumber: "12345432",
  ifsc: "ICIC00000012",
  bankName: "ICICI",
  branchName: "Okhala",
  gstin: "GST123",
  supplierName: "Devratna Arya 1",
  mobile: "798289227432",
  email: "supplier1@gmail.com",
};

const createSupplier = (body: unknown, headers: Record<string, string> = sandboxAuth) =>
  h.send("POST", "/kredmint/account/supplier", body, headers);
const listSuppliers = (username: string, headers = sandboxAuth) =>
  h.send("GET", `/kredmint/account/supplier?username=${username}`, undefined, headers);
const userIdOf = async (username: string, headers = sandboxAuth) => {
  const res = await h.eligibility({ ...SEED_PROFILE_REQUEST, username }, headers);
  return new URL(res.json().payload.landingUrl).searchParams.get("userId");
};

describe("suppliers", () => {
  it("creates the seed's supplier and answers the seed's payload, Initiated", async () => {
    const userId = await userIdOf(SEED_SUPPLIER.username);
    const res = await createSupplier(SEED_SUPPLIER);
    expect(res.statusCode, res.body).toBe(200);
    const { payload, sum, error } = res.json();
    expect({ sum, error }).toEqual({ sum: 0, error: null });
    expect(payload).toEqual({
      id: expect.stringMatching(/^SUPB-\d+$/),
      lenderId: "kredmint",
      creationDate: expect.any(Number),
      lastModifiedDate: payload.creationDate,
      userId,
      mobile: "798289227432",
      gstin: "GST123",
      supplierName: "Devratna Arya 1",
      supplierBankId: expect.stringMatching(/^BNK-\d+$/),
      status: "Initiated",
      email: "supplier1@gmail.com",
      partnerInvoice: false,
      seqPrefix: "SUPB-",
    });
  });

  it("the same request again answers the same supplier and appends nothing; other details are 400", async () => {
    const first = (await createSupplier(SEED_SUPPLIER)).json().payload;
    const head = await h.head();
    const again = await createSupplier(SEED_SUPPLIER);
    expect(again.json().payload).toEqual(first);
    expect(await h.head()).toBe(head);
    const other = await createSupplier({ ...SEED_SUPPLIER, supplierName: "Someone Else" });
    expect(other.statusCode).toBe(400);
    expect(other.json().error.message).toMatch(/^accountNumber: is already supplier SUPB-\d+ of this user/);
    expect(await h.head()).toBe(head);
  });

  it("lists the user's suppliers, oldest first, with the seed's sample (9-digit mobile, no email)", async () => {
    await userIdOf("9887206896");
    const a = await createSupplier({ ...SEED_SUPPLIER, username: "9887206896", mobile: "798289227" });
    const { email: _email, ...noEmail } = SEED_SUPPLIER;
    const b = await createSupplier({ ...noEmail, username: "9887206896", accountNumber: "99887766" });
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(b.json().payload.email).toBeNull();
    const list = await listSuppliers("9887206896");
    expect(list.statusCode).toBe(200);
    expect(list.json().payload).toEqual([a.json().payload, b.json().payload]);
  });

  it("400 names every missing mandatory field at once, and appends nothing", async () => {
    await userIdOf(SEED_SUPPLIER.username);
    const head = await h.head();
    const res = await createSupplier({ username: SEED_SUPPLIER.username, supplierName: "X" });
    expect(res.statusCode).toBe(400);
    const message: string = res.json().error.message;
    for (const field of ["mobile", "accountHolderName", "accountNumber", "ifsc", "bankName", "branchName"]) {
      expect(message).toContain(`${field}: is required`);
    }
    expect(await h.head()).toBe(head);
  });

  it.each([
    ["ifsc", { ifsc: "ICIC" }, /^ifsc: must be 11 or 12/],
    ["mobile", { mobile: "12" }, /^mobile: must be 9 to 12 digits/],
    ["email", { email: "nope" }, /^email: must be an email address/],
    ["accountNumber", { accountNumber: "12 34" }, /^accountNumber: must be 4 to 34/],
  ])("400 for a bad %s", async (_field, change, message) => {
    const res = await createSupplier({ ...SEED_SUPPLIER, ...change });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 400, message: expect.stringMatching(message) });
  });

  it("404 for a username that is no user of this partner, on both operations", async () => {
    const create = await createSupplier({ ...SEED_SUPPLIER, username: "111111111" });
    expect(create.statusCode).toBe(404);
    expect(create.json().error.message).toMatch(/^username: 111111111 is no user of this partner/);
    expect((await listSuppliers("111111111")).statusCode).toBe(404);
  });

  it("another partner never sees the sandbox partner's user or suppliers", async () => {
    await userIdOf(SEED_SUPPLIER.username);
    await createSupplier(SEED_SUPPLIER);
    const other = basic(OTHER.id, OTHER.secret);
    expect((await listSuppliers(SEED_SUPPLIER.username, other)).statusCode).toBe(404);
    // Its own user with the same mobile has its own (empty) list.
    await userIdOf(SEED_SUPPLIER.username, other);
    const own = await listSuppliers(SEED_SUPPLIER.username, other);
    expect(own.json().payload).toEqual([]);
  });

  it("an operator verifies the bank account (again is a no-op); another partner's supplier is 404", async () => {
    await userIdOf(SEED_SUPPLIER.username);
    const { id } = (await createSupplier(SEED_SUPPLIER)).json().payload;
    const operator = bearer(OPERATOR_KEY);
    const verify = (partnerId: string) =>
      h.send("POST", `/v1/partners/${partnerId}/suppliers/${id}/verify`, { reference: "penny-1" }, operator);
    const res = await verify("sandbox-partner");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, status: "Verified" });
    const head = await h.head();
    expect((await verify("sandbox-partner")).statusCode).toBe(200);
    expect(await h.head()).toBe(head);
    const listed = (await listSuppliers(SEED_SUPPLIER.username)).json().payload;
    expect(listed.find((s: { id: string }) => s.id === id).status).toBe("Verified");
    const foreign = await verify(OTHER.id);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe("supplier_not_found");
  });

  it("401 without credentials; 405 for another method", async () => {
    expect((await createSupplier(SEED_SUPPLIER, {})).statusCode).toBe(401);
    const put = await h.send("PUT", "/kredmint/account/supplier", SEED_SUPPLIER, sandboxAuth);
    expect(put.statusCode).toBe(405);
    expect(String(put.headers.allow)).toContain("POST");
  });
});
