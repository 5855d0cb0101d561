import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { streamIdSchema } from "../../../contracts/envelope.ts";
import {
  CLAIM_EVENT_TYPE,
  claimStream,
  decodePosition,
  describeServer,
  encodePosition,
  fromEsdbCurrentRevision,
  INT64_MAX,
  isSystemRecord,
  positionAfter,
  type RecordedLike,
  revisionToNumber,
  toEnvelope,
  toEsdbExpectedRevision,
  toLedgerMetadata,
} from "./esdb-mapping.ts";
import { EventStoreError } from "./port.ts";

const at = (n: bigint) => ({ commit: n, prepare: n });

describe("esdb positions", () => {
  it("encodes a self-committed event's commit position as a decimal string, exactly", () => {
    expect(encodePosition(at(1234n))).toBe("1234");
    expect(encodePosition(at(9_007_199_254_740_993n))).toBe("9007199254740993"); // 2^53 + 1
    expect(encodePosition(at(INT64_MAX))).toBe("9223372036854775807");
  });

  it("refuses a transaction event (commit != prepare), a missing position and the server's 'no position'", () => {
    expect(() => encodePosition({ commit: 500n, prepare: 420n })).toThrow(/explicit transaction/);
    expect(() => encodePosition(undefined)).toThrow(EventStoreError);
    expect(() => encodePosition(at((1n << 64n) - 1n))).toThrow(/no valid position/);
    expect(() => encodePosition(at(-1n))).toThrow(EventStoreError);
  });

  it('decodes "0" as the start of $all and anything past a 64-bit offset as beyond the log', () => {
    expect(decodePosition("0")).toEqual({ kind: "start" });
    expect(decodePosition("9007199254740993")).toEqual({
      kind: "position",
      position: at(9_007_199_254_740_993n),
    });
    expect(decodePosition("9223372036854775807")).toEqual({ kind: "position", position: at(INT64_MAX) });
    expect(decodePosition("9223372036854775808")).toEqual({ kind: "beyond" });
    expect(decodePosition("123456789012345678901234567890")).toEqual({ kind: "beyond" });
  });

  it("round-trips every 64-bit log offset and keeps ESDB's order as integer order", () => {
    const offset = fc.bigInt({ min: 1n, max: INT64_MAX });
    fc.assert(
      fc.property(offset, (n) => {
        expect(decodePosition(encodePosition(at(n)))).toEqual({ kind: "position", position: at(n) });
      }),
    );
    fc.assert(
      fc.property(offset, offset, (a, b) => {
        expect(positionAfter(encodePosition(at(a)), encodePosition(at(b)))).toBe(a > b);
      }),
    );
    // As integers, not as strings.
    expect(positionAfter("10", "9")).toBe(true);
  });
});

describe("esdb revisions", () => {
  it("maps the port's expected revision to the client's", () => {
    expect(toEsdbExpectedRevision("any")).toBe("any");
    expect(toEsdbExpectedRevision("no_stream")).toBe("no_stream");
    expect(toEsdbExpectedRevision("stream_exists")).toBe("stream_exists");
    expect(toEsdbExpectedRevision(0)).toBe(0n);
    expect(toEsdbExpectedRevision(41)).toBe(41n);
    expect(toEsdbExpectedRevision(Number.MAX_SAFE_INTEGER)).toBe(9_007_199_254_740_991n);
  });

  it("maps WrongExpectedVersionError.actualVersion to the port's actual revision", () => {
    expect(fromEsdbCurrentRevision("no_stream")).toBe("no_stream");
    expect(fromEsdbCurrentRevision(undefined)).toBe("no_stream");
    expect(fromEsdbCurrentRevision(-1n)).toBe("no_stream");
    expect(fromEsdbCurrentRevision(0n)).toBe(0);
    expect(fromEsdbCurrentRevision(2n)).toBe(2);
  });

  it("refuses a revision the port cannot carry exactly", () => {
    expect(revisionToNumber(9_007_199_254_740_991n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => revisionToNumber(9_007_199_254_740_992n)).toThrow(EventStoreError);
    expect(() => revisionToNumber(-1n)).toThrow(EventStoreError);
  });
});

describe("esdb records", () => {
  const sent = {
    eventId: "01936b2e-7c1a-7000-8000-000000000001",
    type: "CheckoutSettled",
    schemaVersion: 2,
    occurredAt: "2026-11-27T00:00:00.000Z",
    correlationId: "corr-1",
    causationId: "cause-1",
    tenantId: "tenant-1",
    actor: "merchant:m1",
    data: { amount: "1000000", nested: [1, "two"] },
  };
  const recorded = (overrides: Partial<RecordedLike> = {}): RecordedLike => ({
    streamId: "checkout-abc",
    id: sent.eventId,
    revision: 3n,
    type: sent.type,
    created: new Date("2026-11-27T00:00:01.234Z"),
    isJson: true,
    data: sent.data,
    metadata: toLedgerMetadata(sent),
    position: at(8_000_000_000_000_123n),
    ...overrides,
  });

  it("rebuilds the envelope from id, data, metadata, revision, position and created", () => {
    expect(toEnvelope(recorded())).toEqual({
      ...sent,
      streamId: "checkout-abc",
      revision: 3,
      position: "8000000000000123",
      recordedAt: "2026-11-27T00:00:01.234Z",
    });
  });

  it("refuses a record that is not a ledger event", () => {
    expect(() => toEnvelope(recorded({ isJson: false }))).toThrow(/not a ledger event/);
    expect(() => toEnvelope(recorded({ metadata: undefined }))).toThrow(/not a ledger event/);
    expect(() => toEnvelope(recorded({ id: "not-a-uuid" }))).toThrow(/not a ledger event/);
    expect(() => toEnvelope(recorded({ position: { commit: 9n, prepare: 8n } }))).toThrow(/transaction/);
  });

  it("tells system records and event-id claims from ledger events", () => {
    expect(isSystemRecord("$stats-127.0.0.1:2113", "$statsCollected")).toBe(true);
    expect(isSystemRecord("$$checkout-abc", "$metadata")).toBe(true);
    expect(isSystemRecord("$ce-checkout", "$>")).toBe(true);
    expect(isSystemRecord(claimStream(sent.eventId), CLAIM_EVENT_TYPE)).toBe(true);
    expect(isSystemRecord("checkout-abc", "CheckoutSettled")).toBe(false);
  });

  it("names claim streams outside the ledger's stream ids", () => {
    expect(streamIdSchema.safeParse(claimStream(sent.eventId)).success).toBe(false);
    expect(CLAIM_EVENT_TYPE.startsWith("$")).toBe(true);
  });
});

describe("esdb server description", () => {
  it("names the hosts and never the credentials", () => {
    expect(describeServer("esdb://eventstore:2113?tls=false&keepAliveInterval=10000")).toBe(
      "EventStoreDB at eventstore:2113",
    );
    expect(describeServer("esdb://admin:changeit@10.0.0.1:2113,10.0.0.2:2113/?tls=true")).toBe(
      "EventStoreDB at 10.0.0.1:2113,10.0.0.2:2113",
    );
    expect(describeServer("esdb+discover://ops:s3cret@cluster.local:2113")).toBe(
      "EventStoreDB at cluster.local:2113",
    );
    expect(describeServer("nonsense")).not.toContain("nonsense");
  });
});
