import { resolve } from "node:path";
import { z } from "zod";
import { isTenure, TENURES, type Tenure } from "../../contracts/checkout/common.ts";
import { DEALER_CODE_PATTERN } from "../../contracts/v1/dealers.ts";

/** An optional variable set to "" (as a compose file must set every variable) is unset. */
function unsetWhenEmpty<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

/** Every variable the service reads, validated once at start (README "Configuration"). */
const configSchema = z.object({
  /** Where the event log lives: the embedded SQLite file, PostgreSQL, or EventStoreDB. */
  EVENT_STORE: z.enum(["sqlite", "postgres", "esdb"]).default("sqlite"),
  /** Where read models live: the embedded SQLite file or PostgreSQL. */
  READ_STORE: z.enum(["sqlite", "postgres"]).default("sqlite"),
  /** Where uploaded files live: files under DATA_DIR/blobs, or PostgreSQL (DATABASE_URL, DATABASE_SCHEMA). */
  BLOB_STORE: z.enum(["filesystem", "postgres"]).default("filesystem"),
  /** PostgreSQL for EVENT_STORE=postgres and/or READ_STORE=postgres (and BLOB_STORE=postgres). */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** PostgreSQL schema holding the ledger's tables. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .default("ledger"),
  /** EventStoreDB connection string for EVENT_STORE=esdb, e.g. esdb://eventstore:2113?tls=false. */
  ESDB_URL: z.string().startsWith("esdb").optional(),
  /** Comma-separated Kafka bootstrap brokers; set to run the publisher. */
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((text) =>
      text
        ? text
            .split(",")
            .map((b) => b.trim())
            .filter(Boolean)
        : [],
    ),
  /** Topics are `<prefix>.<kind>.v1`: `payments` in production; another prefix keeps environments (or test runs) apart on one cluster. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
    .default("payments"),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).default(6),
  KAFKA_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(7 * 24 * 3600 * 1000),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Projections further behind the log head than this many positions make /readyz answer 503. */
  READY_MAX_LAG: z.coerce.number().int().min(0).default(10_000),
  /** How long a graceful shutdown waits for in-flight requests before closing anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Base of the hosted checkout_url; defaults to the address the service listens on. */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** A pending checkout the merchant does not confirm within this many seconds fails (seed: 30). */
  CONFIRM_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(30),
  /** A checkout the buyer does not approve within this many seconds expires. */
  CHECKOUT_EXPIRY_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** How often the durable timers (confirmation timeout, expiry) are checked against the read model. */
  TIMER_SWEEP_MS: z.coerce.number().int().min(10).default(1000),
  /** The sandbox merchant's server_key (seeded at start). */
  SANDBOX_SERVER_KEY: z.string().min(16).default("sandbox-server-key-9f2c4e1a7b3d"),
  /** The sandbox merchant's dealers for offline checkouts (seeded at start): the seed's own codes. */
  SANDBOX_DEALER_CODES: z
    .string()
    .default("SF241290,STORE123123")
    .transform((text, ctx) => parseDealerCodes(text, ctx)),
  /** Partner API (/kredmint): the sandbox partner seeded at start (README "Partner API"). */
  SANDBOX_PARTNER_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default("sandbox-partner"),
  SANDBOX_PARTNER_SECRET: z.string().min(16).default("sandbox-partner-secret-5e8a1c"),
  SANDBOX_PARTNER_CLIENT_TOKEN: z.string().min(16).default("sandbox-client-token-3b7d90"),
  SANDBOX_PARTNER_WEBHOOK_URL: unsetWhenEmpty(z.url({ protocol: /^https?$/ })),
  /** `user:password`, sent as Basic on the sandbox partner's webhooks. */
  SANDBOX_PARTNER_WEBHOOK_AUTH: unsetWhenEmpty(z.string().regex(/^[^:]+:.*$/, "expected user:password")),
  /** The sandbox partner's disbursals move themselves to Paid this long after the user confirms; unset: off. */
  SANDBOX_AUTO_PROGRESS_SECONDS: unsetWhenEmpty(z.coerce.number().int().min(0).max(86_400)),
  /** Partner API requests one partner may make per KREDMINT_RATE_LIMIT_WINDOW_MS; past it, 429 with Retry-After. */
  KREDMINT_RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(600),
  KREDMINT_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Failed authentications (server_key, Partner API Basic credentials, /v1 API key) one address (or one
   * partner id, from addresses that failed too) may make per AUTH_FAILURE_WINDOW_MS; past it, 429 with
   * Retry-After until the window ends.
   */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).default(20),
  AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).default(300_000),
  /** Signs the eligibility banner's landingUrl; unset, a random one per process (links die with a restart). */
  KREDMINT_LINK_SECRET: unsetWhenEmpty(z.string().min(16)),
  /** Signs the finance page's session cookie; unset: a random secret per process (sign in again after a restart). */
  FINANCE_PAGE_SECRET: unsetWhenEmpty(z.string().min(16)),
  /** How long a landingUrl stays valid. */
  KREDMINT_LINK_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  /** The largest financial data file the Partner API takes (bytes). */
  KREDMINT_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  /** Monthly interest per tenure in basis points, e.g. `1:0,3:295,6:295,12:295`. */
  INTEREST_RATES_BPS: z
    .string()
    .default("1:0,3:295,6:295,12:295")
    .transform((text, ctx) => parseRates(text, ctx)),
  /**
   * 0-click risk rules (seed "0-click Checkout": "our security system flags a transaction as suspicious"):
   * a 0-click checkout above this amount (whole VND), …
   */
  ZERO_CLICK_MAX_AMOUNT: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(10_000_000),
  /** … or from a device_id not seen before for its token, or after this many 0-click checkouts … */
  ZERO_CLICK_MAX_CHECKOUTS: z.coerce.number().int().min(0).default(5),
  /** … of one token within this many seconds, is sent to an OTP challenge instead of approved at once. */
  ZERO_CLICK_WINDOW_SECONDS: z.coerce.number().int().min(1).default(86_400),
  /** Push notifications: cap of the first retry's delay (doubling after), of any delay, attempts, give-up span. */
  NOTIFY_FIRST_RETRY_MS: z.coerce.number().int().min(1).default(10_000),
  NOTIFY_MAX_RETRY_MS: z.coerce.number().int().min(1).default(3_600_000),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(200),
  NOTIFY_GIVE_UP_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(3 * 24 * 3_600_000),
  /** Per-attempt timeout of a push, connection to last byte. */
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  /**
   * An Idempotency-Key held by a request whose process died (it stops renewing its lease) is taken over by
   * the next retry after this long; until then the retry is told the first request is still in progress.
   */
  IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * Test seam (test/faults/): `METHOD /route` entries, e.g. `POST /v1/payouts/run`; a request to one of
   * them kills this process with SIGKILL right after its first append commits, before it replies. Empty
   * (off) by default; refused when NODE_ENV is production.
   */
  FAULT_KILL_AFTER_APPEND: z
    .string()
    .default("")
    .transform((text, ctx) => parseRoutes(text, ctx)),
  /** Where the hosted pages' one-time codes go: `sandbox` (the seeds' fixed codes, sent nowhere) or `http`. */
  OTP_SENDER: z.enum(["sandbox", "http"]).default("sandbox"),
  /** OTP_SENDER=http: the lender's SMS gateway, posted `{product, phone, code, expiresAt}`. */
  OTP_HTTP_URL: unsetWhenEmpty(z.url({ protocol: /^https?$/ })),
  /** OTP_SENDER=http: the Authorization header value the gateway wants, if any. */
  OTP_HTTP_AUTHORIZATION: unsetWhenEmpty(z.string().max(1024)),
  OTP_HTTP_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  OTP_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  /** At most this many codes per phone within OTP_WINDOW_SECONDS; more are not sent. */
  OTP_MAX_PER_WINDOW: z.coerce.number().int().min(1).max(100).default(5),
  OTP_WINDOW_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  /**
   * The secret store's AES-256-GCM key (base64 of 32 bytes): server keys, PINs and push secrets are sealed
   * with it (README "Secrets"). Unset: a public development key, refused when NODE_ENV is production.
   */
  SECRET_STORE_KEY: unsetWhenEmpty(z.string().transform((text, ctx) => parseSecretKey(text, ctx))),
  /** Keys SECRET_STORE_KEY replaced, comma-separated: still read until `ledger secrets rotate` re-seals with the new one. */
  SECRET_STORE_OLD_KEYS: z
    .string()
    .default("")
    .transform((text, ctx) =>
      text
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean)
        .map((k) => parseSecretKey(k, ctx)),
    ),
  /** `production` refuses the test seams above and a missing SECRET_STORE_KEY. */
  NODE_ENV: z.string().optional(),
  /** `/v1` API keys with roles: `key1:operator|finance,key2:finance`. Empty: `/v1` refuses everyone. */
  API_KEYS: z
    .string()
    .default("")
    .transform((text, ctx) => parseApiKeys(text, ctx)),
});

function parseRates(text: string, ctx: z.RefinementCtx): Record<Tenure, number> {
  const rates = new Map<Tenure, number>();
  for (const pair of text.split(",")) {
    const match = /^(\d{1,2}):(\d{1,5})$/.exec(pair.trim());
    const tenure = Number(match?.[1]);
    if (!match || !isTenure(tenure)) {
      ctx.addIssue({
        code: "custom",
        message: `expected tenure:bps pairs like 1:0,3:295, got ${JSON.stringify(pair)}`,
      });
      return z.NEVER;
    }
    rates.set(tenure, Number(match[2]));
  }
  const missing = TENURES.filter((tenure) => !rates.has(tenure));
  if (missing.length > 0) {
    ctx.addIssue({ code: "custom", message: `every tenure needs a rate; missing ${missing.join(", ")}` });
    return z.NEVER;
  }
  // Every tenure is set (checked above), so the entries are a whole Record<Tenure, number>.
  return Object.fromEntries(rates) as Record<Tenure, number>;
}

function parseSecretKey(text: string, ctx: z.RefinementCtx): Buffer {
  const key = Buffer.from(text, "base64");
  if (key.length !== 32 || key.toString("base64") !== text) {
    ctx.addIssue({
      code: "custom",
      message: "a secret store key is base64 of 32 bytes: `openssl rand -base64 32`",
    });
  }
  return key;
}

function parseDealerCodes(text: string, ctx: z.RefinementCtx): string[] {
  const codes = text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = codes.find((code) => !DEALER_CODE_PATTERN.test(code));
  if (bad !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `expected dealer codes of 1 to 100 letters, digits or . _ -, got ${JSON.stringify(bad)}`,
    });
    return z.NEVER;
  }
  return codes;
}

function parseRoutes(text: string, ctx: z.RefinementCtx): string[] {
  const routes = text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const route of routes) {
    if (!/^(GET|POST|PUT|PATCH|DELETE) \/\S*$/.test(route)) {
      ctx.addIssue({
        code: "custom",
        message: `expected METHOD /route entries like POST /v1/payouts/run, got ${JSON.stringify(route)}`,
      });
    }
  }
  return routes;
}

function parseApiKeys(text: string, ctx: z.RefinementCtx): { key: string; roles: string[] }[] {
  if (text.trim() === "") return [];
  return text.split(",").map((entry) => {
    const match = /^([A-Za-z0-9._-]{16,}):([a-z]+(\|[a-z]+)*)$/.exec(entry.trim());
    if (!match) {
      ctx.addIssue({
        code: "custom",
        message: "expected key:role|role entries; keys are at least 16 characters",
      });
      return { key: "", roles: [] };
    }
    return { key: match[1]!, roles: match[2]!.split("|") };
  });
}

export type Config = z.infer<typeof configSchema> & { readonly eventStorePath: string };

/** Every variable the service reads (the compose file must set each one for the roles that need it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(configSchema.shape);

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; a bad variable is reported by name in one line. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema
    .superRefine(requireConnections)
    .superRefine(productionSafeguards)
    .safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return { ...parsed.data, eventStorePath: resolve(parsed.data.DATA_DIR, "ledger.db") };
}

/** A store chosen by configuration needs its connection string. */
function requireConnections(config: z.infer<typeof configSchema>, ctx: z.RefinementCtx): void {
  const needsPostgres =
    config.EVENT_STORE === "postgres" || config.READ_STORE === "postgres" || config.BLOB_STORE === "postgres";
  if (needsPostgres && !config.DATABASE_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["DATABASE_URL"],
      message: "required when EVENT_STORE, READ_STORE or BLOB_STORE is postgres",
    });
  }
  if (config.OTP_SENDER === "http" && !config.OTP_HTTP_URL) {
    ctx.addIssue({ code: "custom", path: ["OTP_HTTP_URL"], message: "required when OTP_SENDER is http" });
  }
  if (config.EVENT_STORE === "esdb" && !config.ESDB_URL) {
    ctx.addIssue({ code: "custom", path: ["ESDB_URL"], message: "required when EVENT_STORE is esdb" });
  }
}

/**
 * A test seam in production would let one request kill the service, and the public development key would
 * protect no secret: refuse to start.
 */
function productionSafeguards(config: z.infer<typeof configSchema>, ctx: z.RefinementCtx): void {
  if (config.NODE_ENV === "production" && config.FAULT_KILL_AFTER_APPEND.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["FAULT_KILL_AFTER_APPEND"],
      message: "a test seam; refused when NODE_ENV is production",
    });
  }
  if (config.NODE_ENV === "production" && config.SECRET_STORE_KEY === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["SECRET_STORE_KEY"],
      message:
        "required when NODE_ENV is production (the development key is public): `openssl rand -base64 32`",
    });
  }
}
