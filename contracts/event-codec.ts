import { z } from "zod";
import type { EventEnvelope } from "./envelope.ts";

/**
 * Each stream kind declares its events once, as zod schemas of their stored data. The codec turns a
 * domain event into what the log stores (JSON, amounts as decimal strings of minor units) and back,
 * and refuses a stored event it does not know — that is a bug or a missing upcaster, never skipped.
 * Old versions are upcast on read, never rewritten in the log (DESIGN.md "Events").
 */
export const minorUnits = z.codec(
  z.string().regex(/^-?(0|[1-9][0-9]*)$/, "minor_units_must_be_an_integer_string"),
  z.bigint(),
  {
    decode: (text) => BigInt(text),
    encode: (value) => value.toString(),
  },
);

export interface EventDefinition {
  /** The version this code writes; stored events of older versions are upcast to it on read. */
  readonly schemaVersion: number;
  readonly data: z.ZodType;
  /**
   * `upcast[v]` lifts the stored data of version v to version v + 1, for every v below schemaVersion that
   * the log may hold. Pure and deterministic, so every replay reads an old event the same way.
   */
  readonly upcast?: Readonly<Record<number, (data: unknown) => unknown>>;
}

export type DomainEvents<Defs extends Record<string, EventDefinition>> = {
  [K in keyof Defs & string]: { readonly type: K; readonly data: z.output<Defs[K]["data"]> };
}[keyof Defs & string];

/** The data of one event type of a union: `EventData<CheckoutEvent, "Settled">`. */
export type EventData<E extends { type: string; data: unknown }, Type extends E["type"]> = Extract<
  E,
  { type: Type }
>["data"];

export interface EventCodec<E extends { type: string }> {
  encode(event: E): { type: string; schemaVersion: number; data: unknown };
  decode(envelope: Pick<EventEnvelope, "type" | "schemaVersion" | "data">): E;
}

export function eventCodec<Defs extends Record<string, EventDefinition>>(
  defs: Defs,
): EventCodec<DomainEvents<Defs>> {
  const lookup = (type: string): EventDefinition => {
    const def = defs[type];
    if (!def) throw new Error(`unknown event type ${type}`);
    return def;
  };
  return {
    encode(event) {
      const def = lookup(event.type);
      return { type: event.type, schemaVersion: def.schemaVersion, data: z.encode(def.data, event.data) };
    },
    decode(envelope) {
      const def = lookup(envelope.type);
      const data = upcastData(envelope.type, envelope.schemaVersion, envelope.data, def);
      return { type: envelope.type, data: z.decode(def.data, data) } as DomainEvents<Defs>;
    },
  };
}

function upcastData(type: string, storedVersion: number, stored: unknown, def: EventDefinition): unknown {
  if (storedVersion > def.schemaVersion) {
    throw new Error(`${type} v${storedVersion} is newer than v${def.schemaVersion}: no upcaster reads it`);
  }
  let data = stored;
  for (let version = storedVersion; version < def.schemaVersion; version++) {
    const step = def.upcast?.[version];
    if (!step) throw new Error(`${type} v${version} needs an upcaster to v${version + 1}`);
    data = step(data);
  }
  return data;
}
