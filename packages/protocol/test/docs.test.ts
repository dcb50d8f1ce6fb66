import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as protocol from "@tickwire/protocol";
// @ts-expect-error: a plain .mjs helper shared with `npm run docs`
import { blocks, readBlock } from "../../../scripts/docs-tables.mjs";

const root = resolve(import.meta.dirname, "../../..");

describe("the docs and the protocol package", () => {
  const expected = blocks(protocol) as Record<string, Record<string, string>>;
  for (const [file, named] of Object.entries(expected)) {
    for (const [name, content] of Object.entries(named)) {
      it(`${file} lists the current ${name} (run \`npm run docs\` after changing them)`, () => {
        const text = readFileSync(resolve(root, file), "utf8");
        expect(readBlock(text, name)).toBe(content);
      });
    }
  }

  it("docs/errors.md describes every error code in prose too", () => {
    const text = readFileSync(resolve(root, "docs/errors.md"), "utf8");
    for (const code of Object.keys(protocol.ERRORS)) expect(text).toContain(`### ${code}`);
  });

  it("docs/protocol.md documents every server event of the event map", () => {
    const text = readFileSync(resolve(root, "docs/protocol.md"), "utf8");
    for (const event of [...Object.keys(protocol.SERVER_EVENT_SCHEMAS), ...Object.keys(protocol.PUBLICATION_EVENT_SCHEMAS)]) {
      expect(text).toContain(`\`${event}\``);
    }
  });
});
