import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("portability", () => {
  it("imports only socket.io-client, react, the protocol's schema-free entry and its own files (no Node-only modules, no TypeBox)", () => {
    const imported = new Set<string>();
    for (const file of sourceFiles(SRC)) {
      for (const m of readFileSync(file, "utf8").matchAll(/from\s+"([^"]+)"/g)) if (!m[1]!.startsWith(".")) imported.add(m[1]!);
    }
    expect([...imported].sort()).toEqual(["@tickwire/protocol/core", "react", "socket.io-client"]);
  });

  it("has no console calls in library code", () => {
    const offenders = sourceFiles(SRC).filter((f) => /\bconsole\./.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});
