import { describe, expect, it } from "vitest";
import { parseCookies, serializeCookie } from "../../http/cookies.ts";
import { escapeHtml, html, safeHref } from "../../http/html.ts";
import { Rejection } from "../../ledger/decider.ts";
import { formatVnd } from "./format.ts";
import { pickLang } from "./i18n.ts";
import { FAULT, pageAnswer } from "./rejections.ts";

describe("html", () => {
  it("escapes every interpolation and nothing of the template itself", () => {
    const name = `<script>alert("x" + 'y' + \`z\`)</script> & co`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39; + &#96;z&#96;)&lt;/script&gt; &amp; co">' +
        "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39; + &#96;z&#96;)&lt;/script&gt; &amp; co</p>",
    );
  });

  it("nests templates unescaped, joins arrays and drops false, null and undefined", () => {
    const items = ["<a>", "b"].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${false}${null}${undefined}${0}${5n}`.value).toBe(
      "<ul><li>&lt;a&gt;</li><li>b</li></ul>05",
    );
  });

  it("escapes text once", () => {
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });

  it("links only to http(s)", () => {
    expect(safeHref("https://shop.example/back?x=1")).toBe("https://shop.example/back?x=1");
    expect(safeHref("javascript:alert(1)")).toBe("#");
    expect(safeHref("not a url")).toBe("#");
    expect(safeHref(undefined)).toBe("#");
  });
});

describe("formatVnd", () => {
  it("groups whole dong with dots and appends the symbol", () => {
    expect(formatVnd(6_505_000n)).toBe("6.505.000 ₫");
    expect(formatVnd(0n)).toBe("0 ₫");
    expect(formatVnd(999n)).toBe("999 ₫");
    expect(formatVnd(1_000n)).toBe("1.000 ₫");
    expect(formatVnd(-5_000n)).toBe("-5.000 ₫");
    expect(formatVnd(123_456_789_012_345_678n)).toBe("123.456.789.012.345.678 ₫");
  });
});

describe("cookies", () => {
  it("parses token cookies, keeps the first of a name and ignores anything else", () => {
    const jar = parseCookies('a=1; b="two"; a=3; bad name=x; c=<script>; d');
    expect([...jar]).toEqual([
      ["a", "1"],
      ["b", "two"],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it("writes HttpOnly, SameSite=Lax cookies, Secure on https, Max-Age=0 to delete", () => {
    expect(serializeCookie("s_1", "tok-en_", { path: "/kredivo/signIn", maxAge: 59.9, secure: false })).toBe(
      "s_1=tok-en_; Path=/kredivo/signIn; HttpOnly; SameSite=Lax; Max-Age=59",
    );
    expect(serializeCookie("s", "", { path: "/", maxAge: 0, secure: true })).toBe(
      "s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
    );
    expect(() => serializeCookie("s", "a;b", { path: "/", secure: false })).toThrow(TypeError);
  });
});

describe("pickLang", () => {
  it("prefers the explicit choice, then Accept-Language by quality, then English", () => {
    expect(pickLang("vi", "en")).toBe("vi");
    expect(pickLang(undefined, "vi-VN,vi;q=0.9,en;q=0.8")).toBe("vi");
    expect(pickLang(undefined, "fr;q=1, en;q=0.5, vi;q=0.7")).toBe("vi");
    expect(pickLang(undefined, "vi;q=0, en-GB")).toBe("en");
    expect(pickLang(undefined, "de")).toBe("en");
    expect(pickLang(undefined, undefined)).toBe("en");
  });
});

describe("pageAnswer: the use cases' refusals in the page's words (PAGE_ANSWERS)", () => {
  it("a step taken out of turn shows the step the checkout is at", () => {
    for (const rule of [
      "transaction_must_exist",
      "checkout_must_await_buyer",
      "session_must_be_signed_in",
      "checkout_step_out_of_order",
    ]) {
      expect(pageAnswer(new Rejection(rule)), rule).toEqual({ show: "current_step" });
    }
  });

  it("a tenure the order is too small for shows the summary again, saying so", () => {
    expect(pageAnswer(new Rejection("amount_must_meet_tenure_minimum"))).toEqual({
      show: "summary",
      status: 422,
      error: "tenureNotAllowed",
    });
  });

  it("a link to no checkout is not found", () => {
    expect(pageAnswer(new Rejection("transaction_must_be_known"))).toEqual({
      show: "message",
      status: 404,
      heading: "notFoundHeading",
      body: "notFoundBody",
      kind: "not-found",
    });
  });

  it("a refusal no step of the buyer's causes, or of no table, is a fault; other errors are not refusals", () => {
    expect(pageAnswer(new Rejection("order_id_must_be_unique"))).toBe(FAULT);
    expect(pageAnswer(new Rejection("invoice_must_be_uploaded"))).toBe(FAULT);
    expect(FAULT).toMatchObject({ status: 500, kind: "error" });
    expect(pageAnswer(new TypeError("boom"))).toBeUndefined();
  });
});
