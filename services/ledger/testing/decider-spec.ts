import { expect } from "vitest";
import { type CommandMeta, type Decider, fold, Rejection } from "../decider.ts";

export const testMeta: CommandMeta = {
  now: "2026-11-27T10:00:00.000Z",
  actor: "test",
  tenantId: "tenant-test",
  correlationId: "corr-test",
  causationId: "cause-test",
};

/**
 * Given/when/then for deciders:
 *   spec(decider).given([past events]).when(command).yields([expected events]) (not `then`: that would make it a thenable)
 *   spec(decider).given([...]).when(command).rejects("rule_name")
 */
export function spec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(history: readonly E[]) {
      return {
        when(command: C, meta: Partial<CommandMeta> = {}) {
          const run = () => decider.decide(command, fold(decider, history), { ...testMeta, ...meta });
          return {
            yields(expected: readonly E[]): void {
              expect(run()).toEqual(expected);
            },
            rejects(rule: string): void {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown, `expected rejection ${rule}`).toBeInstanceOf(Rejection);
              expect((thrown as Rejection).rule).toBe(rule);
            },
            state(): S {
              return fold(decider, [...history, ...run()]);
            },
          };
        },
      };
    },
  };
}
