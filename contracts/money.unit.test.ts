import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { JsonTextRefused } from "./json-number.ts";
import {
  type Currency,
  currencies,
  currencyScale,
  JsonNumberText,
  type Money,
  type MoneyRejection,
  money,
  moneySchema,
  parseJsonPreservingNumbers,
  parseMoney,
  renderCheckoutAmount,
  renderCheckoutAmountAsNumber,
  renderDecimal,
} from "./money.ts";

const vnd = (n: bigint): Money => money(n, "VND");
const inr = (n: bigint): Money => money(n, "INR");
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function parsed(input: unknown, currency: Currency, allowNegative = false): bigint {
  const result = parseMoney(input, currency, { allowNegative });
  if (!result.ok) throw new Error(`expected ${String(input)} to parse, got ${result.rule}`);
  expect(result.value.currency).toBe(currency);
  return result.value.amountMinor;
}

function rejection(input: unknown, currency: Currency, allowNegative = false): MoneyRejection | "accepted" {
  const result = parseMoney(input, currency, { allowNegative });
  return result.ok ? "accepted" : result.rule;
}

const arbCurrency = fc.constantFrom(...currencies);
const arbMoney = fc
  .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), arbCurrency)
  .map(([n, c]) => money(n, c));

describe("currencies and construction", () => {
  it("knows each currency's minor-unit scale", () => {
    expect(currencies).toEqual(["VND", "INR"]);
    expect(currencyScale("VND")).toBe(0);
    expect(currencyScale("INR")).toBe(2);
  });

  it("money() asserts a bigint amount and a known currency", () => {
    expect(vnd(5n)).toEqual({ amountMinor: 5n, currency: "VND" });
    expect(() => money(5 as unknown as bigint, "VND")).toThrow(TypeError);
    expect(() => money(5n, "USD" as Currency)).toThrow(TypeError);
  });
});

describe("seed examples", () => {
  it("parses Checkout (VND) request numbers and response strings", () => {
    expect(parsed(6505000, "VND")).toBe(6505000n);
    expect(parsed("1000000.0", "VND")).toBe(1000000n);
    expect(parsed("2100000.0", "VND")).toBe(2100000n);
    expect(parsed(new JsonNumberText("4000000.0"), "VND")).toBe(4000000n);
  });

  it("parses Partner (INR) numbers, whether float-parsed or kept as text", () => {
    expect(parsed(1000.56, "INR")).toBe(100056n);
    expect(parsed(new JsonNumberText("1000.56"), "INR")).toBe(100056n);
    expect(parsed(new JsonNumberText("1000.0"), "INR")).toBe(100000n);
    expect(parsed(1000, "INR")).toBe(100000n);
  });

  it("renders the Checkout format: a decimal string with one trailing .0", () => {
    expect(renderCheckoutAmount(vnd(6505000n))).toBe("6505000.0");
    expect(renderCheckoutAmount(vnd(0n))).toBe("0.0");
    expect(JSON.stringify({ checkout_amount: renderCheckoutAmountAsNumber(vnd(4000000n)) })).toBe(
      '{"checkout_amount":4000000.0}',
    );
  });

  it("renders Double-typed fields (and the Partner format) as a raw JSON number, exact digits", () => {
    expect(JSON.stringify({ amount: renderCheckoutAmountAsNumber(inr(100000n)) })).toBe('{"amount":1000.0}');
    expect(JSON.stringify({ amount: renderCheckoutAmountAsNumber(inr(100056n)) })).toBe('{"amount":1000.56}');
    expect(JSON.stringify({ amount: renderCheckoutAmountAsNumber(inr(100050n)) })).toBe('{"amount":1000.5}');
  });

  it("renders the canonical minimal decimal", () => {
    expect(renderDecimal(inr(100056n))).toBe("1000.56");
    expect(renderDecimal(inr(100050n))).toBe("1000.5");
    expect(renderDecimal(inr(100000n))).toBe("1000");
    expect(renderDecimal(inr(5n))).toBe("0.05");
    expect(renderDecimal(inr(-5n))).toBe("-0.05");
    expect(renderDecimal(vnd(6505000n))).toBe("6505000");
  });
});

describe("rejection rules", () => {
  it.each<[unknown]>([
    [""],
    ["12abc"],
    ["1e5"], // exponents are only legal in JSON numbers, not in decimal strings
    [" 100"],
    ["100 "],
    ["+5"],
    [".5"],
    ["5."],
    ["1,000"],
    ["0x10"],
    ["١٢"],
    [null],
    [undefined],
    [true],
    [{}],
    [[100]],
  ])("amount_must_be_a_number: %j", (input) => {
    expect(rejection(input, "VND")).toBe("amount_must_be_a_number");
  });

  it("amount_must_be_a_number for a bigint: minor units must not be mistaken for major units", () => {
    expect(rejection(10n, "VND")).toBe("amount_must_be_a_number");
  });

  it("rejects leading zeros in strings (one canonical spelling per value, like JSON numbers)", () => {
    expect(rejection("007", "VND")).toBe("amount_must_be_a_number");
    expect(rejection("00.5", "INR")).toBe("amount_must_be_a_number");
    expect(parsed("0", "VND")).toBe(0n);
    expect(parsed("0.50", "INR")).toBe(50n);
  });

  it("refuses to build a JsonNumberText that is not JSON number text", () => {
    for (const bad of ["12abc", "+1", "007", "NaN", " 1", ""])
      expect(() => new JsonNumberText(bad)).toThrow();
  });

  it.each<[unknown]>([
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY],
    ["NaN"],
    ["-Infinity"],
  ])("amount_must_be_finite: %s", (input) => {
    expect(rejection(input, "INR", true)).toBe("amount_must_be_finite");
  });

  it("amount_must_not_be_negative unless allowNegative", () => {
    for (const input of [-5, "-5", new JsonNumberText("-0.5"), "-0.01"]) {
      expect(rejection(input, "INR")).toBe("amount_must_not_be_negative");
    }
    expect(parsed("-5", "INR", true)).toBe(-500n);
    expect(parsed(new JsonNumberText("-0.5"), "INR", true)).toBe(-50n);
  });

  it("treats negative zero as zero, not as a negative amount", () => {
    expect(parsed(-0, "VND")).toBe(0n);
    expect(parsed("-0", "VND")).toBe(0n);
    expect(parsed("-0.00", "INR")).toBe(0n);
    expect(parsed(new JsonNumberText("-0e5"), "INR")).toBe(0n);
  });

  it("amount_has_too_many_decimals, ignoring trailing zeros", () => {
    expect(rejection("1000000.5", "VND")).toBe("amount_has_too_many_decimals");
    expect(rejection(0.5, "VND")).toBe("amount_has_too_many_decimals");
    expect(rejection("1000.567", "INR")).toBe("amount_has_too_many_decimals");
    expect(rejection(1000.567, "INR")).toBe("amount_has_too_many_decimals");
    expect(rejection(0.1 + 0.2, "INR")).toBe("amount_has_too_many_decimals"); // a float sum leaking in
    expect(rejection(new JsonNumberText("1e-1"), "VND")).toBe("amount_has_too_many_decimals");
    expect(rejection(new JsonNumberText("1e-99999999999999999999"), "INR")).toBe(
      "amount_has_too_many_decimals",
    );
    expect(parsed("1000000.000", "VND")).toBe(1000000n);
    expect(parsed("1000.5600000", "INR")).toBe(100056n);
    expect(parsed(new JsonNumberText("123456e-2"), "INR")).toBe(123456n);
    expect(parsed(new JsonNumberText("1.5E+3"), "VND")).toBe(1500n);
  });

  it("checks rules in order: type, finiteness, sign, JSON magnitude, decimals", () => {
    expect(rejection(new JsonNumberText("-1e400"), "VND")).toBe("amount_must_not_be_negative");
    expect(rejection(new JsonNumberText("-1e400"), "VND", true)).toBe("amount_json_number_too_large");
    expect(rejection(new JsonNumberText("1.5e300"), "VND")).toBe("amount_json_number_too_large");
  });
});

describe("the 2^53 boundary", () => {
  it("accepts JSON numbers up to 2^53-1 and rejects anything above as ambiguous", () => {
    expect(parsed(Number.MAX_SAFE_INTEGER, "VND")).toBe(MAX_SAFE);
    expect(parsed(new JsonNumberText("9007199254740991"), "VND")).toBe(MAX_SAFE);
    expect(parsed(new JsonNumberText("9007199254740991.00"), "INR")).toBe(MAX_SAFE * 100n);
    expect(rejection(2 ** 53, "VND")).toBe("amount_json_number_too_large");
    expect(rejection(1e300, "VND")).toBe("amount_json_number_too_large");
    expect(rejection(new JsonNumberText("9007199254740992"), "VND")).toBe("amount_json_number_too_large");
    expect(rejection(new JsonNumberText("9007199254740991.01"), "INR")).toBe("amount_json_number_too_large");
    expect(rejection(new JsonNumberText("1e99999999999999999999"), "VND")).toBe(
      "amount_json_number_too_large",
    );
  });

  it("accepts strings of any size exactly: no float was ever involved", () => {
    expect(parsed("9007199254740993", "VND")).toBe(9007199254740993n);
    expect(parsed("9007199254740993.99", "INR")).toBe(900719925474099399n);
    expect(parsed("123456789012345678901234567890", "VND")).toBe(123456789012345678901234567890n);
  });

  it("refuses to render a JSON number it would itself reject", () => {
    expect(JSON.stringify(renderCheckoutAmountAsNumber(inr(MAX_SAFE * 100n)))).toBe("9007199254740991.0");
    expect(() => renderCheckoutAmountAsNumber(inr(MAX_SAFE * 100n + 1n))).toThrow(TypeError);
    expect(() => renderCheckoutAmountAsNumber(vnd(MAX_SAFE + 1n))).toThrow(TypeError);
    expect(renderCheckoutAmount(vnd(MAX_SAFE + 2n))).toBe("9007199254740993.0"); // strings have no limit
  });
});

describe("parseJsonPreservingNumbers", () => {
  it("keeps fractions and unsafe integers as text, plain safe integers as numbers", () => {
    const body = parseJsonPreservingNumbers('{"amount": 1000.56, "big": 123456789012345678901, "n": 3}');
    expect(body).toEqual({
      amount: new JsonNumberText("1000.56"),
      big: new JsonNumberText("123456789012345678901"),
      n: 3,
    });
    const { amount, big } = body as { amount: unknown; big: unknown };
    expect(parsed(amount, "INR")).toBe(100056n);
    expect(rejection(big, "VND")).toBe("amount_json_number_too_large");
  });

  it("keeps exponents and seed-style 1000.0 as text, leaves strings and nesting alone", () => {
    expect(parseJsonPreservingNumbers('[1e5, 1000.0, -0, 9007199254740991, "1000.0", {"a": [0.5]}]')).toEqual(
      [
        new JsonNumberText("1e5"),
        new JsonNumberText("1000.0"),
        -0,
        Number.MAX_SAFE_INTEGER,
        "1000.0",
        { a: [new JsonNumberText("0.5")] },
      ],
    );
  });

  it("round-trips the number text byte for byte through JSON.stringify", () => {
    const text = '{"amount":1000.0,"big":123456789012345678901,"n":3,"x":[1E+2,-0.10]}';
    expect(JSON.stringify(parseJsonPreservingNumbers(text))).toBe(text);
  });

  it("reads an INR amount beyond a double's precision exactly", () => {
    // Through a double, 90071992547409.93 becomes 90071992547409.9375 and reads back as ….94: a paisa more.
    expect(parsed(JSON.parse("90071992547409.93"), "INR")).toBe(9007199254740994n);
    const { amount } = parseJsonPreservingNumbers('{"amount": 90071992547409.93}') as { amount: unknown };
    expect(amount).toEqual(new JsonNumberText("90071992547409.93"));
    expect(parsed(amount, "INR")).toBe(9007199254740993n);
  });

  it.each<[string, string, string]>([
    ["an unfinished object", '{"amount": 1,', "malformed_json"],
    ["single quotes", "{'single': 'quotes'}", "malformed_json"],
    ["nothing", "", "malformed_json"],
    ["200,000 nested arrays", `${"[".repeat(200_000)}${"]".repeat(200_000)}`, "nesting_too_deep"],
    ["a nested __proto__ key", '{"a": {"__proto__": {"polluted": true}}}', "forbidden_key:__proto__"],
    ["an escaped __proto__ key", '{"\\u005f_proto__": {}}', "forbidden_key:__proto__"],
    [
      "constructor.prototype",
      '[{"constructor": {"prototype": {"polluted": true}}}]',
      "forbidden_key:constructor.prototype",
    ],
  ])("refuses %s as %s", (_name, text, rule) => {
    expect(() => parseJsonPreservingNumbers(text)).toThrow(JsonTextRefused);
    expect(() => parseJsonPreservingNumbers(text)).toThrow(expect.objectContaining({ rule }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("accepts a constructor key that is not a prototype", () => {
    expect(parseJsonPreservingNumbers('{"constructor": "Alice", "c": {"constructor": {"name": 1}}}')).toEqual(
      {
        constructor: "Alice",
        c: { constructor: { name: 1 } },
      },
    );
  });
});

describe("moneySchema (zod)", () => {
  const body = z.object({ amount: moneySchema("VND") });

  it("outputs Money from numbers, strings and JsonNumberText", () => {
    expect(body.parse({ amount: "1000000.0" }).amount).toEqual(vnd(1000000n));
    expect(body.parse({ amount: 6505000 }).amount).toEqual(vnd(6505000n));
    expect(body.parse(parseJsonPreservingNumbers('{"amount": 4000000.0}')).amount).toEqual(vnd(4000000n));
  });

  it("reports the rejection rule as the issue message", () => {
    const cases: [unknown, MoneyRejection][] = [
      [{}, "amount_must_be_a_number"],
      [{ amount: "12abc" }, "amount_must_be_a_number"],
      [{ amount: Number.NaN }, "amount_must_be_finite"],
      [{ amount: -1 }, "amount_must_not_be_negative"],
      [{ amount: "1000000.5" }, "amount_has_too_many_decimals"],
      [{ amount: 2 ** 60 }, "amount_json_number_too_large"],
    ];
    for (const [input, rule] of cases) {
      const result = body.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => [i.path, i.message])).toEqual([[["amount"], rule]]);
    }
  });

  it("passes allowNegative through", () => {
    expect(moneySchema("INR", { allowNegative: true }).parse("-1.5")).toEqual(inr(-150n));
  });
});

describe("sums of parsed amounts", () => {
  it("do not lose paise where floats would", () => {
    const tenths = Array.from({ length: 10 }, () => parsed(0.1, "INR"));
    // 0.1 summed ten times as floats is 0.9999999999999999
    expect(tenths.reduce((a, b) => a + b, 0n)).toBe(100n);
  });
});

describe("properties", () => {
  const allowNegative = { allowNegative: true };

  it("parse(renderDecimal(m)) and parse(renderCheckoutAmount(m)) are the identity", () => {
    fc.assert(
      fc.property(arbMoney, (m) => {
        expect(parseMoney(renderDecimal(m), m.currency, allowNegative)).toEqual({ ok: true, value: m });
        expect(parseMoney(renderCheckoutAmount(m), m.currency, allowNegative)).toEqual({
          ok: true,
          value: m,
        });
      }),
    );
  });

  it("amounts rendered as JSON numbers round-trip through JSON text for every renderable amount", () => {
    const arbRenderable = arbCurrency.chain((c) =>
      fc
        .bigInt({
          min: -MAX_SAFE * 10n ** BigInt(currencyScale(c)),
          max: MAX_SAFE * 10n ** BigInt(currencyScale(c)),
        })
        .map((n) => money(n, c)),
    );
    fc.assert(
      fc.property(arbRenderable, (m) => {
        const wire = JSON.stringify({ amount: renderCheckoutAmountAsNumber(m) });
        const { amount } = parseJsonPreservingNumbers(wire) as { amount: unknown };
        expect(parseMoney(amount, m.currency, allowNegative)).toEqual({ ok: true, value: m });
      }),
    );
  });

  it("float-parsing clients read amounts rendered as JSON numbers exactly up to 15 significant digits", () => {
    const arbSmall = fc.tuple(fc.bigInt({ min: -(10n ** 15n - 1n), max: 10n ** 15n - 1n }), arbCurrency);
    fc.assert(
      fc.property(arbSmall, ([n, c]) => {
        const { amount } = JSON.parse(JSON.stringify({ amount: renderCheckoutAmountAsNumber(money(n, c)) }));
        expect(parseMoney(amount, c, allowNegative)).toEqual({ ok: true, value: money(n, c) });
      }),
    );
  });

  it("sums of amounts after a render/parse trip equal the bigint sum", () => {
    fc.assert(
      fc.property(arbCurrency, fc.array(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n })), (c, ns) => {
        const reparsed = ns.map((n) => parsed(renderCheckoutAmount(money(n, c)), c, true));
        expect(reparsed.reduce((a, b) => a + b, 0n)).toBe(ns.reduce((a, b) => a + b, 0n));
      }),
    );
  });
});
