import { expect } from "vitest";
import { type Caller, type CommandMeta, type Decider, fold, Rejection } from "../decider.ts";

/** Who asks in tests. */
export const testCaller: Caller = { actor: "test", correlationId: "corr-test", causationId: "cause-test" };

export const testMeta: CommandMeta = {
  ...testCaller,
  now: "2026-11-27T10:00:00.000Z",
  tenantId: "tenant-test",
};

/** `days` days (and `ms` milliseconds) after testMeta.now, as an ISO timestamp. */
export const at = (days: number, ms = 0) =>
  new Date(Date.parse(testMeta.now) + days * 86_400_000 + ms).toISOString();

/** testMeta at the business time `now` (and for `tenantId`). */
export const meta = (now: string, tenantId = testMeta.tenantId): CommandMeta => ({
  ...testMeta,
  now,
  tenantId,
});

/**
 * Given/when/then for deciders:
 *   spec(decider).given([past events]).when(command).yields([expected events]) (not `then`: that would make it a thenable)
 *   spec(decider).given([...]).when(command).rejects("rule_name")
 *   spec(decider).given([...]).when(command).refusal() (the Rejection itself, to read its detail)
 */
export function spec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(history: readonly E[]) {
      return {
        when(command: C, metaOverrides: Partial<CommandMeta> = {}) {
          const run = () =>
            decider.decide(command, fold(decider, history), { ...testMeta, ...metaOverrides });
          const refusal = (expectation: string): Rejection => {
            let thrown: unknown;
            try {
              run();
            } catch (error) {
              thrown = error;
            }
            expect(thrown, expectation).toBeInstanceOf(Rejection);
            return thrown as Rejection;
          };
          return {
            yields(expected: readonly E[]): void {
              expect(run()).toEqual(expected);
            },
            rejects(rule: string): void {
              expect(refusal(`expected rejection ${rule}`).rule).toBe(rule);
            },
            refusal: () => refusal("expected a rejection"),
            state(): S {
              return fold(decider, [...history, ...run()]);
            },
          };
        },
      };
    },
  };
}
