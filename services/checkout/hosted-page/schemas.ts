import { z } from "zod";
import { TENURES, type Tenure } from "../../../contracts/checkout/common.ts";
import { LANGS } from "./i18n.ts";

// What the page's links and forms carry. Browsers send forms, so a field that is absent reads as empty and
// the step says what is missing, in words.

const transactionId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must_be_a_transaction_id");
/** An unknown language is not an error: it falls back to Accept-Language. */
const lang = z.enum(LANGS).optional().catch(undefined);
const field = (max: number) => z.string().max(max).default("");
const formCommon = { csrf: field(128), lang };

export const pageQuery = z.object({ tk: transactionId, lang });
export const actionParams = z.object({ transactionId });
/** An offline checkout's QR image: `<transaction_id>.png`. */
export const qrParams = z.object({
  file: z.string().regex(/^[A-Za-z0-9-]{1,64}\.png$/, "must_be_a_transaction_id_png"),
});
export const credentialsBody = z.object({ ...formCommon, phone: field(32), pin: field(32) });
export const otpBody = z.object({ ...formCommon, otp: field(16) });
export const approveBody = z.object({ ...formCommon, tenure: field(4) });
export const cancelBody = z.object(formCommon);

/** The tokenization page (user/tokenize/init's tokenize_url): its id is a UUID, like a transaction's. */
export const tokenizePageQuery = z.object({ cid: transactionId, lang });
export const tokenizeActionParams = z.object({ tokenizationId: transactionId });

/** The tenure a form field names, exactly as the page writes it ("1", "3", "6", "12"). */
export const tenureNamed = (field: string): Tenure | undefined => TENURES.find((t) => String(t) === field);
