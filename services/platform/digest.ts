import { createHash } from "node:crypto";

/** SHA-256 as lowercase hex: how secrets are kept (keys, tokens), blobs are addressed and files are named. */
export function sha256Hex(input: string | Uint8Array): string {
  return createHash("sha256").update(input).digest("hex");
}
