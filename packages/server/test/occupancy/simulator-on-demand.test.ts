import { afterEach, describe, expect, it } from "vitest";
import type { Gateway } from "@tickwire/server";
import { record, TestBed, until } from "../helpers.js";

// TICKWIRE_SIMULATOR_ON_DEMAND: the simulator quotes only symbols someone subscribes.
const bed = new TestBed();
afterEach(() => bed.cleanup());

/** How many publications a quotes channel has had. */
async function published(gw: Gateway, symbol: string): Promise<number> {
  const namespace = gw.catalogue.get("quotes")!;
  return (await gw.engine.position(`quotes:${symbol}`, namespace)).offset;
}

describe("simulator on demand", () => {
  it("publishes quotes only for occupied symbols, and stops once the last subscriber left", async () => {
    const gw = await bed.gateway({ simulator: true, simulatorOnDemand: true, occupancyDebounceMs: 50 });
    const alice = await bed.connectAs(gw, "alice", "builder");
    const quotes = record(alice, "quote:update");
    expect(await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ ok: true, failed: [] });
    await until(() => quotes.length >= 3, 10_000, "AAPL quotes");
    expect(quotes.every((q) => (q.payload as { symbol: string; simulated: boolean }).symbol === "AAPL" && (q.payload as { simulated: boolean }).simulated === true)).toBe(true);
    // Nobody watches the other symbols: none was quoted.
    for (const symbol of ["MSFT", "NVDA", "TSLA", "AMZN", "SPY", "BTC-USD", "ETH-USD"]) expect(await published(gw, symbol)).toBe(0);

    expect(await alice.emitWithAck("unsubscribe", { channels: ["quotes:AAPL"] })).toEqual({ ok: true, unsubscribed: ["quotes:AAPL"] });
    await waitFor(async () => !(await gw.occupancy.occupied("quotes:AAPL")), "AAPL vacated");
    const stoppedAt = await published(gw, "AAPL");
    // Quotes of another symbol show the simulator kept ticking meanwhile; AAPL's stayed where they stopped.
    const bob = await bed.connectAs(gw, "bob", "builder");
    const msft = record(bob, "quote:update");
    expect(await bob.emitWithAck("subscribe", { channels: ["quotes:MSFT"] })).toMatchObject({ ok: true, failed: [] });
    await until(() => msft.length >= 4, 10_000, "MSFT quotes");
    expect(await published(gw, "AAPL")).toBe(stoppedAt);
    expect(msft.every((q) => (q.payload as { symbol: string }).symbol === "MSFT")).toBe(true);
  });
});

/** Polls an asynchronous condition. */
async function waitFor(predicate: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
