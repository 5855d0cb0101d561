// The one catalogue of `/v1` error codes (README "/v1 errors" lists it, the OpenAPI document enumerates it as
// `V1ErrorCode`). A problem is sent by its code only: the status comes from here, so a code that is not
// catalogued does not compile and one code never answers two statuses.

export interface V1Error {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;
  /** Names the problem type in the documentation; the wire's `title` stays the status phrase. */
  readonly title: string;
  /** What the caller does about it: the guidance a problem's `detail` gives when it has nothing more exact. */
  readonly fix: string;
}

export const V1_ERRORS = {
  invalid_parameter: {
    status: 400,
    title: "Invalid parameter",
    fix: "Correct the parameter named in `param`; `detail` names the rule it broke.",
  },
  malformed_body: {
    status: 400,
    title: "Malformed body",
    fix: "Send a well-formed JSON body whose length matches its Content-Length header.",
  },
  bank_statement_invalid: {
    status: 400,
    title: "Bank statement not readable",
    fix: "Send the statement as CSV (`Content-Type: text/csv`) with the header date,amount,currency,reference,direction; `detail` names the first bad line.",
  },
  idempotency_key_required: {
    status: 400,
    title: "Idempotency-Key missing",
    fix: "Send an Idempotency-Key header (1 to 255 visible ASCII characters, e.g. a UUID) with this POST.",
  },
  idempotency_key_invalid: {
    status: 400,
    title: "Idempotency-Key malformed",
    fix: "Send an Idempotency-Key of 1 to 255 visible ASCII characters (e.g. a UUID), without spaces.",
  },
  position_beyond_log_head: {
    status: 400,
    title: "Position beyond the log head",
    fix: "Ask for a log position at or before the head (`store.head` in `GET /readyz`).",
  },
  api_key_missing: {
    status: 401,
    title: "API key missing",
    fix: "Send an API key as `Authorization: Bearer <key>`.",
  },
  api_key_invalid: {
    status: 401,
    title: "API key not recognised",
    fix: "Send one of the keys configured in `API_KEYS` as `Authorization: Bearer <key>`.",
  },
  role_required: {
    status: 403,
    title: "Role required",
    fix: "Use an API key that has the role `detail` names (roles are given per key in `API_KEYS`).",
  },
  account_not_found: {
    status: 404,
    title: "Unknown account",
    fix: "Name an account that has postings, as listed by `GET /v1/finance/trial-balance`.",
  },
  merchant_not_found: {
    status: 404,
    title: "Unknown merchant",
    fix: "Name a registered merchant by its id.",
  },
  buyer_not_found: {
    status: 404,
    title: "Unknown buyer",
    fix: "Name a buyer who has a credit line (opened by the buyer's first approved checkout).",
  },
  stream_not_found: {
    status: 404,
    title: "Unknown stream",
    fix: "Name a stream the log holds, `<kind>-<id>` (e.g. `checkout-<transaction id>`), as the events' `streamId` give it.",
  },
  route_not_found: {
    status: 404,
    title: "No such route",
    fix: "Check the method and the path against the README's /v1 routes or the OpenAPI document at `GET /docs/json`.",
  },
  credit_line_not_found: {
    status: 404,
    title: "No credit line",
    fix: "Record repayments only for a user with a line of that `product` (opened by a Kredivo buyer's first approved checkout, a Kredmint user's approval).",
  },
  user_token_not_found: {
    status: 404,
    title: "Unknown user token",
    fix: "Name a user_token we issued (checkout/update answers it once a tokenizing checkout settles).",
  },
  bank_statement_not_found: {
    status: 404,
    title: "Unknown bank statement",
    fix: "Name a statement by the id its import answered (the sha256 of the file).",
  },
  day_not_closed: {
    status: 404,
    title: "Day not closed",
    fix: "Close the day first with `POST /v1/recon/days/{day}/close`; `GET /v1/recon/days` lists the closed days.",
  },
  delivery_not_found: {
    status: 404,
    title: "Unknown delivery",
    fix: "Use a delivery id (the id of the event it delivers), e.g. from `GET /v1/notifications/dead-letters`.",
  },
  partner_not_found: {
    status: 404,
    title: "Unknown partner",
    fix: "Name a partner registered with `POST /v1/partners`.",
  },
  partner_user_not_found: {
    status: 404,
    title: "Unknown partner user",
    fix: "Name a user (`USR-<n>`) of this partner, as `POST /kredmint/user/eligibility` answered it.",
  },
  supplier_not_found: {
    status: 404,
    title: "Unknown supplier",
    fix: "Name a supplier (`SUPB-<n>`) of this partner, as `POST /kredmint/account/supplier` answered it.",
  },
  disbursal_not_found: {
    status: 404,
    title: "Unknown disbursal",
    fix: "Name a disbursal (`IN-<n>`) of this partner, as its webhook or `GET /v1/partners/{partnerId}/disbursals/{disbursalId}` shows it.",
  },
  idempotency_request_in_progress: {
    status: 409,
    title: "Request in progress",
    fix: "Wait until the first request with this Idempotency-Key has finished (or, if it died, until its lease of IDEMPOTENCY_LEASE_MS has run out), then retry with the same key to get its answer.",
  },
  transaction_already_paid: {
    status: 409,
    title: "Transaction already paid",
    fix: "A concurrent payout run paid these transactions first; run payouts again to pay what is still open.",
  },
  repayment_must_not_exceed_outstanding: {
    status: 409,
    title: "Repayment exceeds what is owed",
    fix: "Record at most `outstanding`, what the buyer owes now, and refund the rest to the buyer.",
  },
  day_not_over: {
    status: 409,
    title: "Day not over",
    fix: "Close a day once it is over (days are UTC): from midnight UTC after it.",
  },
  delivery_not_dead: {
    status: 409,
    title: "Delivery not dead-lettered",
    fix: "Replay only a dead letter; `GET /v1/notifications/{deliveryId}` shows a delivery's status.",
  },
  user_not_under_review: {
    status: 409,
    title: "User not under review",
    fix: "Decide on a user only once its financial data is uploaded (state UnderReview, see `GET /v1/partners/{partnerId}/users/{userId}`).",
  },
  user_already_decided: {
    status: 409,
    title: "User already decided",
    fix: "A decision is final: the same decision again is accepted and changes nothing, another is refused.",
  },
  disbursal_step_out_of_order: {
    status: 409,
    title: "Disbursal step out of order",
    fix: "Move a disbursal in order: Initiated → Verified → Approved → Paid; fail it before Paid, cancel it before Paid.",
  },
  disbursal_utr_conflict: {
    status: 409,
    title: "Disbursal paid with another UTR",
    fix: "The disbursal is Paid already; the same pay again (same UTR) is accepted and changes nothing.",
  },
  buyer_phone_taken: {
    status: 409,
    title: "Phone already registered",
    fix: "A phone names one buyer: `detail` names the buyer who has it (see `GET /v1/buyers/{userId}`).",
  },
  buyer_closed: {
    status: 409,
    title: "Buyer closed",
    fix: "A closed buyer is final: register the person again under a new phone if they return.",
  },
  buyer_has_outstanding_balance: {
    status: 409,
    title: "Buyer owes or holds credit",
    fix: "Close a buyer once nothing is held or owed on their credit line (repaid, cancelled or released).",
  },
  limit_below_outstanding: {
    status: 409,
    title: "Limit below what is used",
    fix: "Set a limit of at least what the line holds and is owed now (`detail` says how much), or wait for repayments.",
  },
  partner_conflict: {
    status: 409,
    title: "Partner registered with other terms",
    fix: "Register the partner with the terms it has (see `GET /v1/partners/{partnerId}`), or choose another id.",
  },
  body_too_large: {
    status: 413,
    title: "Body too large",
    fix: "Send a body of at most 64 KiB.",
  },
  unsupported_media_type: {
    status: 415,
    title: "Unsupported media type",
    fix: "Send the body as JSON with `Content-Type: application/json`.",
  },
  idempotency_key_reused: {
    status: 422,
    title: "Idempotency-Key reused",
    fix: "Use a new Idempotency-Key for a new request; reuse a key only to retry the same request.",
  },
  authentication_failures_too_many: {
    status: 429,
    title: "Too many failed authentications",
    fix: "Wait the seconds the Retry-After header gives, then retry with a key configured in `API_KEYS`; this address sent too many unknown keys.",
  },
  internal_error: {
    status: 500,
    title: "Internal error",
    fix: "A fault on our side, logged with the request id: retry later, and quote `requestId` to support if it persists.",
  },
  temporarily_unavailable: {
    status: 503,
    title: "Temporarily unavailable",
    fix: "Retry in a moment: the ledger could not complete this right now and nothing was changed.",
  },
  journal_behind: {
    status: 503,
    title: "Journal behind the log",
    fix: "Retry shortly: the journal is still catching up with the log and nothing was changed.",
  },
} as const satisfies Record<string, V1Error>;

export type V1ErrorCode = keyof typeof V1_ERRORS;

const isV1ErrorCode = (code: string): code is V1ErrorCode => Object.hasOwn(V1_ERRORS, code);

/** Every code, in the catalogue's order (by status). */
export const V1_ERROR_CODES: readonly V1ErrorCode[] = Object.keys(V1_ERRORS).filter(isV1ErrorCode);

/** The status phrases of RFC 9110, the `title` a problem carries on the wire. */
export const STATUS_TITLES: Record<V1Error["status"], string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};
