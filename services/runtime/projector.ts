import { checkoutReactions } from "../checkout/index.ts";
import { kredmintReactions } from "../kredmint/index.ts";
import { startReactor } from "../platform/reactor.ts";
import { projectionMetrics } from "../projector/metrics.ts";
import { ProjectionRunner } from "../projector/projection-runner.ts";
import { projections } from "./projections.ts";
import type { RoleContext, Started } from "./role.ts";

/** The projector role: every read model, then the process managers that react to the log. */
export async function startProjectorRole(
  context: RoleContext,
): Promise<Started & { runner: ProjectionRunner }> {
  const { store, readStore, logger, metrics } = context;
  const runner = new ProjectionRunner({ store, readStore, projections, logger });
  await runner.start();
  const stops = [() => runner.stop()];
  const reactions = [...checkoutReactions(store), ...kredmintReactions(store, readStore)];
  for (const reaction of reactions) {
    const reactor = await startReactor({ ...reaction, store, readStore, logger });
    stops.push(() => reactor.stop());
  }
  const names = [...projections, ...reactions].map((follower) => follower.name);
  projectionMetrics(metrics, { store, readStore, names });
  return { runner, mounts: [], stops };
}
