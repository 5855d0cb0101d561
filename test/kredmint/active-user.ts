import { expect } from "vitest";
import { bearer } from "../support/http.ts";
import { multipartBody } from "../support/multipart.ts";
import { type KredmintHarness, OPERATOR_KEY, sandboxAuth } from "./harness.ts";

/** Six months of ₹1,00,000.00 revenue: the underwriting rule proposes ₹1,00,000.00. */
export const REVENUE_CSV = ["month,revenue", ...[1, 2, 3, 4, 5, 6].map((m) => `2024-0${m},100000.00`)].join(
  "\n",
);

/**
 * A user of the partner made Active through HTTP, as a partner and an operator would: eligibility (page
 * profile), financial data upload, the operator's approval with `creditLimit` (the seed's ₹1,00,000.00).
 */
export async function activeUser(
  h: Pick<KredmintHarness, "eligibility" | "service">,
  mobile: string,
  options: { creditLimit?: string; auth?: Record<string, string>; partnerId?: string } = {},
): Promise<{ mobile: string; userId: string }> {
  const auth = options.auth ?? sandboxAuth;
  const eligibility = await h.eligibility({ username: mobile, page: "profile", source: "MOS" }, auth);
  expect(eligibility.statusCode, eligibility.body).toBe(200);
  const userId = new URL(eligibility.json().payload.landingUrl).searchParams.get("userId") ?? "";
  const { payload, contentType } = multipartBody(
    { docType: "FINANCIAL_DATA", username: mobile },
    { file: { filename: "revenue.csv", contentType: "text/csv", content: REVENUE_CSV } },
  );
  const upload = await h.service.app.inject({
    method: "POST",
    url: "/kredmint/user/document/upload",
    headers: { ...auth, "content-type": contentType },
    payload,
  });
  expect(upload.statusCode, upload.body).toBe(200);
  const decision = await h.service.app.inject({
    method: "POST",
    url: `/v1/partners/${options.partnerId ?? "sandbox-partner"}/users/${userId}/decision`,
    headers: { ...bearer(OPERATOR_KEY), "content-type": "application/json" },
    payload: JSON.stringify({ decision: "approve", creditLimit: options.creditLimit ?? "100000.00" }),
  });
  expect(decision.statusCode, decision.body).toBe(200);
  return { mobile, userId };
}
