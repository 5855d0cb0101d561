import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";

export interface ReadinessReport {
  ready: boolean;
  store: { open: boolean; head: string | null; error?: string };
  projections: { name: string; status: string; position: string; lag: string; error: string | null }[];
}

export type Readiness = () => Promise<ReadinessReport>;

/** Ready when the store answers and every projection runs within `maxLag` positions of the log head. */
export function readiness(store: EventStore, readStore: ReadStore | undefined, maxLag: number): Readiness {
  return async () => {
    let head: string;
    try {
      head = await store.headPosition();
    } catch (error) {
      return { ready: false, store: { open: false, head: null, error: String(error) }, projections: [] };
    }
    const states = readStore ? await readStore.projectionStates() : [];
    const projections = states.map((s) => ({
      name: s.name,
      status: s.status,
      position: s.position,
      lag: (BigInt(head) - BigInt(s.position)).toString(),
      error: s.error,
    }));
    const ready = projections.every((p) => p.status === "running" && BigInt(p.lag) <= BigInt(maxLag));
    return { ready, store: { open: true, head }, projections };
  };
}
