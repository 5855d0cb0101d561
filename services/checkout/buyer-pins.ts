import { randomUUID } from "node:crypto";
import type { ReadStore } from "../platform/readstore/port.ts";
import { hashSecret, verifySecret } from "./credentials.ts";

// The PINs buyers set through their links, outside the log (DESIGN.md "HTTP": PIN material lives in a
// secret store, events carry references): a plain table beside the read models, made on first use, holding
// each PIN's scrypt hash under a random reference. PinSet records the reference only, so the log holds
// nothing a 6-digit PIN could be brute-forced from. A reference no event names (a crash between the two
// writes) is never read.
const TABLE = `CREATE TABLE IF NOT EXISTS buyer_pins (
  pin_ref TEXT PRIMARY KEY, pin_hash TEXT NOT NULL, stored_at TEXT NOT NULL)`;

export type BuyerPins = ReturnType<typeof buyerPins>;

export function buyerPins(readStore: ReadStore, now: () => Date) {
  let ready: Promise<unknown> | undefined;
  const table = () => {
    ready ??= readStore.query(TABLE);
    return ready;
  };
  return {
    /** Stores the PIN's hash and answers the reference an event may carry. */
    async store(pin: string): Promise<string> {
      await table();
      const pinRef = randomUUID();
      await readStore.query("INSERT INTO buyer_pins (pin_ref, pin_hash, stored_at) VALUES (?, ?, ?)", [
        pinRef,
        hashSecret(pin),
        now().toISOString(),
      ]);
      return pinRef;
    },

    async matches(pinRef: string, pin: string): Promise<boolean> {
      await table();
      const [row] = await readStore.query("SELECT pin_hash FROM buyer_pins WHERE pin_ref = ?", [pinRef]);
      return row !== undefined && verifySecret(pin, String(row.pin_hash));
    },
  };
}
