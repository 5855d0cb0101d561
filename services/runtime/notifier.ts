import { checkoutPushSource, tokenizeCallbackSource } from "../checkout/index.ts";
import { kredmintWebhookSource } from "../kredmint/index.ts";
import { type Notifier, notifierHttp, startNotifier } from "../notifier/index.ts";
import type { RoleContext, Started } from "./role.ts";

/** The notifier role: every product's deliveries from the log, and the operator API over them. */
export async function startNotifierRole(context: RoleContext): Promise<Started & { notifier: Notifier }> {
  const { config, logger, store, readStore, secrets, metrics } = context;
  const notifier = await startNotifier({
    store,
    readStore,
    sources: [
      checkoutPushSource(store, readStore, secrets),
      tokenizeCallbackSource(store, readStore, secrets),
      kredmintWebhookSource(store, readStore, secrets),
    ],
    logger,
    metrics,
    timeoutMs: config.NOTIFY_TIMEOUT_MS,
    schedule: {
      firstRetryMs: config.NOTIFY_FIRST_RETRY_MS,
      maxRetryMs: config.NOTIFY_MAX_RETRY_MS,
      maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
      giveUpAfterMs: config.NOTIFY_GIVE_UP_AFTER_MS,
    },
  });
  return {
    notifier,
    mounts: [notifierHttp({ notifier, readStore, apiKeys: config.API_KEYS })],
    stops: [() => notifier.stop()],
  };
}
