import type { ReadStore } from "../platform/readstore/port.ts";

/**
 * Read-your-writes for a gateway whose projections run in another process: watch the checkpoints in the
 * shared read store until every running projection has passed `position`, bounded by `timeoutMs`.
 * (In one process the runner resolves this from its own progress instead, without polling.)
 */
export function waitForReadModels(readStore: ReadStore, timeoutMs: number, everyMs = 20) {
  return async (position: string): Promise<boolean> => {
    const target = BigInt(position);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await readStore.projectionStates();
      if (states.every((s) => s.status !== "running" || BigInt(s.position) >= target)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };
}
