import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS, ENV_VARIABLES } from "@tickwire/server";

const ROOT = resolve(import.meta.dirname, "../../../..");
const text = readFileSync(resolve(ROOT, "docs/embedding.md"), "utf8");

describe("docs/embedding.md", () => {
  it("links only to files that exist, the two examples among them", () => {
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    const targets = links.map((l) => relative(ROOT, resolve(ROOT, "docs", l)));
    for (const t of targets) expect(existsSync(resolve(ROOT, t)), t).toBe(true);
    expect(targets).toContain("examples/express/server.mjs");
    expect(targets).toContain("examples/fastify/server.mjs");
  });

  it("names the options and variables with their real defaults", () => {
    for (const [option, variable] of [["socketPath", "TICKWIRE_SOCKET_PATH"], ["apiPrefix", "TICKWIRE_API_PREFIX"]] as const) {
      expect(ENV_VARIABLES[variable]?.option).toBe(option);
      expect(text).toContain(`| \`${option}\` (\`${variable}\`) | \`${DEFAULT_OPTIONS[option]}\` |`);
    }
  });
});
