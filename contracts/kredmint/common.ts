import { z } from "zod";
import { JsonNumberText } from "../money.ts";

// Field shapes shared by the Partner API's requests, lenient where the seed's own samples are.

/** Text fields are bounded: one past a bound is a 400 naming the field (README "Partner API", limits). */
export const KREDMINT_FIELD_MAX_CHARS = { id: 64, name: 255, url: 2048, text: 500 } as const;

/** "" is "not given" (the seed's userContext sends empty strings for what the partner does not know). */
export const notGiven = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" || value === null ? undefined : value), schema.optional());

/** A mobile number: 9 to 12 digits (the seed's samples have `798289227` and `798289227432`). */
export const mobileSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? "is required; send the user's mobile number"
        : 'must be a string of 9 to 12 digits, e.g. "9887206895"',
  })
  .regex(
    /^[0-9]{9,12}$/,
    'must be 9 to 12 digits, e.g. "9887206895"; send the mobile number without + or spaces',
  );

export const boundedText = (max: number) =>
  z.string().max(max, `is longer than ${max} characters; shorten it`);

/** An http(s) URL of at most 2048 characters. */
export const urlSchema = z
  .string()
  .max(KREDMINT_FIELD_MAX_CHARS.url, `is longer than ${KREDMINT_FIELD_MAX_CHARS.url} characters; shorten it`)
  .refine(
    (text) => /^https?:\/\/[^\s]+$/.test(text),
    "must be an http(s) URL, e.g. https://example.com/handler",
  );

/** A JSON number as the sender wrote it (exact), or a plain number. */
export const jsonNumberInput = z.union([z.number(), z.instanceof(JsonNumberText)], {
  error: "must be a JSON number; send it without quotes",
});
