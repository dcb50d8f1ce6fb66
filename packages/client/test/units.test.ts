import { describe, expect, it } from "vitest";
import { backoffDelayMs, canonicalChannel, decodeTokenClaims, isStateChannel, shutdownDelayMs } from "../src/index.js";
import { fakeToken } from "./support/fake-gateway.js";

describe("decodeTokenClaims", () => {
  it("reads the claims of a JWT without verifying it", () => {
    const token = fakeToken({ sub: "alice", iat: 1_700_000_000, ttlSeconds: 60 });
    expect(decodeTokenClaims(token)).toEqual({ sub: "alice", tier: "builder", iat: 1_700_000_000, exp: 1_700_000_060, jti: expect.any(String) });
  });

  it("returns null for an opaque token", () => {
    expect([decodeTokenClaims("opaque"), decodeTokenClaims("a.%%%.c"), decodeTokenClaims("a.bnVsbA.c")]).toEqual([null, null, null]);
  });
});

describe("backoff", () => {
  const options = { minMs: 500, maxMs: 10_000, jitter: 0.5 };

  it("doubles from the first delay up to the largest, spread by the jitter", () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelayMs(a, options, () => 0.5))).toEqual([500, 1000, 2000, 4000, 10_000]);
    expect([0, 3].map((a) => backoffDelayMs(a, options, () => 0))).toEqual([250, 2000]);
    expect([0, 3].map((a) => backoffDelayMs(a, options, () => 1))).toEqual([750, 6000]);
  });

  it("never reconnects before the server's shutdown hint, and spreads clients after it", () => {
    expect([0, 0.5, 1].map((r) => shutdownDelayMs(2000, 0.5, () => r))).toEqual([2000, 2500, 3000]);
  });
});

describe("channel names", () => {
  it("guesses the canonical name the server will answer", () => {
    expect([
      canonicalChannel("quotes:aapl", "alice"),
      canonicalChannel("trades", "alice"),
      canonicalChannel("trades", undefined),
      canonicalChannel("signals", "alice"),
      canonicalChannel("custom:thing", "alice"),
    ]).toEqual(["quotes:AAPL", "trades:alice", "trades", "signals", "custom:thing"]);
  });

  it("knows which namespaces are state channels", () => {
    expect(["quotes:AAPL", "portfolio", "metrics", "trades", "signals:p1", "notifications"].map(isStateChannel)).toEqual([
      true, true, true, false, false, false,
    ]);
  });
});
