import { z } from "zod";
import {
  boundedText,
  jsonNumberInput,
  KREDMINT_FIELD_MAX_CHARS as MAX,
  mobileSchema,
  notGiven,
  urlSchema,
} from "./common.ts";
import { envelopeSchema, jsonAmount } from "./envelope.ts";
import { invoiceNumberSchema } from "./invoice.ts";
import { PARTNER_USER_STATES } from "./states.ts";

// `POST /kredmint/user/eligibility` (seed 000 "Dynamic Status/Banner API" and "Invoice Pay by credit").

const text = notGiven(boundedText(MAX.text));

const addressSchema = z.object({
  addressLine1: text,
  addressLine2: text,
  addressLine3: text,
  state: text,
  city: text,
  pincode: text,
});

/** "Can pass user data to pre-fill user profile": every field optional, "" is not given. */
export const userContextSchema = z.object({
  fullName: notGiven(boundedText(MAX.name)),
  mobile: notGiven(mobileSchema),
  email: notGiven(boundedText(254).pipe(z.email("must be an email address, e.g. name@example.com"))),
  gender: notGiven(z.enum(["MALE", "FEMALE", "OTHER"], { error: "must be MALE, FEMALE or OTHER" })),
  gst: text,
  pancard: text,
  businessName: notGiven(boundedText(MAX.name)),
  aadharNumber: text,
  gmv: notGiven(z.object({ minInLac: notGiven(jsonNumberInput), maxInLac: notGiven(jsonNumberInput) })),
  latLong: notGiven(z.object({ latitude: notGiven(jsonNumberInput), longitude: notGiven(jsonNumberInput) })),
  anchorVintageInDays: notGiven(z.number().int().min(0).max(100_000)),
  address: notGiven(addressSchema),
  /** The seed sends the string "true"; a JSON boolean is taken too. */
  companyOwned: notGiven(
    z.union([z.boolean(), z.enum(["true", "false"])], { error: 'must be true or false (or "true"/"false")' }),
  ),
});
export type UserContext = z.infer<typeof userContextSchema>;

export const eligibilityRequestSchema = z.object({
  source: z
    .string({ error: "is required; send the source value kredmint gave you (e.g. MOS)" })
    .min(1, "is required; send the source value kredmint gave you (e.g. MOS)")
    .max(32, "is longer than 32 characters; send the source value kredmint gave you"),
  username: mobileSchema,
  page: z.enum(["profile", "payment"], { error: "must be profile or payment" }),
  failureDeepLink: notGiven(urlSchema),
  successDeepLink: notGiven(urlSchema),
  backDeepLink: notGiven(urlSchema),
  userContext: notGiven(userContextSchema),
  // Page `payment` (invoice pay by credit): accepted here, decided by the payment use case.
  invoiceNumber: notGiven(invoiceNumberSchema),
  paymentDate: notGiven(jsonNumberInput),
  amount: notGiven(jsonNumberInput),
  invoicePdf: notGiven(urlSchema),
  supplierId: notGiven(boundedText(MAX.id)),
});
export type EligibilityRequest = z.infer<typeof eligibilityRequestSchema>;

export const bannerSchema = z.object({
  show: z.boolean(),
  title: z.string(),
  subTitle: z.string(),
  logoUrl: z.string(),
  landingUrl: z
    .string()
    .describe("Our onboarding page, a signed link that expires (KREDMINT_LINK_TTL_SECONDS)"),
  landingType: z.enum(["DEFAULT", "INVOICE"]),
  availableCreditLimit: jsonAmount,
  state: z.enum(PARTNER_USER_STATES),
  creditLimit: jsonAmount,
  totalOutstanding: jsonAmount,
});
export type Banner = z.infer<typeof bannerSchema>;

export const eligibilityResponseSchema = envelopeSchema(bannerSchema);

/** The seed's banner texts (its sample for a new user, page `profile`). */
export const PROFILE_BANNER = {
  title: "Get a Credit Limit with kredmint.",
  subTitle: "Kredmint lets you order now & pay later as per convenience.",
  logoUrl: "https://kredmint-public.s3.ap-south-1.amazonaws.com/b3+(1).png",
} as const;
