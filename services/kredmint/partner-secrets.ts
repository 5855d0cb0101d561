import { type HashedCredentials, hashedCredentials } from "../platform/secrets/hashed-credentials.ts";
import type { SecretStore } from "../platform/secrets/port.ts";

/**
 * A partner's Basic secret and its onboarding URL's clientToken, in the secret store as their SHA-256; the
 * partner's events name them by reference. The secret's hash keys the partner's webhook signatures, so it
 * is a signing key and stays out of the log.
 */
export interface PartnerSecrets {
  readonly secrets: HashedCredentials;
  readonly clientTokens: HashedCredentials;
}

export const partnerSecrets = (store: SecretStore): PartnerSecrets => ({
  secrets: hashedCredentials(store, "kredmint partner secret"),
  clientTokens: hashedCredentials(store, "kredmint client token"),
});
