import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkInput, inspectInput } from "../../src/core/input-bounds.js";
import { fuzzParameters, withOwnKey } from "../fuzz/arbitraries.js";
import { nested } from "./hostile.js";

// The one bounds check every entry point uses (docs/errors.md, "Limits").
const WIDE = { maxDepth: 64, maxBytes: Number.MAX_SAFE_INTEGER };

describe("the input bounds", () => {
  it("measures any JSON value at exactly its UTF-8 JSON size", () => {
    // Values the bounds accept: no NUL, no lone surrogate (JSON.stringify escapes both), no prototype keys.
    const wellFormed = fc.jsonValue().filter((v) => !/\\u0000|\\ud[89a-f]|"__proto__"|"constructor"/i.test(JSON.stringify(v)));
    fc.assert(
      fc.property(wellFormed, (value) => {
        expect(inspectInput(value, WIDE)).toBe(Buffer.byteLength(JSON.stringify(value)));
      }),
      fuzzParameters(500),
    );
  });

  it("refuses the first level past maxDepth, for objects and arrays alike", () => {
    expect(typeof inspectInput(nested(32), { maxDepth: 32, maxBytes: 1e6 })).toBe("number");
    expect(inspectInput(nested(33), { maxDepth: 32, maxBytes: 1e6 })).toEqual({ code: "BAD_REQUEST", message: "The payload is nested more than 32 levels deep." });
    let array: unknown = 1;
    for (let i = 0; i < 33; i++) array = [array];
    expect(inspectInput(array, { maxDepth: 32, maxBytes: 1e6 }, "`data`")).toEqual({ code: "BAD_REQUEST", message: "`data` is nested more than 32 levels deep." });
    // A million levels cost nothing more than 33: the walk stops there, without recursion.
    expect(inspectInput(nested(1_000_000), { maxDepth: 32, maxBytes: 1e9 })).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("stops at the size bound, counting binary values by their length", () => {
    expect(inspectInput("x".repeat(100), { maxDepth: 8, maxBytes: 50 })).toEqual({ code: "PAYLOAD_TOO_LARGE", message: "The payload is larger than 50 bytes." });
    expect(inspectInput({ file: Buffer.alloc(40) }, { maxDepth: 8, maxBytes: 100, binary: "count" })).toBe(9 + 40);
    expect(inspectInput(Array.from({ length: 10 }, () => Buffer.alloc(1024 * 1024)), { maxDepth: 8, maxBytes: 65536, binary: "count" })).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(inspectInput({ file: Buffer.alloc(4) }, { maxDepth: 8, maxBytes: 100 }, "`data`")).toEqual({ code: "BAD_REQUEST", message: "`data` must be JSON: binary values are not." });
  });

  it("refuses NUL, lone surrogates and prototype keys, and accepts well-formed text of every plane", () => {
    const bounds = { maxDepth: 8, maxBytes: 1e6 };
    for (const bad of ["\u0000", "a\ud800", "\udfffb", { ["k\ud800"]: 1 }, withOwnKey("__proto__", { polluted: true }), { constructor: { prototype: { x: 1 } } }]) {
      expect(inspectInput(bad, bounds)).toMatchObject({ code: "BAD_REQUEST" });
    }
    expect(inspectInput({ constructor: "ok", text: "é€😀\n\"\\" }, bounds)).toBe(Buffer.byteLength(JSON.stringify({ constructor: "ok", text: "é€😀\n\"\\" })));
    expect(() => checkInput(10n, bounds, "`data`")).toThrow("`data` must be JSON.");
    expect(checkInput({ at: new Date(0), skip: undefined }, bounds)).toBe(Buffer.byteLength(JSON.stringify({ at: new Date(0) })));
  });
});
