import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../digest.ts";
import { type BlobStore, isBlobAddress, type StoredBlob } from "./port.ts";

/**
 * Blobs as files under a directory (`DATA_DIR/blobs` by default): `<first 2 hex>/<sha256>`. A blob is written
 * to a temporary file, fsynced and renamed into place, so a reader never sees half a blob and a crash leaves
 * at most a stray temporary file.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly #root: string;

  constructor(options: { readonly directory: string }) {
    this.#root = options.directory;
  }

  #path(sha256: string): string {
    return join(this.#root, sha256.slice(0, 2), sha256);
  }

  async put(bytes: Buffer): Promise<StoredBlob> {
    const sha256 = sha256Hex(bytes);
    const path = this.#path(sha256);
    await mkdir(join(this.#root, sha256.slice(0, 2)), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    const file = await open(temporary, "w");
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      // Same content, same name: replacing an existing blob with identical bytes changes nothing.
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { sha256, sizeBytes: bytes.length };
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    if (!isBlobAddress(sha256)) return undefined;
    try {
      return await readFile(this.#path(sha256));
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {}
}
