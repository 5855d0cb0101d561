import { defineConfig } from "vitest/config";

// Two tiers, one script each: unit tests sit beside the code they test and are pure;
// integration tests (conformance, *.int, *.e2e, load, fault) live under test/ and talk to real components.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["contracts/**/*.unit.test.ts", "services/**/*.unit.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
