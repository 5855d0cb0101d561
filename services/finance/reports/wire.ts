import { z } from "zod";

// What the finance reports share on the wire: amounts as decimal strings, instants as ISO 8601.

export const amount = z.string().describe("decimal string in the currency's major units (VND has none)");

export const isoTime = z.iso.datetime({ offset: true });
