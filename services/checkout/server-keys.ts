import { type HashedCredentials, hashedCredentials } from "../platform/secrets/hashed-credentials.ts";
import type { SecretStore } from "../platform/secrets/port.ts";

// The seed's push `signature_key` is keyed with hex(SHA-256(server_key)): the merchant's events name that
// hash by its reference into the secret store (services/platform/secrets/hashed-credentials.ts).
export type ServerKeys = HashedCredentials;

export const serverKeys = (secrets: SecretStore): ServerKeys =>
  hashedCredentials(secrets, "kredivo server_key");
