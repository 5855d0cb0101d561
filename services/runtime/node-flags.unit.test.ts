import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SERVICE_NODE_FLAGS } from "./node-flags.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

describe("the service's Node flags", () => {
  const flags = SERVICE_NODE_FLAGS.join(" ");

  it("are what `npm start` passes", () => {
    const { scripts } = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`node ${flags} services/main.ts`);
  });

  it("are in the README's command for the production roles", () => {
    expect(read("README.md")).toContain(`\`node ${flags} services/main.ts --role <role>\``);
  });
});
