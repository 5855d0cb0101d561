// OTP delivery (DESIGN.md "HTTP": PIN/OTP material lives outside the log). The hosted pages ask an OtpSender
// for a code and the code book (otp-codes.ts) keeps its hash with an expiry; the sender only picks and
// delivers. Adapters: sandbox (the seeds' fixed codes, delivered nowhere) and http (the lender's SMS
// gateway). One conformance suite holds both: test/conformance/otp-senders.test.ts.

/** The product whose page asks: each seed fixes its own sandbox code. */
export type OtpProduct = "kredivo" | "kredmint";

export interface OtpMessage {
  readonly product: OtpProduct;
  readonly phone: string;
  readonly code: string;
  /** ISO 8601: when the code stops working, for the message's text. */
  readonly expiresAt: string;
}

export interface OtpSender {
  /** The code to send: random digits, or the sandbox's fixed one. */
  pickCode(product: OtpProduct): string;
  /** Delivers the code; rejects when it could not (after the adapter's own retries). */
  send(message: OtpMessage): Promise<void>;
}
