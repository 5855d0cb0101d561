import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const SECRET_STORE_KEY = randomBytes(32).toString("base64");

describe("configuration", () => {
  it("defaults to the embedded service on loopback", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: "127.0.0.1", DATA_DIR: "./data", LOG_LEVEL: "info" });
    expect(config.eventStorePath).toMatch(/data\/ledger\.db$/);
    expect(config).toMatchObject({ EVENT_STORE: "sqlite", READ_STORE: "sqlite", KAFKA_BROKERS: [] });
  });

  it("reads the production shape", () => {
    const config = loadConfig({
      EVENT_STORE: "postgres",
      READ_STORE: "postgres",
      DATABASE_URL: "postgres://ledger@db:5432/ledger",
      KAFKA_BROKERS: "kafka-1:9092, kafka-2:9092",
      API_KEYS: "operator-key-0123456789:operator|finance",
    });
    expect(config.KAFKA_BROKERS).toEqual(["kafka-1:9092", "kafka-2:9092"]);
    expect(config.API_KEYS).toEqual([{ key: "operator-key-0123456789", roles: ["operator", "finance"] }]);
  });

  it("reads the test seam, off by default", () => {
    expect(loadConfig({}).FAULT_KILL_AFTER_APPEND).toEqual([]);
    expect(loadConfig({ IDEMPOTENCY_LEASE_MS: "1000" }).IDEMPOTENCY_LEASE_MS).toBe(1000);
    const seam = "POST /v1/payouts/run, POST /kredivo/transaction/cancel";
    expect(loadConfig({ FAULT_KILL_AFTER_APPEND: seam, NODE_ENV: "test" }).FAULT_KILL_AFTER_APPEND).toEqual([
      "POST /v1/payouts/run",
      "POST /kredivo/transaction/cancel",
    ]);
    expect(
      loadConfig({ FAULT_KILL_AFTER_APPEND: "", NODE_ENV: "production", SECRET_STORE_KEY })
        .FAULT_KILL_AFTER_APPEND,
    ).toEqual([]);
  });

  it("reads the secret store's keys: none outside production (the development key), the old ones for reading", () => {
    expect(loadConfig({}).SECRET_STORE_KEY).toBeUndefined();
    const old = randomBytes(32).toString("base64");
    const config = loadConfig({ SECRET_STORE_KEY, SECRET_STORE_OLD_KEYS: ` ${old}, ` });
    expect(config.SECRET_STORE_KEY?.toString("base64")).toBe(SECRET_STORE_KEY);
    expect(config.SECRET_STORE_OLD_KEYS.map((k) => k.toString("base64"))).toEqual([old]);
  });

  it.each([
    ["SECRET_STORE_KEY", { NODE_ENV: "production" }],
    ["SECRET_STORE_KEY", { SECRET_STORE_KEY: randomBytes(16).toString("base64") }],
    ["SECRET_STORE_OLD_KEYS", { SECRET_STORE_OLD_KEYS: "not-base64-of-32-bytes" }],
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["READY_MAX_LAG", { READY_MAX_LAG: "-1" }],
    ["EVENT_STORE", { EVENT_STORE: "mysql" }],
    ["DATABASE_URL", { EVENT_STORE: "postgres" }],
    ["DATABASE_URL", { READ_STORE: "postgres", DATABASE_URL: "mysql://x" }],
    ["ESDB_URL", { EVENT_STORE: "esdb" }],
    ["INTEREST_RATES_BPS", { INTEREST_RATES_BPS: "1:0,3:x" }],
    ["API_KEYS", { API_KEYS: "short:operator" }],
    ["IDEMPOTENCY_LEASE_MS", { IDEMPOTENCY_LEASE_MS: "10" }],
    ["FAULT_KILL_AFTER_APPEND", { FAULT_KILL_AFTER_APPEND: "/v1/payouts/run" }],
    ["FAULT_KILL_AFTER_APPEND", { FAULT_KILL_AFTER_APPEND: "POST /v1/payouts/run", NODE_ENV: "production" }],
  ])("names the bad variable %s", (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^invalid configuration: ${name}: `));
  });
});
