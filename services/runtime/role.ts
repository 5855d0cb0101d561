import type { Logger } from "pino";
import type { HttpMount } from "../http/app.ts";
import type { Config } from "../platform/config.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { MetricsRegistry } from "../platform/metrics.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { SecretStore } from "../platform/secrets/port.ts";

export const ROLES = ["all", "gateway", "projector", "publisher", "notifier"] as const;
export type Role = (typeof ROLES)[number];

/** What every role's composition gets: the opened stores and the process's settings. */
export interface RoleContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Credentials and keys, outside the log (README "Secrets"). */
  readonly secrets: SecretStore;
  /** The clock of the use cases (business time of commands). */
  readonly now: () => Date;
  /** This process's metrics (GET /metrics): each role adds the metrics of what it runs. */
  readonly metrics: MetricsRegistry;
}

/** What a role adds to the process: routes for the shell and work to stop, in reverse order, at shutdown. */
export interface Started {
  readonly mounts: readonly HttpMount[];
  readonly stops: readonly (() => Promise<void>)[];
}
