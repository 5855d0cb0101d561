import type { Readiness } from "../../services/http/readiness.ts";

// What tests of an app built by services/http/app.ts share.

/** Readiness of an app with no store behind it: always ready, at position 0. */
export const alwaysReady: Readiness = async () => ({
  ready: true,
  store: { open: true, head: "0" },
  projections: [],
});

/** The Authorization header of a /v1 API key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
