import { describe, expect, it } from "vitest";
import { buildCatalogue, DEFAULT_NAMESPACES, ERRORS, isAllowedEvent, parseChannel, TickwireError } from "@tickwire/protocol";

const catalogue = buildCatalogue(DEFAULT_NAMESPACES);
const ns = (name: string) => catalogue.get(name)!;

describe("channel names", () => {
  it("resolves bare owner channels to the caller's own", () => {
    expect(parseChannel("trades", catalogue, "alice")).toMatchObject({ channel: "trades:alice", key: "alice" });
    expect(parseChannel("notifications", catalogue, "bob")).toMatchObject({ channel: "notifications:bob" });
  });

  it("upper-cases ticker symbols and refuses malformed ones", () => {
    expect(parseChannel("quotes:btc-usd", catalogue)).toMatchObject({ channel: "quotes:BTC-USD" });
    expect(parseChannel("quotes:BRK.B", catalogue)).toMatchObject({ channel: "quotes:BRK.B" });
    expect(parseChannel("quotes:A B", catalogue)).toEqual({ reason: "bad_key", message: '"A B" is not a valid key for "quotes".' });
  });

  it("refuses non-strings, empty and overlong names", () => {
    for (const bad of [5, null, "", "x".repeat(161)]) expect(parseChannel(bad, catalogue)).toMatchObject({ reason: "malformed" });
  });

  it("allows a namespace's own events and nothing else", () => {
    expect(isAllowedEvent(ns("trades"), "trade:executed")).toBe(true);
    expect(isAllowedEvent(ns("trades"), "trade:deleted")).toBe(false);
    expect(isAllowedEvent(ns("admin"), "admin:maintenance")).toBe(true);
    expect(isAllowedEvent(ns("admin"), "admin:")).toBe(false);
  });
});

describe("the error registry", () => {
  it("has unique codes and wire numbers in their reserved ranges", () => {
    const wires = Object.values(ERRORS).map((e) => e.wire);
    expect(new Set(wires).size).toBe(wires.length);
    for (const e of Object.values(ERRORS)) expect(e.wire >= 3000 && e.wire < 3100 || e.wire >= 4000 && e.wire < 4600).toBe(true);
  });

  it("builds errors that carry their code, status and wire form", () => {
    const err = new TickwireError("FORBIDDEN", "nope");
    expect([err.code, err.statusCode, err.wire, err.toWire()]).toEqual(["FORBIDDEN", 403, 4101, { code: "FORBIDDEN", message: "nope" }]);
  });
});
