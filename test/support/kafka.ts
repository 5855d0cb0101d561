// Finds or starts a Kafka broker for integration and fault tests.
//
// Order: KAFKA_BROKERS (comma list) → a Docker engine, if one answers, with @testcontainers/kafka
// → the local broker built from Apache Kafka's own jars (deploy/kafka/start.sh, KRaft, 127.0.0.1).
//
// The local broker is shared: start.sh reuses whatever already answers on the port, and the
// `stop` that kafkaBrokers() returns stops it only when this call started it.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { resolve } from "node:path";
import type { StartedKafkaContainer } from "@testcontainers/kafka";
import { combinedOutput } from "./service-process.ts";

export type KafkaSource = "env" | "testcontainers" | "local";

export interface KafkaBrokers {
  brokers: string[];
  source: KafkaSource;
  /** Stops what this call started (a container, or a local broker it started); absent otherwise. */
  stop?: () => Promise<void>;
}

export interface LocalBrokerOptions {
  /** PLAINTEXT port; default KAFKA_PORT or 9092. */
  port?: number;
  /** KRaft controller port; default KAFKA_CONTROLLER_PORT or port + 1. */
  controllerPort?: number;
}

export interface LocalBroker {
  brokers: string[];
  /** True when a broker already answered on the port and start.sh left it alone. */
  reused: boolean;
}

const KAFKA_DIR = resolve(import.meta.dirname, "../../deploy/kafka");
/** Image for the testcontainers path: Confluent Platform 8.0 is Apache Kafka 4.0, KRaft. */
const DEFAULT_IMAGE = "confluentinc/cp-kafka:8.0.0";
/** A cold start fetches ~45 MB of jars with Maven before the broker starts. */
const SCRIPT_TIMEOUT_MS = 5 * 60_000;
const DOCKER_PROBE_TIMEOUT_MS = 5_000;

export async function kafkaBrokers(): Promise<KafkaBrokers> {
  const fromEnv = (process.env.KAFKA_BROKERS ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "");
  if (fromEnv.length > 0) return { brokers: fromEnv, source: "env" };

  if (await dockerAnswers()) {
    try {
      return await startContainer();
    } catch (err) {
      // A Docker engine without the image and without a registry to pull it from, for one.
      console.warn(`kafka: testcontainers failed (${String(err)}); using the local broker`);
    }
  }

  const opts = localOptions();
  const { brokers, reused } = await startLocalBroker(opts);
  return reused
    ? { brokers, source: "local" }
    : { brokers, source: "local", stop: () => stopLocalBroker(opts) };
}

/** Runs deploy/kafka/start.sh: idempotent, resolves once the broker answers. */
export async function startLocalBroker(opts: LocalBrokerOptions = localOptions()): Promise<LocalBroker> {
  const port = opts.port ?? 9092;
  const out = await runScript("start.sh", opts);
  return { brokers: [`127.0.0.1:${port}`], reused: /\breusing\b/.test(out) };
}

/** Runs deploy/kafka/stop.sh: SIGTERM, then SIGKILL after 30 s; resolves once the port is closed. */
export async function stopLocalBroker(opts: LocalBrokerOptions = localOptions()): Promise<void> {
  await runScript("stop.sh", opts);
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export function portAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

function localOptions(): LocalBrokerOptions {
  const port = Number(process.env.KAFKA_PORT ?? 9092);
  const controller = process.env.KAFKA_CONTROLLER_PORT;
  return controller ? { port, controllerPort: Number(controller) } : { port };
}

function runScript(script: "start.sh" | "stop.sh", opts: LocalBrokerOptions): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.port !== undefined) env.KAFKA_PORT = String(opts.port);
  if (opts.controllerPort !== undefined) env.KAFKA_CONTROLLER_PORT = String(opts.controllerPort);
  else if (opts.port !== undefined) env.KAFKA_CONTROLLER_PORT = String(opts.port + 1);
  return new Promise((done, fail) => {
    const child = spawn("bash", [resolve(KAFKA_DIR, script)], {
      cwd: KAFKA_DIR,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = combinedOutput(child);
    const timer = setTimeout(() => child.kill("SIGTERM"), SCRIPT_TIMEOUT_MS);
    child.once("error", (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(output());
      else fail(new Error(`deploy/kafka/${script} failed (${signal ?? `exit ${code}`}):\n${output()}`));
    });
  });
}

let dockerProbe: Promise<boolean> | undefined;

/** Whether a container runtime answers, asked once per process and bounded in time. */
function dockerAnswers(): Promise<boolean> {
  dockerProbe ??= (async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const { getContainerRuntimeClient } = await import("testcontainers");
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error("timed out")), DOCKER_PROBE_TIMEOUT_MS);
        timer.unref();
      });
      await Promise.race([getContainerRuntimeClient(), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  })();
  return dockerProbe;
}

async function startContainer(): Promise<KafkaBrokers> {
  const { KafkaContainer } = await import("@testcontainers/kafka");
  const container: StartedKafkaContainer = await new KafkaContainer(
    process.env.KAFKA_IMAGE ?? DEFAULT_IMAGE,
  ).start();
  return {
    brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`],
    source: "testcontainers",
    stop: async () => {
      await container.stop();
    },
  };
}
