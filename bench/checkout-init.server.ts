// A server for bench/checkout-init.bench.ts, run as its own process (fork) so the load generator never
// shares its event loop: `checkout <dataDir>` is the real service (startService, every role, LOG_LEVEL
// silent) on the embedded SQLite store; `zero-click <dataDir> <tokens>` is the same service with 0-click risk
// rules that approve every bench init, and `tokens` buyers tokenized before it reports its URL (bench/zero-click-tokens.ts);
// `hello` is a bare fastify JSON hello-world; `echo` a bare fastify that takes the init's POST, parses its JSON
// body and answers a small JSON reply, storing nothing (the reference the checkout/init target is set against). Sends its URL (and the tokens) over IPC and answers "cpu" with its process.cpuUsage() and "memory" with its process.memoryUsage().

import Fastify from "fastify";
import pino from "pino";
import { loadConfig } from "../services/platform/config.ts";
import { composeService, startService } from "../services/runtime/compose.ts";
import { type BenchToken, issueBenchTokens } from "./zero-click-tokens.ts";

const [kind, dataDir, tokenCount] = process.argv.slice(2);

const serviceConfig = (dir: string, env: Record<string, string> = {}) =>
  loadConfig({
    DATA_DIR: dir,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    // The Partner API's per-partner limit (600/min by default) would answer a load run with 429s.
    KREDMINT_RATE_LIMIT_MAX: "1000000000",
    ...env,
  });

/** The real service with risk rules no bench init breaks (the seed's amount, on the token's own device). */
async function zeroClickService(dir: string, count: number): Promise<{ url: string; tokens: BenchToken[] }> {
  const config = serviceConfig(dir, {
    ZERO_CLICK_MAX_AMOUNT: "1000000000",
    ZERO_CLICK_MAX_CHECKOUTS: "1000000000",
    ZERO_CLICK_WINDOW_SECONDS: "86400",
  });
  const service = await composeService(config, pino({ level: "silent" }));
  const url = await service.app.listen({ port: 0, host: "127.0.0.1" });
  // checkout_url is built on the address listened on, so the tokenizing checkouts come after listen.
  service.setPublicBaseUrl(url);
  return { url, tokens: await issueBenchTokens(service, config.SANDBOX_SERVER_KEY, count) };
}

async function listen(): Promise<{ url: string; tokens?: BenchToken[] }> {
  if (kind === "hello") {
    const app = Fastify({ logger: false });
    app.get("/", async () => ({ hello: "world" }));
    return { url: await app.listen({ port: 0, host: "127.0.0.1" }) };
  }
  if (kind === "echo") {
    const app = Fastify({ logger: false });
    app.post("/kredivo/checkout/init", async (request) => ({
      status: 1,
      fields: Object.keys(request.body ?? {}).length,
    }));
    return { url: await app.listen({ port: 0, host: "127.0.0.1" }) };
  }
  if (kind === "checkout" && dataDir) {
    return { url: (await startService(serviceConfig(dataDir), pino({ level: "silent" }))).url };
  }
  if (kind === "zero-click" && dataDir && Number(tokenCount) > 0) {
    return zeroClickService(dataDir, Number(tokenCount));
  }
  throw new Error(
    `usage: checkout-init.server.ts hello | echo | checkout <dataDir> | zero-click <dataDir> <tokens>; got ${process.argv.slice(2)}`,
  );
}

process.send?.(await listen());
// CPU this process has used so far (µs), so the bench can report CPU per request whatever else runs; its
// memory (RSS, V8 heap, buffers; bytes) for bench/memory.bench.ts.
process.on("message", (message) => {
  if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
  if (message === "memory") process.send?.(process.memoryUsage());
});
// The bench ends this process with SIGTERM (clean, so a --cpu-prof profile is written) or SIGKILL.
process.on("SIGTERM", () => process.exit(0));
process.on("disconnect", () => process.exit(0));
