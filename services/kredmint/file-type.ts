import type { UploadedFile } from "../../contracts/kredmint/document.ts";
import type { FinancialDataFormat } from "./underwriting.ts";

// Which of the two formats an uploaded file is. The seed's own samples send it as `file` with no extension
// (`filename=file`, `application/octet-stream`), so the name decides when it says csv or json, then the media
// type, then the first character of the content; anything that says another type (a pdf, a spreadsheet) is
// refused.

const BY_EXTENSION: Readonly<Record<string, FinancialDataFormat>> = { csv: "csv", json: "json" };
const BY_MEDIA_TYPE: Readonly<Record<string, FinancialDataFormat>> = {
  "text/csv": "csv",
  "application/csv": "csv",
  "application/vnd.ms-excel": "csv",
  "application/json": "json",
  "text/json": "json",
};
/** Media types that say nothing of the content. */
const GENERIC = new Set(["application/octet-stream", "text/plain", ""]);

export function financialDataFormat(file: UploadedFile): FinancialDataFormat | undefined {
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(file.filename)?.[1]?.toLowerCase();
  if (extension !== undefined) return BY_EXTENSION[extension];
  const mediaType = file.mimetype.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!GENERIC.has(mediaType)) return BY_MEDIA_TYPE[mediaType];
  const first = file.bytes
    .toString("utf8", 0, 64)
    .replace(/^\uFEFF/, "")
    .trimStart()[0];
  if (first === undefined || first === "\u0000") return undefined;
  return first === "{" || first === "[" ? "json" : "csv";
}

/** The name a document is stored and linked under: the file's own, with anything but [A-Za-z0-9._-] as `_`. */
export function documentName(filename: string): string {
  const base = filename.split(/[\\/]/).at(-1) ?? "";
  const safe = base
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^\.+/, "_")
    .slice(0, 200);
  return safe === "" ? "file" : safe;
}
