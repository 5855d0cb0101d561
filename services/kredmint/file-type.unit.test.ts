import { describe, expect, it } from "vitest";
import { documentName, financialDataFormat } from "./file-type.ts";

const file = (filename: string, mimetype: string, content: string) => ({
  filename,
  mimetype,
  bytes: Buffer.from(content),
});

describe("the format of a financial data file", () => {
  it.each([
    ["by its extension", file("revenue.CSV", "application/octet-stream", "{"), "csv"],
    ["by its extension, json", file("revenue.json", "text/plain", "month"), "json"],
    [
      "by its media type, without an extension (the seed's samples)",
      file("file", "application/json", "x"),
      "json",
    ],
    ["by its content when nothing else says", file("file", "application/octet-stream", ' \n{"a":1}'), "json"],
    ["csv by content", file("file", "text/plain", "month,revenue"), "csv"],
  ])("%s", (_, given, format) => {
    expect(financialDataFormat(given)).toBe(format);
  });
  it.each([
    ["another extension", file("statement.pdf", "application/pdf", "%PDF")],
    ["another media type", file("file", "application/pdf", "month,revenue")],
    ["binary content", file("file", "application/octet-stream", "\u0000\u0001")],
    ["an empty file", file("file", "application/octet-stream", "")],
  ])("refuses %s", (_, given) => {
    expect(financialDataFormat(given)).toBeUndefined();
  });
});

describe("a document's name", () => {
  it("keeps safe names and replaces the rest", () => {
    expect(documentName("TaxInvoice_AIN2425000543858.csv")).toBe("TaxInvoice_AIN2425000543858.csv");
    expect(documentName("../../etc/passwd")).toBe("passwd");
    expect(documentName("my revenue (2024).csv")).toBe("my_revenue__2024_.csv");
    expect(documentName("..")).toBe("_");
    expect(documentName("")).toBe("file");
  });
});
