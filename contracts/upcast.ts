import type { EventEnvelope } from "./envelope.ts";

// Old event versions are upcast on read, never rewritten in the log (DESIGN.md "Events").
// An upcaster lifts one (type, schemaVersion) to the next version; chains run until no upcaster applies.
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  readonly upcast: (data: unknown) => unknown;
}

/** The part of an envelope an upcaster reads and rewrites; the rest of the envelope passes through. */
type Versioned = Pick<EventEnvelope, "type" | "schemaVersion" | "data">;

export function createUpcaster(upcasters: readonly Upcaster[]): <E extends Versioned>(event: E) => E {
  const byKey = new Map<string, Upcaster>();
  for (const u of upcasters) {
    const key = `${u.type}@${u.fromVersion}`;
    if (byKey.has(key)) throw new Error(`duplicate upcaster for ${key}`);
    byKey.set(key, u);
  }
  return <E extends Versioned>(event: E): E => {
    let current = event;
    for (let step = byKey.get(`${current.type}@${current.schemaVersion}`); step; ) {
      current = { ...current, schemaVersion: current.schemaVersion + 1, data: step.upcast(current.data) };
      step = byKey.get(`${current.type}@${current.schemaVersion}`);
    }
    return current;
  };
}
