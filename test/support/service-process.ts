import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Starts `services/main.ts` as its own process, as `npm start` does, and waits until it listens. */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["services/main.ts"], {
    env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "listening") resolve(String(entry.url));
      } catch {
        logs.push({ raw: line });
      }
    });
    child.stderr!.on("data", (chunk) => logs.push({ stderr: String(chunk) }));
    void exited.then((code) => reject(new Error(`service exited with ${code}: ${JSON.stringify(logs)}`)));
    setTimeout(() => reject(new Error("service did not start within 20 s")), 20_000).unref();
  });
  return { child, url, logs, exited };
}

/** kill -9: no shutdown hook, no flush, no drain. Resolves once the process is gone. */
export async function killHard(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGKILL");
  await service.exited;
}
