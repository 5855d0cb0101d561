import { TENURES } from "../../contracts/checkout/common.ts";
import { type Currency, money, parseMoney, renderDecimal } from "../../contracts/money.ts";
import type { LimitHistory, SetCreditLimitBody } from "../../contracts/v1/credit-limits.ts";
import { buyerDecider, buyerStream } from "../ledger/buyer/buyer.decider.ts";
import { buyerCodec } from "../ledger/buyer/buyer.events.ts";
import { type CreditLimit, creditLineDecider } from "../ledger/creditline/creditline.decider.ts";
import { type CreditProduct, creditLineCodec, type Tenure } from "../ledger/creditline/creditline.events.ts";
import { creditLineStream, kredivoLine } from "../ledger/creditline/creditline.stream.ts";
import type { Caller } from "../ledger/decider.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";

export interface CreditLimitsOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly waitForProjections: (position: string) => Promise<boolean>;
  readonly now: () => Date;
}

/** What each product lends from: Kredivo instalment lines in VND, Kredmint revolving lines in INR. */
const CURRENCY: Readonly<Record<CreditProduct, Currency>> = { kredivo: "VND", kredmint: "INR" };

/** The credit line a limit names has no owner we know: no buyer (kredivo), no open line (kredmint). */
export class UnknownLineOwner extends Error {
  override name = "UnknownLineOwner";
}

/** An amount in the body is not an amount of the line's currency; `param` names the field. */
export class BadLimitAmount extends Error {
  override name = "BadLimitAmount";
  readonly param: string;
  constructor(param: string, rule: string) {
    super(`${param}: ${rule}`);
    this.param = param;
  }
}

const lineOf = (product: CreditProduct, userId: string) => ({ product, userId, currency: CURRENCY[product] });

function amountOf(text: string, currency: Currency, param: string): bigint {
  const parsed = parseMoney(text, currency);
  if (!parsed.ok) throw new BadLimitAmount(param, parsed.rule);
  return parsed.value.amountMinor;
}

/**
 * Credit limits as events: the credit line's SetLimit (rules in creditline.decider.ts; lowering below what
 * is held and used is limit_must_cover_outstanding) with the admin as actor and a reason. A Kredivo buyer
 * must be registered (`/v1/buyers`); a Kredmint user's line is opened by the partner's operator decision,
 * and only changed here.
 */
export function creditLimits(options: CreditLimitsOptions) {
  const creditLines = commandHandler(options.store, creditLineDecider, creditLineCodec);
  const buyers = commandHandler(options.store, buyerDecider, buyerCodec);

  const ownerKnown = async (product: CreditProduct, userId: string) => {
    if (product === "kredivo") return (await buyers.load(buyerStream(userId))).state.profile !== undefined;
    return (await creditLines.load(creditLineStream(lineOf(product, userId)))).state.open;
  };

  const render = (minor: bigint, currency: Currency) => renderDecimal(money(minor, currency));

  return {
    async setLimit(product: CreditProduct, userId: string, body: SetCreditLimitBody, caller: Caller) {
      if (!(await ownerKnown(product, userId))) throw new UnknownLineOwner(`no ${product} user ${userId}`);
      const currency = CURRENCY[product];
      const totalMinor = amountOf(body.limit, currency, "limit");
      let limit: CreditLimit;
      if (product === "kredivo") {
        const caps: Readonly<Record<string, string | undefined>> =
          body.perTenure ?? Object.fromEntries(TENURES.map((t) => [String(t), body.limit]));
        const perTenureMinor = TENURES.filter((t) => caps[String(t)] !== undefined).map((tenure: Tenure) => ({
          tenure,
          limitMinor: amountOf(caps[String(tenure)] ?? "", currency, `perTenure.${tenure}`),
        }));
        limit = { kind: "instalment", totalMinor, perTenureMinor };
      } else {
        if (body.perTenure !== undefined)
          throw new BadLimitAmount("perTenure", "a_revolving_line_has_no_tenures");
        limit = { kind: "revolving", totalMinor };
      }
      const key = product === "kredivo" ? kredivoLine(userId) : lineOf(product, userId);
      const handled = await creditLines.handle(
        creditLineStream(key),
        { type: "SetLimit", line: key, limit, reason: body.reason },
        { ...caller, now: options.now().toISOString(), tenantId: product },
      );
      if (handled.position !== undefined) await options.waitForProjections(handled.position);
      const perTenure =
        limit.kind === "instalment"
          ? Object.fromEntries(
              limit.perTenureMinor.map((t) => [String(t.tenure), render(t.limitMinor, currency)]),
            )
          : null;
      return { product, userId, currency, limit: render(totalMinor, currency), perTenure };
    },

    /** Oldest first; undefined when the line never had a limit. */
    async history(product: CreditProduct, userId: string): Promise<LimitHistory | undefined> {
      const currency = CURRENCY[product];
      const rows = await options.readStore.query(
        `SELECT recorded_at, actor, reason, total_minor, per_tenure FROM credit_limit_history
         WHERE product = ? AND user_id = ? AND currency = ? ORDER BY position`,
        [product, userId, currency],
      );
      if (rows.length === 0) return undefined;
      let previous: bigint | undefined;
      const changes = rows.map((row) => {
        const total = BigInt(String(row.total_minor));
        const change =
          previous === undefined
            ? "set"
            : total > previous
              ? "raised"
              : total < previous
                ? "lowered"
                : "unchanged";
        const perTenure =
          row.per_tenure == null
            ? null
            : Object.fromEntries(
                Object.entries(JSON.parse(String(row.per_tenure)) as Record<string, string>).map(([t, m]) => [
                  t,
                  render(BigInt(m), currency),
                ]),
              );
        const entry = {
          at: String(row.recorded_at),
          actor: String(row.actor),
          reason: String(row.reason),
          change,
          limit: render(total, currency),
          previousLimit: previous === undefined ? null : render(previous, currency),
          perTenure,
        } as const;
        previous = total;
        return entry;
      });
      return { product, userId, currency, changes };
    },
  };
}
