import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { envelopeSchema, streamIdSchema } from "../../../contracts/envelope.ts";
import { v1Field } from "../../../contracts/v1/bounds.ts";
import { sendProblem } from "../../http/problem-details.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { amount } from "../reports/wire.ts";
import { accountAsOf } from "./account-as-of.ts";
import { type AuditAt, parseAuditAt, streamAsOf } from "./as-of.ts";

export interface AuditRoutesOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Resolves true once the journal projection has applied `position` (bounded). */
  readonly waitForJournal: (position: string) => Promise<boolean>;
}

const atQuery = z.object({
  at: z
    .string()
    .max(40)
    .refine((text) => parseAuditAt(text) !== undefined, "at_must_be_a_log_position_or_an_iso_8601_time")
    .describe(
      "a log position (decimal: events recorded at or before it) or an ISO 8601 time with offset (effective at or before it)",
    ),
});

const atSchema = z.object({
  basis: z.enum(["log position", "effective time"]),
  position: z.string().optional().describe("the log position asked for"),
  time: z.string().optional().describe("the time asked for, normalised to UTC"),
});

const streamSchema = z.object({
  streamId: z.string(),
  asOf: atSchema,
  revision: z.number().int().describe("the stream's revision as of then; -1 when it had no event yet"),
  state: z
    .unknown()
    .describe(
      "the stream's decider state folded from those events (amounts as decimal strings); null for a kind without one",
    ),
  events: z.array(envelopeSchema).describe("every event of the stream up to then, oldest first"),
});

const POSTINGS_LIMIT = 100;

const accountSchema = z.object({
  account: z.string(),
  asOf: atSchema.extend({ journalPosition: z.string() }),
  balances: z.array(z.object({ currency: z.string(), debit: amount, credit: amount, balance: amount })),
  postings: z
    .array(
      z.object({
        entryId: z.string(),
        eventId: z.string(),
        kind: z.string(),
        currency: z.string(),
        position: z.string(),
        effectiveAt: z.string(),
        debit: amount,
        credit: amount,
      }),
    )
    .describe(`the last ${POSTINGS_LIMIT} postings counted in the balances, in log order`),
  truncated: z
    .boolean()
    .describe("more postings led there than are listed (the account statement pages them all)"),
});

const asOfOf = (at: AuditAt) =>
  at.kind === "position"
    ? { basis: "log position" as const, position: at.position.toString() }
    : { basis: "effective time" as const, time: at.at };

/**
 * `GET /audit/streams/:streamId` and `GET /audit/accounts/:account`, `?at=<position|time>`: a stream's state or
 * an account's balances as of a moment, with the events or postings that led there (role `finance`).
 */
export async function auditRoutes(app: FastifyInstance, options: AuditRoutesOptions): Promise<void> {
  const { store, readStore, waitForJournal } = options;
  const typed = app.withTypeProvider<ZodTypeProvider>();

  /** A position beyond the head answers the problem itself; undefined when the position may be read. */
  const beyondHead = async (request: FastifyRequest, reply: FastifyReply, at: AuditAt) => {
    if (at.kind !== "position") return undefined;
    const head = await store.headPosition();
    if (at.position <= BigInt(head)) return undefined;
    return sendProblem(request, reply, "position_beyond_log_head", {
      detail: `at: ${at.position} is beyond the log head ${head}; ask for ${head} or before`,
      param: "at",
    });
  };

  typed.get(
    "/audit/streams/:streamId",
    {
      onRequest: app.requireRole("finance"),
      config: { problems: ["position_beyond_log_head", "stream_not_found"] },
      schema: {
        tags: ["audit"],
        summary: "A stream's state as of a log position or an effective time, and the events that led there",
        params: z.object({ streamId: streamIdSchema }),
        querystring: atQuery,
        response: { 200: streamSchema },
      },
    },
    async (request, reply) => {
      const at = parseAuditAt(request.query.at)!;
      const refused = await beyondHead(request, reply, at);
      if (refused) return refused;
      const { streamId } = request.params;
      const asOf = await streamAsOf(store, streamId, at);
      if (!asOf) {
        return sendProblem(request, reply, "stream_not_found", {
          detail: `no stream ${streamId} in the log`,
          param: "streamId",
        });
      }
      return { ...asOf, asOf: asOfOf(at), events: [...asOf.events] };
    },
  );

  typed.get(
    "/audit/accounts/:account",
    {
      onRequest: app.requireRole("finance"),
      config: { problems: ["position_beyond_log_head", "journal_behind", "account_not_found"] },
      schema: {
        tags: ["audit"],
        summary:
          "An account's balances as of a log position or an effective time, and the postings that led there",
        params: z.object({ account: v1Field("account") }),
        querystring: atQuery,
        response: { 200: accountSchema },
      },
    },
    async (request, reply) => {
      const at = parseAuditAt(request.query.at)!;
      const refused = await beyondHead(request, reply, at);
      if (refused) return refused;
      if (at.kind === "position" && !(await waitForJournal(at.position.toString()))) {
        return sendProblem(request, reply, "journal_behind", {
          detail: `the journal has not reached position ${at.position} yet; retry shortly`,
        });
      }
      const { account } = request.params;
      const result = await accountAsOf(readStore, account, at, POSTINGS_LIMIT);
      const known =
        result.totals.length > 0 ||
        (await readStore.query("SELECT 1 FROM account_balances WHERE account = ?", [account])).length > 0;
      if (!known) {
        return sendProblem(request, reply, "account_not_found", {
          detail: `no postings to account ${account}; the trial balance lists every account that has some`,
          param: "account",
        });
      }
      return {
        account,
        asOf: { ...asOfOf(at), journalPosition: result.journalPosition },
        balances: result.totals.map((t) => ({
          currency: t.currency,
          debit: decimal(t.debitMinor, t.currency),
          credit: decimal(t.creditMinor, t.currency),
          balance: decimal(t.debitMinor - t.creditMinor, t.currency),
        })),
        postings: result.postings.map((p) => ({
          entryId: p.entryId,
          eventId: p.eventId,
          kind: p.kind,
          currency: p.currency,
          position: p.position,
          effectiveAt: p.effectiveAt,
          debit: decimal(p.debitMinor, p.currency),
          credit: decimal(p.creditMinor, p.currency),
        })),
        truncated: result.truncated,
      };
    },
  );
}
