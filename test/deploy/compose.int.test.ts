import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_VARIABLES, loadConfig } from "../../services/platform/config.ts";

// No Docker engine here: this proves what can be proven without one. The file parses, every role of the
// one image is a service, and every variable the service reads is set for it and passes our own validation.
const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true });
const ROLES = ["gateway", "projector", "publisher", "notifier"];

describe("docker-compose.yml", () => {
  it("runs the stores, the broker and each role as its own service", () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(["eventstore", "postgres", "kafka", ...ROLES]),
    );
    for (const role of ROLES) {
      expect(compose.services[role].command).toEqual(["--role", role]);
      expect(compose.services[role].healthcheck).toBeDefined();
    }
    for (const store of ["eventstore", "postgres", "kafka"]) {
      expect(compose.services[store].healthcheck).toBeDefined();
      expect(compose.services[store].volumes).toHaveLength(1);
    }
  });

  it.each(ROLES)("sets every variable the service reads for %s, and they validate", (role) => {
    const environment: Record<string, string> = compose.services[role].environment;
    expect(Object.keys(environment).sort()).toEqual([...CONFIG_VARIABLES].sort());
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/, "$1")]),
    );
    expect(() => loadConfig(resolved)).not.toThrow();
  });
});
