import { checkoutReactions } from "../checkout/index.ts";
import { kredmintReactions } from "../kredmint/index.ts";
import { startReactor } from "../platform/reactor.ts";
import { ProjectionRunner } from "../projector/projection-runner.ts";
import { projections } from "./projections.ts";
import type { RoleContext, Started } from "./role.ts";

/** The projector role: every read model, then the process managers that react to the log. */
export async function startProjectorRole(
  context: RoleContext,
): Promise<Started & { runner: ProjectionRunner }> {
  const { store, readStore, logger } = context;
  const runner = new ProjectionRunner({ store, readStore, projections, logger });
  await runner.start();
  const stops = [() => runner.stop()];
  for (const reaction of [...checkoutReactions(store), ...kredmintReactions(store, readStore)]) {
    const reactor = await startReactor({ ...reaction, store, readStore, logger });
    stops.push(() => reactor.stop());
  }
  return { runner, mounts: [], stops };
}
