import { html, SafeHtml as Markup, type SafeHtml } from "../../http/html.ts";
import { styleHash } from "../../http/html-page.ts";

// The finance page, server-rendered in English: trial balance, daily close, aging, bank statements.

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f6fb;color:#1d2433}
header{background:#12355b;color:#fff;padding:10px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header .brand{font-weight:700;font-size:18px;margin-right:auto}
header a{color:#fff}
header form{margin:0}
header button{background:transparent;color:#fff;border:1px solid #fff;border-radius:6px;padding:4px 10px;cursor:pointer}
main{max-width:1100px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:10px;padding:12px 16px;margin-bottom:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:20px;margin:4px 0 12px}
h2{font-size:16px;margin:8px 0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e7ee}
td.num,th.num{text-align:right}
.error{background:#fdecea;color:#a4161a;border-radius:8px;padding:10px 12px}
.hint{color:#5b6478}
label{display:block;margin:12px 0 4px;font-weight:600}
input[type=password]{width:100%;max-width:420px;font-size:16px;padding:8px 10px;border:1px solid #b8c0cc;border-radius:8px}
.login button{margin-top:12px;font-size:16px;padding:8px 16px;border-radius:8px;border:0;background:#12355b;color:#fff}
`;
const STYLE_MARKUP = new Markup(STYLE);
export const PAGE_POLICY = { styleHash: styleHash(STYLE) };

export const PAGES = [
  ["trial-balance", "Trial balance"],
  ["days", "Daily close"],
  ["aging", "Aging"],
  ["bank-statements", "Bank statements"],
] as const;
export type PageName = (typeof PAGES)[number][0];

function layout(title: string, nav: { base: string; csrf: string } | undefined, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Finance</title><style>${STYLE_MARKUP}</style></head>
<body><header><span class="brand">Finance</span>${
    nav &&
    html`${PAGES.map(([name, label]) => html`<a href="${nav.base}/${name}">${label}</a>`)}
<form method="post" action="${nav.base}/logout"><input type="hidden" name="csrf" value="${nav.csrf}"><button type="submit">Sign out</button></form>`
  }</header><main><h1>${title}</h1>${body}</main></body></html>`;
}

export function loginPage(base: string, csrf: string, error: string | undefined): SafeHtml {
  return layout(
    "Sign in",
    undefined,
    html`<section class="login">${error && html`<p class="error" role="alert">${error}</p>`}
<form method="post" action="${base}/login"><input type="hidden" name="csrf" value="${csrf}">
<label for="key">API key (a key of <code>API_KEYS</code> with the <code>finance</code> role)</label>
<input id="key" name="key" type="password" autocomplete="off" required>
<button type="submit">Sign in</button></form></section>`,
  );
}

export type Cell = string | number;
export interface Table {
  readonly caption?: string;
  readonly header: readonly string[];
  /** Indexes of the columns that hold amounts or counts (right-aligned). */
  readonly numeric: readonly number[];
  readonly rows: readonly (readonly Cell[])[];
}

function table(t: Table): SafeHtml {
  const cls = (i: number) => (t.numeric.includes(i) ? "num" : "");
  return html`${t.caption && html`<h2>${t.caption}</h2>`}<table><thead><tr>${t.header.map(
    (h, i) => html`<th class="${cls(i)}">${h}</th>`,
  )}</tr></thead><tbody>${
    t.rows.length === 0
      ? html`<tr><td colspan="${t.header.length}" class="hint">Nothing yet.</td></tr>`
      : t.rows.map((r) => html`<tr>${r.map((c, i) => html`<td class="${cls(i)}">${c}</td>`)}</tr>`)
  }</tbody></table>`;
}

/** A report page: a note, its tables, and the link to the same report as CSV. */
export function reportPage(
  title: string,
  nav: { base: string; csrf: string },
  report: { note: string; tables: readonly Table[]; csv: string | undefined },
): SafeHtml {
  return layout(
    title,
    nav,
    html`<section><p class="hint">${report.note}</p>${
      report.csv && html`<p><a id="csv" href="${report.csv}">Download as CSV</a></p>`
    }${report.tables.map(table)}</section>`,
  );
}
