import { createHash, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../../services/platform/blobstore/port.ts";

/** One behaviour for every blob store (filesystem embedded, PostgreSQL production). */
export interface BlobStoreFixture {
  open(): Promise<BlobStore>;
  dispose(): Promise<void>;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

export function testBlobStore(adapter: string, makeFixture: () => Promise<BlobStoreFixture>): void {
  describe(`blob store conformance: ${adapter}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
    });
    afterEach(async () => {
      await store.close();
      await fixture.dispose();
    });

    it("stores bytes under their SHA-256 and gives them back unchanged", async () => {
      const bytes = Buffer.from("month,revenue\n2024-01,150000.00\n");
      const stored = await store.put(bytes);
      expect(stored).toEqual({ sha256: sha256(bytes), sizeBytes: bytes.length });
      expect(await store.get(stored.sha256)).toEqual(bytes);
    });

    it("the same bytes again are the same blob (a no-op)", async () => {
      const bytes = randomBytes(1024);
      const first = await store.put(bytes);
      const second = await store.put(Buffer.from(bytes));
      expect(second).toEqual(first);
      expect(await store.get(first.sha256)).toEqual(bytes);
    });

    it("keeps binary content and empty blobs exactly", async () => {
      const binary = Buffer.from([0, 255, 10, 13, 0, 128]);
      const empty = Buffer.alloc(0);
      const [a, b] = await Promise.all([store.put(binary), store.put(empty)]);
      expect(await store.get(a.sha256)).toEqual(binary);
      expect(await store.get(b.sha256)).toEqual(empty);
    });

    it("an address nothing was stored under has no blob", async () => {
      expect(await store.get(sha256(Buffer.from("never stored")))).toBeUndefined();
    });

    it("a text that is no address names no blob (never a path or a query)", async () => {
      for (const text of ["../../etc/passwd", "", "ABC", `${"0".repeat(63)}g`, "' OR 1=1 --"]) {
        expect(await store.get(text)).toBeUndefined();
      }
    });

    it("what one handle stored, another reads (a restart, another replica)", async () => {
      const bytes = Buffer.from('{"monthlyRevenue":[]}');
      const { sha256: address } = await store.put(bytes);
      const other = await fixture.open();
      try {
        expect(await other.get(address)).toEqual(bytes);
      } finally {
        await other.close();
      }
    });

    it("racing puts of the same bytes both succeed", async () => {
      const bytes = randomBytes(4096);
      const results = await Promise.all(Array.from({ length: 5 }, () => store.put(bytes)));
      expect(new Set(results.map((r) => r.sha256)).size).toBe(1);
      expect(await store.get(sha256(bytes))).toEqual(bytes);
    });
  });
}
