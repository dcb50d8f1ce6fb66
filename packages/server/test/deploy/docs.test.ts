import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { exists, path, read } from "./kit.js";

/** Files of the kit, relative to the repository root. */
function kitFiles(folder = "deploy"): string[] {
  return readdirSync(path(folder), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${folder}/${entry.name}`;
    if (entry.name === ".gitignore" || entry.name === "certs" || entry.name === ".env") return [];
    return entry.isDirectory() ? kitFiles(rel) : [rel];
  });
}

describe("docs/deployment.md", () => {
  const text = read("docs/deployment.md");
  const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
  const targets = links.map((l) => relative(path("."), resolve(path("docs"), l)));

  it("links only to files and folders that exist", () => {
    expect(links.length).toBeGreaterThan(10);
    for (const t of targets) expect(exists(t), t).toBe(true);
  });

  it("walks through every file of the kit", () => {
    // A link to a folder of the kit (deploy/kubernetes) covers its files; the link to deploy/ itself does not.
    const linked = new Set(targets.flatMap((t) => (t === "deploy" ? [] : statSync(path(t)).isDirectory() ? kitFiles(t) : [t])));
    for (const file of kitFiles().filter((f) => f !== "deploy/README.md")) expect(linked.has(file), `${file} is not linked from docs/deployment.md`).toBe(true);
    expect(linked.has(".dockerignore")).toBe(true);
  });

  it("is linked from the README", () => {
    expect(read("README.md")).toContain("(docs/deployment.md)");
    expect(exists(join("deploy", "README.md"))).toBe(true);
  });
});
