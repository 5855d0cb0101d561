import type { PartnerUserState } from "../../../contracts/kredmint/states.ts";
import { html, SafeHtml as Markup, type SafeHtml, safeHref } from "../../http/html.ts";
import { styleHash } from "../../http/html-page.ts";

// The onboarding pages, server-rendered in English: mobile → OTP → profile → financial data → status.

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f6fb;color:#1d2433}
header{background:#0b3d91;color:#fff;padding:12px 16px;display:flex;justify-content:space-between;align-items:center}
header .brand{font-weight:700;font-size:20px}
header a{color:#fff;font-size:14px}
main{max-width:480px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:12px;padding:16px;margin-bottom:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
ol.steps{display:flex;gap:8px;list-style:none;padding:0;margin:0 0 12px;font-size:13px;color:#5b6478}
ol.steps li{flex:1;border-top:3px solid #d5dae3;padding-top:4px}
ol.steps li.done,ol.steps li.current{border-color:#0b3d91;color:#1d2433}
h1{font-size:20px;margin:0 0 8px}
p{margin:0 0 12px}
label{display:block;margin:12px 0 4px;font-weight:600}
input[type=tel],input[type=text],input[type=email],input[type=file]{width:100%;font-size:17px;padding:10px 12px;border:1px solid #b8c0cc;border-radius:8px}
button{width:100%;font-family:inherit;font-size:17px;padding:12px;border-radius:8px;border:0;margin-top:16px;cursor:pointer;background:#0b3d91;color:#fff;font-weight:700}
.error{background:#fdecea;color:#a4161a;border-radius:8px;padding:10px 12px;margin:0 0 12px}
.hint{color:#5b6478;font-size:14px}
code{background:#eef0f4;padding:1px 4px;border-radius:4px}
a.button{display:block;text-align:center;background:#0b3d91;color:#fff;font-weight:700;padding:12px;border-radius:8px;text-decoration:none;margin-top:16px}
`;

/** For the Content-Security-Policy: the one inline stylesheet is allowed by its hash, nothing else runs. */
export const STYLE_HASH = styleHash(STYLE);
const STYLE_MARKUP = new Markup(STYLE);

/** The onboarding steps (shown as a progress bar) and the invoice step of page `payment` (not part of it). */
export type Step = "mobile" | "otp" | "profile" | "upload" | "status" | "invoice";
const STEPS: readonly [Step, string][] = [
  ["mobile", "Mobile"],
  ["otp", "OTP"],
  ["profile", "Profile"],
  ["upload", "Financial data"],
  ["status", "Status"],
];

export interface PageFrame {
  readonly step: Step | undefined;
  readonly backDeepLink: string | undefined;
}

function layout(title: string, frame: PageFrame, body: SafeHtml): SafeHtml {
  const current = STEPS.findIndex(([step]) => step === frame.step);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · kredmint</title><style>${STYLE_MARKUP}</style></head>
<body><header><span class="brand">kredmint</span>${
    frame.backDeepLink && html`<a id="back" href="${safeHref(frame.backDeepLink)}">Back</a>`
  }</header>
<main>${
    current >= 0 &&
    html`<ol class="steps">${STEPS.map(
      ([, name], i) =>
        html`<li class="${i < current ? "done" : i === current ? "current" : ""}">${name}</li>`,
    )}</ol>`
  }<div class="card">${body}</div></main></body></html>`;
}

const errorBox = (error: string | undefined) => error && html`<p class="error" role="alert">${error}</p>`;
const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

export interface FormContext extends PageFrame {
  readonly csrf: string;
  readonly action: (name: string) => string;
  readonly error?: string | undefined;
}

export function mobilePage(ctx: FormContext, mobile: string | undefined, bound: boolean): SafeHtml {
  return layout(
    "Your mobile number",
    ctx,
    html`<h1>Get a credit limit with kredmint</h1>
<p>Enter your mobile number; we will send you a one-time code.</p>${errorBox(ctx.error)}
<form method="post" action="${ctx.action("mobile")}" id="mobile-form">${csrfField(ctx.csrf)}
<label for="mobile">Mobile number</label>
<input type="tel" id="mobile" name="mobile" inputmode="numeric" autocomplete="tel" value="${mobile ?? ""}" ${
      bound ? new Markup("readonly") : ""
    } required>
<button type="submit" id="send-otp">Send code</button></form>`,
  );
}

/** `sandboxOtp`: the sandbox sender's fixed code, shown as a hint; undefined with a real sender. */
export function otpPage(ctx: FormContext, mobile: string, sandboxOtp: string | undefined): SafeHtml {
  const hint =
    sandboxOtp === undefined
      ? ""
      : html`<p class="hint">Sandbox: the code is always <code>${sandboxOtp}</code>.</p>`;
  return layout(
    "One-time code",
    ctx,
    html`<h1>Enter the code</h1>
<p>We sent a one-time code to ${maskMobile(mobile)}.</p>
${hint}${errorBox(ctx.error)}
<form method="post" action="${ctx.action("otp")}" id="otp-form">${csrfField(ctx.csrf)}
<label for="otp">Code</label>
<input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="8" required>
<button type="submit" id="verify-otp">Verify</button></form>
<form method="post" action="${ctx.action("resend")}" id="resend-form">${csrfField(ctx.csrf)}
<button type="submit" id="resend-otp">Send a new code</button></form>`,
  );
}

/** The profile form's fields: the prefill's names, so the partner's userContext fills them in. */
export const PROFILE_FIELDS: readonly [name: string, label: string, type: "text" | "email"][] = [
  ["fullName", "Full name", "text"],
  ["email", "Email", "email"],
  ["businessName", "Business name", "text"],
  ["pancard", "PAN", "text"],
  ["gst", "GST number", "text"],
  ["address.city", "City", "text"],
  ["address.pincode", "PIN code", "text"],
];

export function profilePage(ctx: FormContext, values: Readonly<Record<string, string>>): SafeHtml {
  return layout(
    "Your profile",
    ctx,
    html`<h1>Your business profile</h1>
<p>Check the details your partner shared with us and complete them.</p>${errorBox(ctx.error)}
<form method="post" action="${ctx.action("profile")}">${csrfField(ctx.csrf)}${PROFILE_FIELDS.map(
      ([name, label, type]) => html`<label for="${name}">${label}</label>
<input type="${type}" id="${name}" name="${name}" value="${values[name] ?? ""}" maxlength="255"${
        name === "fullName" ? new Markup(" required") : ""
      }>`,
    )}
<button type="submit" id="save-profile">Continue</button></form>`,
  );
}

export function uploadPage(ctx: FormContext): SafeHtml {
  return layout(
    "Financial data",
    ctx,
    html`<h1>Upload your financial data</h1>
<p>Your monthly revenue as a csv file (a header <code>month,revenue</code>, then rows like
<code>2024-01,150000.50</code>) or a json file (<code>{"monthlyRevenue":[{"month":"2024-01","revenue":150000.50}]}</code>).</p>${errorBox(
      ctx.error,
    )}
<form method="post" action="${ctx.action("upload")}" enctype="multipart/form-data">${csrfField(ctx.csrf)}
<input type="hidden" name="docType" value="FINANCIAL_DATA">
<label for="file">File (csv or json)</label>
<input type="file" id="file" name="file" accept=".csv,.json,text/csv,application/json" required>
<button type="submit" id="upload">Upload</button></form>`,
  );
}

const STATUS_TEXTS: Record<
  Exclude<PartnerUserState, "IncompleteProfile">,
  [heading: string, body: string]
> = {
  UnderReview: [
    "Your application is under review",
    "We have your financial data. We will let you know as soon as your credit limit is ready.",
  ],
  Active: ["Your credit limit is active", "You can now pay by kredmint."],
  Rejected: ["We could not offer you a credit limit", "Your application was not approved."],
};

export function statusPage(
  frame: PageFrame,
  state: Exclude<PartnerUserState, "IncompleteProfile">,
  continueTo: string | undefined,
  limit: string | undefined,
): SafeHtml {
  const [heading, body] = STATUS_TEXTS[state];
  return layout(
    heading,
    frame,
    html`<h1 id="status" data-state="${state}">${heading}</h1><p>${body}</p>${
      limit && html`<p>Credit limit: <strong id="limit">Rs ${limit}</strong></p>`
    }${continueTo && html`<a class="button" id="continue" href="${safeHref(continueTo)}">Continue</a>`}`,
  );
}

export function messagePage(frame: PageFrame, heading: string, body: string): SafeHtml {
  return layout(heading, frame, html`<h1 id="message">${heading}</h1><p>${body}</p>`);
}

function maskMobile(mobile: string): string {
  return `${"•".repeat(Math.max(0, mobile.length - 4))}${mobile.slice(-4)}`;
}

/** What the invoice step shows of an invoice (page `payment`). */
export interface InvoiceView {
  readonly disbursalId: string;
  readonly invoiceNumber: string;
  /** The supplier's id, or the partner's name (anchor flow). */
  readonly payee: string;
  readonly amount: string;
  readonly available: string;
  /** The available credit covers the amount. */
  readonly covered: boolean;
}

/** The user confirms paying the invoice by credit (page `payment`), or sees why it cannot be. */
export function invoicePage(ctx: FormContext, invoice: InvoiceView): SafeHtml {
  return layout(
    "Pay by credit",
    ctx,
    html`<h1>Pay by kred Mint.</h1>
<p>Invoice <strong id="invoice-number">${invoice.invoiceNumber}</strong> to ${invoice.payee}</p>
<p>Amount: <strong id="amount">Rs ${invoice.amount}</strong></p>
<p>Available credit: <strong id="available">Rs ${invoice.available}</strong></p>${errorBox(ctx.error)}${
      invoice.covered
        ? html`<form method="post" action="${ctx.action("invoice")}" id="invoice-form">${csrfField(ctx.csrf)}
<button type="submit" id="confirm-invoice">Pay Rs ${invoice.amount} by credit</button></form>`
        : html`<p class="error" id="not-covered" role="alert">Your available credit is less than this invoice, so it cannot be paid by credit. Pay it another way, or repay what you owe first.</p>`
    }`,
  );
}

const INVOICE_STATUS_TEXTS: Record<string, string> = {
  Initiated: "We are paying your invoice. You will hear from your partner when it is paid.",
  Verified: "We are paying your invoice. You will hear from your partner when it is paid.",
  Approved: "We are paying your invoice. You will hear from your partner when it is paid.",
  Paid: "Your invoice is paid by credit.",
  Completed: "Your invoice is paid by credit and repaid in full.",
  Failed: "We could not pay your invoice; the credit held for it is available again.",
  Cancelled: "The invoice was cancelled; the credit held for it is available again.",
};

export function invoiceStatusPage(
  frame: PageFrame,
  invoice: { disbursalId: string; status: string; reason: string | null },
  continueTo: string | undefined,
): SafeHtml {
  return layout(
    "Pay by credit",
    frame,
    html`<h1 id="invoice-status" data-status="${invoice.status}">Invoice ${invoice.disbursalId}: ${invoice.status}</h1>
<p>${INVOICE_STATUS_TEXTS[invoice.status] ?? ""}</p>${invoice.reason && html`<p id="reason">${invoice.reason}</p>`}${
      continueTo && html`<a class="button" id="continue" href="${safeHref(continueTo)}">Continue</a>`
    }`,
  );
}
