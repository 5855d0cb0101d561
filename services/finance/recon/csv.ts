import type { FastifyReply, FastifyRequest } from "fastify";

// Every /v1/recon report answers JSON, or CSV when the caller asks for it with `Accept: text/csv` (a
// spreadsheet or a bank's reconciliation tool reads it as is). A CSV has one header row and one row per
// line of the report; values are quoted only when they must be (RFC 4180).

export type CsvValue = string | number | bigint | boolean | null | undefined;

export function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return accept.split(",").some((part) => part.trim().toLowerCase().startsWith("text/csv"));
}

function cell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => `${row.map(cell).join(",")}\r\n`).join("");
}

/** Sends the CSV as is: the route's JSON response schema describes the other representation. */
export function sendCsv(reply: FastifyReply, filename: string, csv: string): FastifyReply {
  return reply
    .type("text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${filename}"`)
    .serializer((payload: unknown) => String(payload))
    .send(csv);
}
