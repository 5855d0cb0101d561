/**
 * The secret store port: credentials and keys kept outside the event log, which is published (Kafka) and
 * so must hold nothing that lets a reader act as someone else (DESIGN.md "HTTP"). Events carry a secret's
 * reference only. The embedded default is a table of the read store, encrypted at rest (read-store-secrets.ts);
 * test/conformance/secret-store.suite.ts holds every implementation to one behaviour.
 */
export interface SecretStore {
  /**
   * Stores `plaintext` under `ref` (a fresh random reference: storing twice under one reference is refused).
   * `lookup` is an optional non-secret digest to find the reference by (refByLookup), e.g. of a server_key.
   */
  put(ref: string, plaintext: string, options?: { readonly lookup?: string }): Promise<void>;
  /** The plaintext stored under `ref`, or undefined when there is none. */
  get(ref: string): Promise<string | undefined>;
  /** The reference stored with this lookup digest, or undefined. */
  refByLookup(lookup: string): Promise<string | undefined>;
  /** Forgets the value under `ref` (a secret no longer in use); an unknown reference is no error. */
  remove(ref: string): Promise<void>;
  /** Re-encrypts every value sealed with an older key under the current one; answers how many it moved. */
  rotate(): Promise<number>;
}
