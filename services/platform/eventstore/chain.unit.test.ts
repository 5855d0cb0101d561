import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalEncoding, chainHash, GENESIS_HASH, verifyChain } from "./chain.ts";

const fields = {
  eventId: "01900000-0000-7000-8000-000000000001",
  streamId: "checkout-t1",
  revision: 0,
  type: "Initiated",
  schemaVersion: 1,
  occurredAt: "2026-11-27T00:00:00.000Z",
  recordedAt: "2026-11-27T00:00:01.000Z",
  correlationId: "corr",
  causationId: "cause",
  tenantId: "tenant",
  actor: "merchant:m1",
};

describe("the hash chain's encoding (docs/audit.md)", () => {
  it("is the fields as a JSON array in the documented order, a line feed, then the data's stored text", () => {
    expect(canonicalEncoding(fields, '{"amountMinor":"100"}')).toBe(
      '["01900000-0000-7000-8000-000000000001","checkout-t1",0,"Initiated",1,"2026-11-27T00:00:00.000Z",' +
        '"2026-11-27T00:00:01.000Z","corr","cause","tenant","merchant:m1"]\n{"amountMinor":"100"}',
    );
  });

  it("hashes sha256 over the predecessor's hex hash, a line feed and the encoding", () => {
    const expected = createHash("sha256")
      .update(`${GENESIS_HASH}\n${canonicalEncoding(fields, "{}")}`)
      .digest("hex");
    expect(chainHash(GENESIS_HASH, fields, "{}")).toBe(expected);
    expect(GENESIS_HASH).toBe("0".repeat(64));
  });
});

describe("verifyChain", () => {
  const link = (position: string, previous: string, dataJson: string) => ({
    ...fields,
    position,
    dataJson,
    hash: chainHash(previous, fields, dataJson),
  });
  async function* pages(...links: ReturnType<typeof link>[]) {
    yield links;
  }

  it("when every link chains: ok, with the head and the count", async () => {
    const first = link("1", GENESIS_HASH, "1");
    const second = link("3", first.hash, "2");
    expect(await verifyChain(pages(first, second))).toEqual({
      ok: true,
      head: { position: "3", hash: second.hash },
      events: 2,
    });
  });

  it("when a link does not chain: the first bad position", async () => {
    const first = link("1", GENESIS_HASH, "1");
    const second = link("2", first.hash, "2");
    const verdict = await verifyChain(pages({ ...first, dataJson: "9" }, second));
    expect(verdict).toMatchObject({ ok: false, broken: { position: "1" }, events: 0 });
  });

  it("when positions go backwards: the first out of order", async () => {
    const first = link("2", GENESIS_HASH, "1");
    const second = link("1", first.hash, "2");
    expect(await verifyChain(pages(first, second))).toMatchObject({ ok: false, broken: { position: "1" } });
  });
});
