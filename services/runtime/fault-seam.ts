import fp from "fastify-plugin";
import type { HttpMount } from "../http/app.ts";
import type { EventStore } from "../platform/eventstore/port.ts";

/**
 * The test seam FAULT_KILL_AFTER_APPEND (test/faults/): a request to one of `routes` ("POST /v1/payouts/run")
 * kills the process with SIGKILL right after an append it caused commits, so a test can die exactly between
 * the append and the reply and prove that a retry appends nothing new. The append is the request's when its
 * events carry the request's id as their causation id. With no routes named (the default) the store is
 * returned untouched and nothing is mounted; production refuses the setting (platform/config.ts).
 */
export function killAfterAppend(
  store: EventStore,
  routes: readonly string[],
): { store: EventStore; mount?: HttpMount } {
  if (routes.length === 0) return { store };
  const armed = new Set<string>(); // ids of the requests to those routes still in flight
  const mount = fp(async (app) => {
    app.addHook("onRequest", async (request) => {
      if (routes.includes(`${request.method} ${request.routeOptions.url}`)) armed.add(request.id);
    });
    app.addHook("onResponse", async (request) => {
      armed.delete(request.id);
    });
  });
  return {
    store: {
      async append(streamId, events, options) {
        const result = await store.append(streamId, events, options);
        if (events.some((event) => armed.has(event.causationId))) process.kill(process.pid, "SIGKILL");
        return result;
      },
      readStream: (streamId, options) => store.readStream(streamId, options),
      readAll: (options) => store.readAll(options),
      headPosition: () => store.headPosition(),
      chainHead: () => store.chainHead(),
      readChain: (options) => store.readChain(options),
      subscribeToAll: (options) => store.subscribeToAll(options),
      close: () => store.close(),
    },
    mount,
  };
}
