import { describe, expect, it } from "vitest";
import { ANY_2XX, type Reply, STATUS_9100_REPLY, STATUS_OK_REPLY } from "./reply-rules.ts";

const NOT_OK = 'reply is not JSON with "status": "OK"';
const NOT_9100 = 'reply is not JSON with "status": 9100';
const DELIVERED = undefined;

// The same replies against every rule: DELIVERED, or the error the attempt records.
// Columns: ANY_2XX (partner webhooks), STATUS_OK_REPLY (Kredivo pushes), STATUS_9100_REPLY (tokenization).
const cases: [string, Reply, string | undefined, string | undefined, string | undefined][] = [
  [
    "200 {status: OK}",
    { status: 200, body: '{"status":"OK","message":"thanks"}' },
    DELIVERED,
    DELIVERED,
    NOT_9100,
  ],
  ["201 {status: 9100}", { status: 201, body: '{"status":9100}' }, DELIVERED, NOT_OK, DELIVERED],
  ["204 without a body", { status: 204, body: "" }, DELIVERED, NOT_OK, NOT_9100],
  ["200 {status: ok}, wrong case", { status: 200, body: '{"status":"ok"}' }, DELIVERED, NOT_OK, NOT_9100],
  ["200 {status: 9200}", { status: 200, body: '{"status":9200}' }, DELIVERED, NOT_OK, NOT_9100],
  ['200 {status: "9100"}, a string', { status: 200, body: '{"status":"9100"}' }, DELIVERED, NOT_OK, NOT_9100],
  ["200 with a JSON array", { status: 200, body: '["OK"]' }, DELIVERED, NOT_OK, NOT_9100],
  ["200 with the text OK", { status: 200, body: "OK" }, DELIVERED, NOT_OK, NOT_9100],
  ["200 with JSON null", { status: 200, body: "null" }, DELIVERED, NOT_OK, NOT_9100],
  ["301 redirect", { status: 301, body: "" }, "HTTP 301", "HTTP 301", "HTTP 301"],
  ["429 too many requests", { status: 429, body: "" }, "HTTP 429", "HTTP 429", "HTTP 429"],
  ["500 {status: OK}", { status: 500, body: '{"status":"OK"}' }, "HTTP 500", "HTTP 500", "HTTP 500"],
];

describe("reply rules", () => {
  it.each(cases)("%s", (_, reply, any2xx, statusOk, status9100) => {
    expect(ANY_2XX.refusal(reply)).toBe(any2xx);
    expect(STATUS_OK_REPLY.refusal(reply)).toBe(statusOk);
    expect(STATUS_9100_REPLY.refusal(reply)).toBe(status9100);
  });
});
