import type { EventEnvelope } from "../../contracts/envelope.ts";
import type { EventStore, Subscription } from "../platform/eventstore/port.ts";
import type { ProjectionState, ReadStore, Statement } from "../platform/readstore/port.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { withoutQueryIndexes } from "../platform/readstore/sql.ts";

export interface ProjectorLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface ProjectionRunnerOptions {
  readonly store: EventStore;
  readStore: ReadStore;
  readonly projections: readonly Projection[];
  readonly logger: ProjectorLogger;
  /** Events applied per transaction at most. */
  readonly batchSize?: number;
}

const PAGE = 1000;

/** Outcome of applying a run of events: how far it got, and the event that failed if one did. */
interface Applied {
  readonly position: string | undefined;
  /** The last batches changed nothing, so their checkpoint was not written yet (see applyEvents). */
  readonly unsaved: boolean;
  readonly failure?: { readonly event: EventEnvelope; readonly error: unknown };
}

/** How long a checkpoint that moved only past irrelevant events may stay unwritten. */
const IDLE_CHECKPOINT_MS = 1000;

/**
 * Runs projections: catch up from each one's checkpoint, then follow the log live. Events are applied in
 * batches (one transaction, checkpoint included); when a batch fails it is replayed one event at a time so
 * the checkpoint stops exactly before the failing event, which stops that projection with a visible status.
 */
export class ProjectionRunner {
  readonly #options: ProjectionRunnerOptions;
  readonly #batchSize: number;
  readonly #live = new Map<string, LiveProjection>();

  constructor(options: ProjectionRunnerOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 500;
    const names = new Set(options.projections.map((p) => p.name));
    if (names.size !== options.projections.length) throw new Error("projection names must be unique");
  }

  async start(): Promise<void> {
    for (const projection of this.#options.projections) {
      const state = await this.#options.readStore.projectionState(projection.name);
      if (state === undefined) {
        await this.#options.readStore.prepareGeneration(
          projection.name,
          1,
          projection.version,
          projection.tables,
        );
        await this.#options.readStore.promote(projection.name, 1, projection.version, projection.tables);
      } else if (state.version !== projection.version) {
        this.#options.logger.info(
          { projection: projection.name, from: state.version },
          "projection changed: rebuilding",
        );
        if (!(await this.#buildGeneration(projection, state.generation + 1))) continue;
      }
      await this.#goLive(projection);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#live.values()].map((live) => live.stop()));
    this.#live.clear();
  }

  /**
   * Rebuilds one projection from position 0 into fresh tables, then swaps them in. False if an event
   * failed: the current generation keeps serving and the projection's status says why.
   */
  async rebuild(name: string): Promise<boolean> {
    const projection = this.#options.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`unknown projection ${name}`);
    const state = await this.#options.readStore.projectionState(name);
    const generation = (state?.generation ?? 0) + 1;
    // Catch the new generation up while the current one keeps serving, then stop it for the short tail.
    if (!(await this.#catchUp(projection, generation, true))) return false;
    await this.#live.get(name)?.stop();
    this.#live.delete(name);
    const built = await this.#buildGeneration(projection, generation);
    if (built) await this.#goLive(projection);
    return built;
  }

  async states(): Promise<ProjectionState[]> {
    return this.#options.readStore.projectionStates();
  }

  /** Resolves true once every projection has applied `position` (false on timeout or failure). */
  async waitFor(position: string, timeoutMs: number): Promise<boolean> {
    const target = BigInt(position);
    const all = [...this.#live.values()].map((live) => live.reached(target, timeoutMs));
    return (await Promise.all(all)).every(Boolean);
  }

  async #buildGeneration(projection: Projection, generation: number): Promise<boolean> {
    if (!(await this.#catchUp(projection, generation, true))) return false;
    await this.#options.readStore.promote(projection.name, generation, projection.version, projection.tables);
    this.#options.logger.info(
      { projection: projection.name, generation },
      "projection rebuilt and swapped in",
    );
    return true;
  }

  /** Applies everything up to the head into one generation; false if an event failed. */
  async #catchUp(projection: Projection, generation: number, prepare: boolean): Promise<boolean> {
    const { store, readStore } = this.#options;
    // Nothing reads a generation built beside the current one before promote, which builds its query indexes.
    if (prepare)
      await readStore.prepareGeneration(
        projection.name,
        generation,
        projection.version,
        withoutQueryIndexes(projection.tables),
      );
    let after = await readStore.generationPosition(projection.name, generation);
    let unsaved = false;
    for (;;) {
      const page = await store.readAll({ after, maxCount: PAGE });
      if (page.length === 0) {
        if (unsaved) await this.saveCheckpoint(projection, generation, after);
        return true;
      }
      const applied = await this.applyEvents(projection, generation, page);
      if (applied.failure) {
        await this.#fail(projection, applied.failure.event, applied.failure.error);
        return false;
      }
      unsaved = applied.unsaved;
      after = page.at(-1)!.position;
    }
  }

  async #goLive(projection: Projection): Promise<void> {
    const state = await this.#options.readStore.projectionState(projection.name);
    if (!state) throw new Error(`projection ${projection.name} has no state after preparing it`);
    // A failed projection is retried at start: the fix for its failing event usually ships as a restart.
    if (state.status !== "running") await this.#options.readStore.setStatus(projection.name, "running", null);
    const live = new LiveProjection(this, projection, state.generation, state.position, this.#batchSize);
    this.#live.set(projection.name, live);
    live.subscribe(this.#options.store);
  }

  /** Applies events in batches of the runner's size; on a failed batch, retries one by one. */
  async applyEvents(
    projection: Projection,
    generation: number,
    events: readonly EventEnvelope[],
  ): Promise<Applied> {
    let position: string | undefined;
    let unsaved = false;
    for (let start = 0; start < events.length; start += this.#batchSize) {
      const batch = events.slice(start, start + this.#batchSize);
      try {
        const statements = projection.handleBatch?.(batch) ?? batch.flatMap((e) => projection.handle(e));
        // A batch this projection ignores changes nothing, so writing its checkpoint can wait: replaying
        // ignored events after a crash is harmless. Every batch that changes something writes its checkpoint
        // in the same transaction, so exactly-once holds where it matters.
        if (statements.length === 0) {
          position = batch.at(-1)!.position;
          unsaved = true;
          continue;
        }
        await this.#options.readStore.apply(projection.name, generation, statements, batch.at(-1)!.position);
        position = batch.at(-1)!.position;
        unsaved = false;
      } catch {
        for (const event of batch) {
          try {
            const statements: readonly Statement[] = projection.handle(event);
            await this.#options.readStore.apply(projection.name, generation, statements, event.position);
            position = event.position;
            unsaved = false;
          } catch (error) {
            return { position, unsaved, failure: { event, error } };
          }
        }
      }
    }
    return { position, unsaved };
  }

  /** Writes a checkpoint that moved past ignored events only. */
  async saveCheckpoint(projection: Projection, generation: number, position: string): Promise<void> {
    await this.#options.readStore.apply(projection.name, generation, [], position);
  }

  async #fail(projection: Projection, event: EventEnvelope, error: unknown): Promise<void> {
    const message = `event at position ${event.position} (${event.type} on ${event.streamId}): ${String(error)}`;
    this.#options.logger.error(
      { projection: projection.name, err: error, position: event.position },
      message,
    );
    await this.#options.readStore.setStatus(projection.name, "failed", message);
  }

  /** Called by a live projection whose event failed. */
  failed(projection: Projection, event: EventEnvelope, error: unknown): Promise<void> {
    return this.#fail(projection, event, error);
  }
}

/** One projection following the log live, batching whatever arrives within one turn of the event loop. */
class LiveProjection {
  readonly #runner: ProjectionRunner;
  readonly #projection: Projection;
  readonly #generation: number;
  readonly #batchSize: number;
  #position: bigint;
  #buffer: EventEnvelope[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #flushScheduled = false;
  #failed = false;
  #subscription: Subscription | undefined;
  #waiters: { target: bigint; resolve: (ok: boolean) => void }[] = [];
  /** Set while the checkpoint has moved past ignored events only; written within IDLE_CHECKPOINT_MS. */
  #idleSave: NodeJS.Timeout | undefined;

  constructor(
    runner: ProjectionRunner,
    projection: Projection,
    generation: number,
    position: string,
    batch: number,
  ) {
    this.#runner = runner;
    this.#projection = projection;
    this.#generation = generation;
    this.#position = BigInt(position);
    this.#batchSize = batch;
  }

  subscribe(store: EventStore): void {
    this.#subscription = store.subscribeToAll({
      after: this.#position.toString(),
      onEvent: async (event) => {
        if (this.#failed) return;
        this.#buffer.push(event);
        if (this.#buffer.length >= this.#batchSize) await this.#flush();
        else if (!this.#flushScheduled) {
          this.#flushScheduled = true;
          setImmediate(() => void this.#flush());
        }
      },
      onError: (error) => {
        void this.#runner.failed(this.#projection, this.#buffer[0] ?? placeholder(this.#position), error);
      },
    });
  }

  #flush(): Promise<void> {
    this.#flushScheduled = false;
    this.#flushing = this.#flushing.then(async () => {
      const events = this.#buffer;
      this.#buffer = [];
      if (events.length === 0 || this.#failed) return;
      const applied = await this.#runner.applyEvents(this.#projection, this.#generation, events);
      if (applied.position !== undefined) this.#advance(BigInt(applied.position));
      if (applied.unsaved) this.#idleSave ??= setTimeout(() => void this.#saveIdle(), IDLE_CHECKPOINT_MS);
      if (applied.failure) {
        this.#failed = true;
        void this.#subscription?.stop();
        await this.#runner.failed(this.#projection, applied.failure.event, applied.failure.error);
        for (const w of this.#waiters.splice(0)) w.resolve(false);
      }
    });
    return this.#flushing;
  }

  #saveIdle(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#idleSave === undefined) return;
      clearTimeout(this.#idleSave);
      this.#idleSave = undefined;
      await this.#runner.saveCheckpoint(this.#projection, this.#generation, this.#position.toString());
    });
    return this.#flushing;
  }

  #advance(position: bigint): void {
    this.#position = position;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.target > position) return true;
      w.resolve(true);
      return false;
    });
  }

  reached(target: bigint, timeoutMs: number): Promise<boolean> {
    if (this.#position >= target) return Promise.resolve(true);
    if (this.#failed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = { target, resolve };
      this.#waiters.push(waiter);
      setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  async stop(): Promise<void> {
    await this.#subscription?.stop();
    await this.#flush();
    await this.#saveIdle();
    for (const w of this.#waiters.splice(0)) w.resolve(false);
  }
}

function placeholder(position: bigint): EventEnvelope {
  return {
    eventId: "",
    type: "(subscription)",
    schemaVersion: 1,
    streamId: "(all)",
    revision: 0,
    position: position.toString(),
    occurredAt: "",
    recordedAt: "",
    correlationId: "",
    causationId: "",
    tenantId: "",
    actor: "",
    data: null,
  };
}
