import { z } from "zod";
import type { EventEnvelope } from "./envelope.ts";
import { createUpcaster, type Upcaster } from "./upcast.ts";

/**
 * Each stream kind declares its events once, as zod schemas of their stored data. The codec turns a
 * domain event into what the log stores (JSON, amounts as decimal strings of minor units) and back,
 * and refuses a stored event it does not know — that is a bug or a missing upcaster, never skipped.
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
  readonly schemaVersion: number;
  readonly data: z.ZodType;
}

export type DomainEvents<Defs extends Record<string, EventDefinition>> = {
  [K in keyof Defs & string]: { readonly type: K; readonly data: z.output<Defs[K]["data"]> };
}[keyof Defs & string];

export interface EventCodec<E extends { type: string }> {
  encode(event: E): { type: string; schemaVersion: number; data: unknown };
  decode(envelope: Pick<EventEnvelope, "type" | "schemaVersion" | "data">): E;
}

/**
 * `upcasters` lift the stored older versions of these events to the current ones before they are decoded
 * (old versions are upcast on read, never rewritten in the log), so every reader of the stream sees one shape.
 */
export function eventCodec<Defs extends Record<string, EventDefinition>>(
  defs: Defs,
  upcasters: readonly Upcaster[] = [],
): EventCodec<DomainEvents<Defs>> {
  const upcast = createUpcaster(upcasters);
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
    decode(stored) {
      const envelope = upcast(stored);
      const def = lookup(envelope.type);
      if (envelope.schemaVersion !== def.schemaVersion) {
        throw new Error(
          `${envelope.type} v${envelope.schemaVersion} needs an upcaster to v${def.schemaVersion}`,
        );
      }
      return { type: envelope.type, data: z.decode(def.data, envelope.data) } as DomainEvents<Defs>;
    },
  };
}
