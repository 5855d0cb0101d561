/**
 * The blob store port: where uploaded files live, content-addressed (a blob's name is the SHA-256 of its
 * bytes, so the same file stored twice is one blob, and an event that records the hash names exactly the
 * bytes it saw). The filesystem (embedded default) and PostgreSQL (production shape) implement it;
 * test/conformance/blob-store.suite.ts holds both to one behaviour.
 */
export interface BlobStore {
  /** Stores the bytes (again is a no-op) and answers their address; durable when it resolves. */
  put(bytes: Buffer): Promise<StoredBlob>;
  /** The bytes stored under an address, or undefined when there are none. */
  get(sha256: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

export interface StoredBlob {
  /** Lower-case hex SHA-256 of the bytes. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** An address is 64 lower-case hex digits; anything else names no blob (and never reaches a path or query). */
export const isBlobAddress = (text: string): boolean => /^[0-9a-f]{64}$/.test(text);
