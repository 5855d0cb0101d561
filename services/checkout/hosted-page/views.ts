import { html, SafeHtml, safeHref } from "../../http/html.ts";
import { styleHash } from "../../http/html-page.ts";
import type { LoanTerms } from "../../ledger/loan/loan-terms.ts";
import { formatVnd } from "./format.ts";
import type { Lang, Messages } from "./i18n.ts";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f9;color:#1d2433}
header{background:#ff6a00;color:#fff;padding:12px 16px;display:flex;justify-content:space-between;align-items:center}
header .brand{font-weight:700;font-size:20px;letter-spacing:.5px}
header a{color:#fff;font-size:14px}
main{max-width:480px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:12px;padding:16px;margin-bottom:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.order{display:flex;justify-content:space-between;gap:12px;flex-wrap:wrap}
.order .label{color:#5b6478;font-size:13px}
.order .total{font-size:22px;font-weight:700}
.amount{white-space:nowrap}
ol.steps{display:flex;gap:8px;list-style:none;padding:0;margin:0 0 12px;font-size:13px;color:#5b6478}
ol.steps li{flex:1;border-top:3px solid #d5dae3;padding-top:4px}
ol.steps li.done,ol.steps li.current{border-color:#ff6a00;color:#1d2433}
h1{font-size:20px;margin:0 0 8px}
p{margin:0 0 12px}
h2{font-size:16px;margin:16px 0 4px}
label.field{display:block;margin:12px 0 4px;font-weight:600}
input[type=tel],input[type=password],input[type=text]{width:100%;font-size:18px;padding:10px 12px;border:1px solid #b8c0cc;border-radius:8px}
button{width:100%;font-family:inherit;font-size:17px;padding:12px;border-radius:8px;border:0;margin-top:16px;cursor:pointer}
button.primary{background:#ff6a00;color:#fff;font-weight:700}
button.primary:disabled{background:#c9ced8;cursor:not-allowed}
button.secondary{background:transparent;color:#5b6478;border:1px solid #b8c0cc;margin-top:8px}
.error{background:#fdecea;color:#a4161a;border-radius:8px;padding:10px 12px;margin:0 0 12px}
ul.items{list-style:none;margin:0;padding:0}
ul.items li{display:flex;justify-content:space-between;gap:12px;padding:8px 0;border-bottom:1px solid #eef0f4}
ul.items .qty{color:#5b6478;font-size:14px}
.sum{display:flex;justify-content:space-between;font-weight:700;padding-top:8px}
fieldset{border:0;margin:0;padding:0}
legend{font-weight:700;margin:16px 0 8px}
label.tenure{display:grid;grid-template-columns:auto 1fr auto;gap:4px 10px;align-items:center;border:1px solid #d5dae3;border-radius:10px;padding:12px;margin-bottom:8px;cursor:pointer}
label.tenure:has(input:checked){border-color:#ff6a00;background:#fff7f0}
label.tenure.disabled{opacity:.6;cursor:not-allowed}
label.tenure .name{font-weight:600}
label.tenure .monthly{font-weight:700;text-align:right;white-space:nowrap}
label.tenure small{grid-column:2 / 4;color:#5b6478}
a.button{display:block;text-align:center;background:#ff6a00;color:#fff;font-weight:700;padding:12px;border-radius:8px;text-decoration:none;margin-top:16px}
footer{text-align:center;color:#8a93a6;font-size:12px;padding:16px}
`;

/** For the Content-Security-Policy: the one inline stylesheet is allowed by its hash, nothing else runs. */
export const STYLE_HASH = styleHash(STYLE);
/** A trusted constant, so it is the one place markup is built from a plain string. */
const STYLE_MARKUP = new SafeHtml(STYLE);

export interface OrderView {
  readonly orderId: string;
  readonly amountMinor: bigint;
  readonly items: readonly {
    readonly name: string;
    readonly priceMinor: bigint;
    readonly quantity: number;
  }[];
  readonly backToStoreUrl: string;
}

/**
 * What the sign-in and OTP forms need, on the checkout page and on the tokenization page (which has no
 * order, no cancel and its own introduction).
 */
export interface FormContext {
  readonly lang: Lang;
  readonly t: Messages;
  readonly order?: OrderView;
  /** Form targets. */
  readonly actions: { readonly credentials: string; readonly otp: string; readonly cancel?: string };
  /** The double-submit token also held in the CSRF cookie. */
  readonly csrf: string;
  /** The page in the other language. */
  readonly otherLanguageHref: string;
  /** What the sign-in page says first (default: signInIntro). */
  readonly signInIntro?: string;
}

export interface PageContext extends FormContext {
  readonly order: OrderView;
  /** Form targets of this transaction. */
  readonly actions: {
    readonly credentials: string;
    readonly otp: string;
    readonly approve: string;
    readonly cancel: string;
  };
}

export interface TenureOption {
  readonly terms: LoanTerms;
  readonly eligible: boolean;
  readonly reason?: string;
}

interface LayoutExtras {
  readonly order?: OrderView;
  readonly otherLanguageHref?: string;
  /** 1-based index into the step indicator. */
  readonly step?: number;
}

function layout(
  lang: Lang,
  t: Messages,
  title: string,
  content: SafeHtml,
  extras: LayoutExtras = {},
): SafeHtml {
  const other = lang === "en" ? "vi" : "en";
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t.htmlTitle}</title>
<style>${STYLE_MARKUP}</style>
</head>
<body>
<header><span class="brand">${t.brand}</span>${
    extras.otherLanguageHref !== undefined &&
    html`<a href="${extras.otherLanguageHref}" hreflang="${other}" lang="${other}">${t.switchLanguage}</a>`
  }</header>
<main>
${extras.order && orderCard(t, extras.order)}
<section class="card">
${extras.step !== undefined && steps(t, extras.step)}
${content}
</section>
</main>
<footer>${t.htmlTitle}</footer>
</body>
</html>
`;
}

const money = (amountMinor: bigint) => html`<span class="amount">${formatVnd(amountMinor)}</span>`;

function orderCard(t: Messages, order: OrderView): SafeHtml {
  return html`<section class="card order" aria-label="${t.orderLabel}">
<div><div class="label">${t.orderLabel}</div><div class="order-id">${order.orderId}</div></div>
<div><div class="label">${t.amountLabel}</div><div class="total">${money(order.amountMinor)}</div></div>
</section>`;
}

function steps(t: Messages, current: number): SafeHtml {
  return html`<ol class="steps" aria-label="${t.stepOf(current, t.steps.length)}">${t.steps.map(
    (name, index) =>
      html`<li class="${index + 1 < current ? "done" : index + 1 === current ? "current" : ""}"${
        index + 1 === current && html` aria-current="step"`
      }>${name}</li>`,
  )}</ol>`;
}

function hidden(ctx: FormContext): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="lang" value="${ctx.lang}">`;
}

function errorBox(message: string | undefined): SafeHtml | undefined {
  return message === undefined ? undefined : html`<p class="error" role="alert">${message}</p>`;
}

function cancelForm(ctx: FormContext): SafeHtml | undefined {
  if (ctx.actions.cancel === undefined) return undefined;
  return html`<form method="post" action="${ctx.actions.cancel}" id="cancel">${hidden(ctx)}<button type="submit" class="secondary" name="cancel">${ctx.t.cancelButton}</button></form>`;
}

export function signInPage(ctx: FormContext, form: { error?: string; phone?: string } = {}): SafeHtml {
  const { t } = ctx;
  return layout(
    ctx.lang,
    t,
    t.signInHeading,
    html`<h1>${t.signInHeading}</h1>
<p>${ctx.signInIntro ?? t.signInIntro}</p>
${errorBox(form.error)}
<form method="post" action="${ctx.actions.credentials}" id="sign-in">${hidden(ctx)}
<label class="field" for="phone">${t.phoneLabel}</label>
<input type="tel" id="phone" name="phone" inputmode="tel" autocomplete="tel" maxlength="32" required value="${form.phone ?? ""}">
<label class="field" for="pin">${t.pinLabel}</label>
<input type="password" id="pin" name="pin" inputmode="numeric" autocomplete="current-password" maxlength="32" required>
<button type="submit" class="primary">${t.signInButton}</button>
</form>
${cancelForm(ctx)}`,
    { order: ctx.order, otherLanguageHref: ctx.otherLanguageHref, step: 1 },
  );
}

export function otpPage(ctx: FormContext, form: { error?: string } = {}): SafeHtml {
  const { t } = ctx;
  return layout(
    ctx.lang,
    t,
    t.otpHeading,
    html`<h1>${t.otpHeading}</h1>
<p>${t.otpIntro}</p>
${errorBox(form.error)}
<form method="post" action="${ctx.actions.otp}" id="otp">${hidden(ctx)}
<label class="field" for="otp-code">${t.otpLabel}</label>
<input type="text" id="otp-code" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required>
<button type="submit" class="primary">${t.otpButton}</button>
</form>
${cancelForm(ctx)}`,
    { order: ctx.order, otherLanguageHref: ctx.otherLanguageHref, step: 2 },
  );
}

/** An ineligible tenure's or a denial's reason rule, in words. */
export function reasonText(t: Messages, reason: string | undefined): string {
  const reasons: Readonly<Record<string, string>> = t.ineligibleReasons;
  return reasons[reason ?? "unknown"] ?? t.ineligibleReasons.unknown;
}

function tenureChoice(ctx: PageContext, option: TenureOption, selected: number | undefined): SafeHtml {
  const { t } = ctx;
  const { terms } = option;
  const id = `tenure-${terms.tenure}`;
  return html`<label class="tenure${option.eligible ? "" : " disabled"}" for="${id}">
<input type="radio" id="${id}" name="tenure" value="${terms.tenure}"${option.eligible && terms.tenure === selected && html` checked`}${!option.eligible && html` disabled`}>
<span class="name">${t.tenureName(terms.tenure)}</span>
<span class="monthly">${money(terms.monthlyInstallmentMinor)} <span class="per">${t.perMonth}</span></span>
<small>${
    option.eligible
      ? t.paybackLine(
          formatVnd(terms.paybackMinor),
          formatVnd(terms.interestMinor),
          formatVnd(terms.processingFeeMinor),
        )
      : html`<span class="reason">${reasonText(t, option.reason)}</span>`
  }</small>
</label>`;
}

export function summaryPage(
  ctx: PageContext,
  view: { options: readonly TenureOption[]; selected: number | undefined; error?: string },
): SafeHtml {
  const { t, order } = ctx;
  const anyEligible = view.options.some((o) => o.eligible);
  return layout(
    ctx.lang,
    t,
    t.summaryHeading,
    html`<h1>${t.summaryHeading}</h1>
${errorBox(view.error)}
<h2>${t.itemsHeading}</h2>
<ul class="items">${order.items.map(
      (item) =>
        html`<li><span><span class="item-name">${item.name}</span><br><span class="qty">${item.quantity} × ${formatVnd(item.priceMinor)}</span></span>${money(item.priceMinor * BigInt(item.quantity))}</li>`,
    )}</ul>
<div class="sum"><span>${t.totalLabel}</span>${money(order.amountMinor)}</div>
<form method="post" action="${ctx.actions.approve}" id="approve">${hidden(ctx)}
<fieldset>
<legend>${t.tenureHeading}</legend>
${view.options.map((option) => tenureChoice(ctx, option, view.selected))}
</fieldset>
${!anyEligible && errorBox(t.noEligibleTenure)}
<button type="submit" class="primary"${!anyEligible && html` disabled`}>${t.approveButton}</button>
</form>
${cancelForm(ctx)}`,
    { order, otherLanguageHref: ctx.otherLanguageHref, step: 3 },
  );
}

/** A page with a heading, a sentence and, when the store is known, a link back to it. */
export function messagePage(
  lang: Lang,
  t: Messages,
  page: { heading: string; body: string; kind: string; backToStoreUrl?: string; order?: OrderView },
): SafeHtml {
  return layout(
    lang,
    t,
    page.heading,
    html`<h1>${page.heading}</h1>
<p data-kind="${page.kind}">${page.body}</p>
${
  page.backToStoreUrl !== undefined &&
  html`<a class="button" id="back-to-store" href="${safeHref(page.backToStoreUrl)}">${t.backToStore}</a>`
}`,
    page.order === undefined ? {} : { order: page.order },
  );
}

/** The PIN link's page (`/kredivo/buyers/pin/<token>`): the buyer types a new 6-digit PIN twice. */
export function pinSetPage(
  lang: Lang,
  t: Messages,
  form: { action: string; csrf: string; error?: string },
): SafeHtml {
  return layout(
    lang,
    t,
    "Set your PIN",
    html`<h1>Set your PIN</h1>
<p>Choose the 6-digit PIN you will sign in with. This link works once.</p>
${errorBox(form.error)}
<form method="post" action="${form.action}" id="set-pin"><input type="hidden" name="csrf" value="${form.csrf}">
<label class="field" for="pin">New PIN</label>
<input type="password" id="pin" name="pin" inputmode="numeric" autocomplete="new-password" maxlength="6" required>
<label class="field" for="pin-confirm">New PIN again</label>
<input type="password" id="pin-confirm" name="pinConfirm" inputmode="numeric" autocomplete="new-password" maxlength="6" required>
<button type="submit" class="primary">Set PIN</button>
</form>`,
  );
}
