import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

// The service as its own process (`services/main.ts`, as `npm start` runs it, Node from process.execPath),
// for tests that kill it, restart it or run each role apart.

export const ROOT = resolve(import.meta.dirname, "../..");

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines (stdout), `{ stderr }` chunks, `{ raw }` for anything else. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves with the listening URL once the process logs "listening". */
  readonly listening: Promise<string>;
  /** The listening URL; throws before the process listens. */
  readonly url: string;
  readonly alive: boolean;
}

/**
 * Spawns `services/main.ts <args>` with `env` over this process's environment, listening on a free port of
 * 127.0.0.1. Does not wait for it to listen: `await service.listening` does. `name` says which in errors.
 */
export function spawnService(env: Record<string, string>, args: readonly string[] = [], name = "service") {
  const child = spawn(process.execPath, ["services/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = once(child, "exit").then(([code]) => code as number | null);
  let url: string | undefined;
  const listening = new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { raw: line };
      }
      logs.push(entry);
      if (entry.msg === "listening") {
        url = String(entry.url);
        done(url);
      }
    });
    child.stderr!.on("data", (chunk) => logs.push({ stderr: String(chunk) }));
    void exited.then((code) =>
      fail(new Error(`${name} exited with ${code} before listening: ${JSON.stringify(logs).slice(0, 4000)}`)),
    );
  });
  listening.catch(() => {}); // observed by whoever awaits it
  const service: ServiceProcess = {
    child,
    logs,
    exited,
    listening,
    get url() {
      if (url === undefined) throw new Error(`${name} is not listening`);
      return url;
    },
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
  };
  return service;
}

/** Waits (bounded) until a spawned service listens; kills it if it does not. */
export async function untilListening<P extends ServiceProcess>(
  service: P,
  timeoutMs: number,
  name = "service",
): Promise<P> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      service.listening,
      new Promise((_, fail) => {
        timer = setTimeout(() => fail(new Error(`${name} did not listen within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    await killHard(service);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return service;
}

/** Starts the service (every role) as `npm start` does and waits until it listens. */
export function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  return untilListening(spawnService(env), 20_000);
}

/** kill -9: no shutdown hook, no flush, no drain. Resolves once the process is gone. */
export async function killHard(service: ServiceProcess): Promise<void> {
  if (service.alive) service.child.kill("SIGKILL");
  await service.exited;
}

/** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. Resolves with the exit code. */
export async function stopService(service: ServiceProcess, timeoutMs = 15_000): Promise<number | null> {
  if (!service.alive) return service.exited;
  service.child.kill("SIGTERM");
  const timer = setTimeout(() => service.child.kill("SIGKILL"), timeoutMs);
  try {
    return await service.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A port of 127.0.0.1 free now: a service told its address before it listens, or restarted where it was. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/** Gathers a child's stdout and stderr as they come, in arrival order; read it once the child has closed. */
export function combinedOutput(child: ChildProcess): () => string {
  let output = "";
  const gather = (chunk: unknown) => {
    output += String(chunk);
  };
  child.stdout?.on("data", gather);
  child.stderr?.on("data", gather);
  return () => output;
}
