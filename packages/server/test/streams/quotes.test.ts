import { afterEach, describe, expect, it, vi } from "vitest";
import type { Socket } from "socket.io-client";
import { optionsFromEnv, resolveOptions } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { streamPolicyFactory } from "../../src/streams/stream-policy-factory.js";
import { ManualTimers } from "./manual-timers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

/** A ping round trip: whatever the server wrote before it has arrived once it returns. */
const settle = (socket: Socket): Promise<unknown> => socket.emitWithAck("ping", {});
const quote = (price: number): Record<string, unknown> => ({ symbol: "AAPL", price, bid: price - 0.01, ask: price + 0.01, volume: 100 * price });
const meta = (offset: number, epoch: string): Record<string, unknown> => ({ channel: "quotes:AAPL", offset, epoch, ts: expect.any(Number) });

describe("quotes", () => {
  it("sends the latest quote to a new subscriber before the subscribe reply", async () => {
    const gw = await bed.gateway();
    await gw.publish({ channel: "quotes:AAPL", data: quote(1) });
    const { epoch } = await gw.publish({ channel: "quotes:AAPL", data: quote(2) });
    const socket = await bed.connectAs(gw, "alice", "operator");
    const seen = record(socket, "quote:update");
    const reply = await socket.emitWithAck("subscribe", { channels: ["quotes:aapl"] });
    expect(reply).toEqual({ ok: true, subscribed: [{ channel: "quotes:AAPL", requested: "quotes:aapl", offset: 2, epoch }], failed: [] });
    expect(seen).toEqual([{ event: "quote:update", payload: quote(2), meta: meta(2, epoch) }]);
  });

  it("delivers only the asked fields, always with the symbol, and encodes once per distinct field set", async () => {
    const gw = await bed.gateway();
    const sockets = await Promise.all(["a", "b", "c"].map((u) => bed.connectAs(gw, u, "operator")));
    const [a, b, c] = sockets as [Socket, Socket, Socket];
    await a.emitWithAck("subscribe", { channels: [{ channel: "quotes:AAPL", fields: ["price"] }] });
    await b.emitWithAck("subscribe", { channels: [{ channel: "quotes:AAPL", fields: ["price"] }] });
    await c.emitWithAck("subscribe", { channels: [{ channel: "quotes:AAPL", fields: ["bid", "ask", "nope"] }] });
    const seen = sockets.map((s) => record(s, "quote:update"));
    const broadcast = vi.spyOn(gw.transport, "broadcast");

    const { epoch } = await gw.publish({ channel: "quotes:AAPL", data: { ...quote(7), exchange: "XNAS" } });
    await until(() => seen.every((s) => s.length === 1), 5000, "one quote per socket");

    expect(seen[0]).toEqual([{ event: "quote:update", payload: { symbol: "AAPL", price: 7 }, meta: meta(1, epoch) }]);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual([{ event: "quote:update", payload: { symbol: "AAPL", bid: 6.99, ask: 7.01 }, meta: meta(1, epoch) }]);
    expect(broadcast.mock.calls.map(([ids, , payload]) => [ids.length, payload])).toEqual([
      [2, { symbol: "AAPL", price: 7 }],
      [1, { symbol: "AAPL", bid: 6.99, ask: 7.01 }],
    ]);
  });

  it("conflates per tier, latest wins: the first update of an idle interval at once, the newest at the end of it", async () => {
    const clock = new ManualTimers();
    const gw = await bed.gateway({}, { policyFactory: streamPolicyFactory({ timers: clock }) });
    const tiers = ["navigator", "participant", "builder", "operator"] as const;
    const sockets = await Promise.all(tiers.map((tier) => bed.connectAs(gw, tier, tier)));
    for (const s of sockets) await s.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    const seen = sockets.map((s) => record(s, "quote:update"));
    const prices = (i: number): number[] => seen[i]!.map((e) => (e.payload as { price: number }).price);
    const quiet = (): Promise<unknown> => Promise.all(sockets.map(settle));

    let epoch = "";
    for (let p = 1; p <= 5; p++) epoch = (await gw.publish({ channel: "quotes:AAPL", data: quote(p) })).epoch;
    await until(() => prices(3).length === 5, 5000, "every update for the operator");
    await quiet();
    expect(tiers.map((_, i) => prices(i))).toEqual([[1], [1], [1], [1, 2, 3, 4, 5]]);

    clock.advance(100);
    await quiet();
    expect(tiers.map((_, i) => prices(i))).toEqual([[1], [1], [1, 5], [1, 2, 3, 4, 5]]);
    clock.advance(150);
    await quiet();
    expect(tiers.map((_, i) => prices(i))).toEqual([[1], [1, 5], [1, 5], [1, 2, 3, 4, 5]]);
    clock.advance(750);
    await quiet();
    expect(tiers.map((_, i) => prices(i))).toEqual([[1, 5], [1, 5], [1, 5], [1, 2, 3, 4, 5]]);
    expect(seen[0]).toEqual([
      { event: "quote:update", payload: quote(1), meta: meta(1, epoch) },
      { event: "quote:update", payload: quote(5), meta: meta(5, epoch) },
    ]);

    // Every interval has run out with nothing new: the next update goes out at once for every tier.
    clock.advance(1000);
    await gw.publish({ channel: "quotes:AAPL", data: quote(6) });
    await until(() => seen.every((s) => s.length > 0 && (s[s.length - 1]!.payload as { price: number }).price === 6), 5000, "price 6 everywhere");
    expect((await api(gw, "GET", "/api/v1/stats")).body).toMatchObject({ conflated: 9 });
    expect(clock.size).toBe(3);
  });

  it("reads per-tier conflation intervals from TICKWIRE_CONFLATION_MS, tiers left out keeping the catalogue's", () => {
    const resolve = (value: string): unknown => resolveOptions({ ...optionsFromEnv({ TICKWIRE_CONFLATION_MS: value }), jwtSecret: "x".repeat(32), apiKeys: ["k"] }).options.conflationMs;
    expect(resolve("navigator=500,operator=50")).toEqual({ navigator: 500, participant: 250, builder: 100, operator: 50 });
    expect(resolve("0")).toEqual({ navigator: 0, participant: 0, builder: 0, operator: 0 });
    expect(() => resolve("navigator=fast")).toThrow('conflationMs entry ["navigator","fast"] is not "tier=ms" with ms ≥ 0.');
  });

  it("conflates with the gateway's default policies when no factory is given", async () => {
    const gw = await bed.gateway({ conflationMs: { navigator: 60_000, participant: 250, builder: 100, operator: 0 } });
    const socket = await bed.connectAs(gw, "nav", "navigator");
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    const seen = record(socket, "quote:update");
    for (let p = 1; p <= 3; p++) await gw.publish({ channel: "quotes:AAPL", data: quote(p) });
    await settle(socket);
    expect(seen.map((e) => (e.payload as { price: number }).price)).toEqual([1]);
    expect(gw.metrics.totals.conflated).toBe(1);
  });

  it.each([
    ["navigator", 10],
    ["participant", 50],
    ["builder", 200],
    ["operator", 1000],
  ] as const)("lets %s connections watch at most %i quote channels, other channels still open", async (tier, max) => {
    const gw = await bed.gateway();
    const { socket, connected } = await bed.connect(gw, { token: await bed.token(gw, "watcher", tier) });
    expect(connected.limits).toEqual({ maxSubscriptions: max, maxConnectionsPerUser: 5 });
    const symbols = Array.from({ length: max }, (_, i) => `quotes:S${i}`);
    for (let i = 0; i < symbols.length; i += 100) {
      const reply = await socket.emitWithAck("subscribe", { channels: symbols.slice(i, i + 100) });
      expect(reply.failed).toEqual([]);
    }
    const reply = await socket.emitWithAck("subscribe", { channels: ["quotes:ONE.MORE", "trades", "metrics"] });
    expect(reply).toEqual({
      ok: true,
      subscribed: [
        { channel: "trades:watcher", requested: "trades", offset: 0, epoch: expect.any(String) },
        { channel: "metrics", offset: 0, epoch: expect.any(String) },
      ],
      failed: [{ channel: "quotes:ONE.MORE", code: "LIMIT_EXCEEDED", message: `Tier ${tier} may watch at most ${max} quotes channels per connection.` }],
    });
  });
});
