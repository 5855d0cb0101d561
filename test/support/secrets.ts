import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { configuredKeyring } from "../../services/platform/secrets/keyring.ts";
import type { SecretStore } from "../../services/platform/secrets/port.ts";
import { readStoreSecrets } from "../../services/platform/secrets/read-store-secrets.ts";

/** The secret store a service with no SECRET_STORE_KEY opens on `readStore` (the development key). */
export const developmentSecrets = (readStore: ReadStore): SecretStore =>
  readStoreSecrets(readStore, configuredKeyring({ SECRET_STORE_OLD_KEYS: [] }));
