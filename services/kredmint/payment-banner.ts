import { PROFILE_BANNER } from "../../contracts/kredmint/eligibility.ts";
import type { PartnerUserState } from "../../contracts/kredmint/states.ts";

/** The seed's title of the banner on page `payment`. */
export const PAYMENT_TITLE = "Pay by kred Mint.";

/**
 * The banner's texts on page `payment` (README "Partner API": invoice pay by credit). An Active user whose
 * available credit covers the invoice (or no invoice was named) gets the seed's banner; otherwise the banner
 * says why the invoice will not be paid by credit, and landing on the page shows the same.
 */
export function paymentBanner(
  state: PartnerUserState,
  availableMinor: bigint,
  invoiceAmountMinor: bigint | undefined,
) {
  const rupees = (minor: bigint) => `Rs ${minor / 100n}`;
  const texts = { logoUrl: PROFILE_BANNER.logoUrl, title: PAYMENT_TITLE };
  switch (state) {
    case "Active":
      if (invoiceAmountMinor !== undefined && invoiceAmountMinor > availableMinor) {
        return {
          ...texts,
          show: true,
          landingType: "INVOICE" as const,
          subTitle: `Available Credit ${rupees(availableMinor)} is less than this invoice; it cannot be paid by credit`,
        };
      }
      return {
        ...texts,
        show: true,
        landingType: "INVOICE" as const,
        subTitle: `Available Credit ${rupees(availableMinor)}`,
      };
    case "IncompleteProfile":
      return {
        ...texts,
        show: true,
        landingType: "DEFAULT" as const,
        subTitle: "Complete your kredmint profile to pay invoices by credit",
      };
    case "UnderReview":
      return {
        ...texts,
        show: true,
        landingType: "DEFAULT" as const,
        subTitle: "Your kredmint application is under review; pay by credit once it is approved",
      };
    case "Rejected":
      return {
        ...texts,
        show: false,
        landingType: "DEFAULT" as const,
        subTitle: "Pay by credit is not available: your kredmint application was not approved",
      };
  }
}
