import { describe, expect, it } from "vitest";
import { STATUS_TITLES, V1_ERROR_CODES, V1_ERRORS } from "./v1-errors.ts";

describe("the /v1 error catalogue", () => {
  it.each(V1_ERROR_CODES)("%s is a snake_case code with a client or server status", (code) => {
    expect(code).toMatch(/^[a-z]+(_[a-z]+)+$/);
    expect(STATUS_TITLES[V1_ERRORS[code].status]).toMatch(/^[A-Z]/);
  });

  it.each(V1_ERROR_CODES)("%s has a title and says how to fix it in a sentence", (code) => {
    const { title, fix } = V1_ERRORS[code];
    expect(title).toMatch(/^[A-Z][^.]*[^.\s]$/);
    expect(fix).toMatch(/^[A-Z`].*\.$/);
  });

  it("names each problem type once", () => {
    const titles = V1_ERROR_CODES.map((code) => V1_ERRORS[code].title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("lists its codes in status order, so the README and the OpenAPI enum read as a table", () => {
    const statuses = V1_ERROR_CODES.map((code) => V1_ERRORS[code].status);
    expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
  });
});
