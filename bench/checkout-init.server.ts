// A server for bench/checkout-init.bench.ts, run as its own process (fork) so the load generator never
// shares its event loop: `checkout <dataDir>` is the real service (startService, every role, LOG_LEVEL
// silent) on the embedded SQLite store; `hello` is a bare fastify JSON hello-world. Sends its URL over IPC and
// answers "cpu" with its process.cpuUsage() and "memory" with its process.memoryUsage().

import Fastify from "fastify";
import pino from "pino";
import { loadConfig } from "../services/platform/config.ts";
import { startService } from "../services/runtime/compose.ts";

const [kind, dataDir] = process.argv.slice(2);

async function listen(): Promise<string> {
  if (kind === "hello") {
    const app = Fastify({ logger: false });
    app.get("/", async () => ({ hello: "world" }));
    return app.listen({ port: 0, host: "127.0.0.1" });
  }
  if (kind === "checkout" && dataDir) {
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      // The Partner API's per-partner limit (600/min by default) would answer a load run with 429s.
      KREDMINT_RATE_LIMIT_MAX: "1000000000",
    });
    return (await startService(config, pino({ level: "silent" }))).url;
  }
  throw new Error(`usage: checkout-init.server.ts hello | checkout <dataDir>; got ${process.argv.slice(2)}`);
}

const url = await listen();
process.send?.({ url });
// CPU this process has used so far (µs), so the bench can report CPU per request whatever else runs; its
// memory (RSS, V8 heap, buffers; bytes) for bench/memory.bench.ts.
process.on("message", (message) => {
  if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
  if (message === "memory") process.send?.(process.memoryUsage());
});
// The bench ends this process with SIGTERM (clean, so a --cpu-prof profile is written) or SIGKILL.
process.on("SIGTERM", () => process.exit(0));
process.on("disconnect", () => process.exit(0));
