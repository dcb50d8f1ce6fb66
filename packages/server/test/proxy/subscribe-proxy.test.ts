import { describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { record, TestBed, until } from "../helpers.js";
import { refusingUrl, useBackend } from "./backend.js";

// The subscribe proxy (docs/backend-hooks.md): market-data entitlements per symbol decided by the platform's backend.
const bed = new TestBed();
const backend = useBackend(bed);

/** Entitlements: alice may see AAPL and MSFT, nobody else anything but AAPL. */
function entitlements(): void {
  backend.reply = (call) => {
    const { userId, channel } = call.body as { userId: string; channel: string };
    const allowed = channel === "quotes:AAPL" || (userId === "alice" && channel === "quotes:MSFT");
    return { json: allowed ? { result: {} } : { error: { code: "NOT_ENTITLED", message: `No market-data entitlement for ${channel.slice(7)}.` } } };
  };
}

describe("subscribe proxy", () => {
  it("asks the backend with the channel and the caller's identity; refusals are FORBIDDEN with its message, and nothing reaches a refused subscriber", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe` });
    entitlements();
    const alice = await bed.connect(gw, { token: await gw.issueToken({ sub: "alice", tier: "builder", roles: ["pro"] }) });
    const bob = await bed.connectAs(gw, "bob", "builder");
    expect(await alice.socket.emitWithAck("subscribe", { channels: ["quotes:AAPL", "quotes:MSFT"] })).toMatchObject({ ok: true, subscribed: [{ channel: "quotes:AAPL" }, { channel: "quotes:MSFT" }], failed: [] });
    expect(await bob.emitWithAck("subscribe", { channels: ["quotes:AAPL", "quotes:MSFT"] })).toMatchObject({
      ok: true,
      subscribed: [{ channel: "quotes:AAPL" }],
      failed: [{ channel: "quotes:MSFT", code: "FORBIDDEN", message: "No market-data entitlement for MSFT." }],
    });
    expect(backend.on("/subscribe").map((c) => c.body).find((b) => b.userId === "alice" && b.channel === "quotes:MSFT")).toEqual({
      channel: "quotes:MSFT",
      namespace: "quotes",
      userId: "alice",
      tier: "builder",
      roles: ["pro"],
      connectionId: alice.socket.id,
      traceId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });

    const aliceQuotes = record(alice.socket, "quote:update");
    const bobQuotes = record(bob, "quote:update");
    await gw.publish({ channel: "quotes:MSFT", data: { symbol: "MSFT", price: 410.2 } });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1 } });
    await until(() => aliceQuotes.length === 2 && bobQuotes.length === 1, 5000, "the quotes");
    expect(bobQuotes.map((q) => q.payload)).toEqual([{ symbol: "AAPL", price: 190.1 }]);
    expect(aliceQuotes.map((q) => (q.payload as { symbol: string }).symbol).sort()).toEqual(["AAPL", "MSFT"]);
  });

  it("asks after Tickwire's own rules: a channel they refuse never reaches the backend", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe` });
    const nav = await bed.connectAs(gw, "nav", "navigator");
    const reply = await nav.emitWithAck("subscribe", { channels: ["ai", "trades:bob", "nope:x", "quotes:AAPL"] });
    expect(reply).toMatchObject({ ok: true, subscribed: [{ channel: "quotes:AAPL" }], failed: [{ channel: "ai" }, { channel: "trades:bob" }, { channel: "nope:x" }] });
    expect(backend.calls.map((c) => c.body.channel)).toEqual(["quotes:AAPL"]);
  });

  it("reuses a decision per user and channel for the cache time, and asks again without a cache", async () => {
    const cached = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeCacheMs: 600_000 });
    entitlements();
    const one = await bed.connectAs(cached, "bob", "builder");
    const two = await bed.connectAs(cached, "bob", "builder");
    for (const socket of [one, two]) {
      expect(await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL", "quotes:TSLA"] })).toMatchObject({ subscribed: [{ channel: "quotes:AAPL" }], failed: [{ channel: "quotes:TSLA", code: "FORBIDDEN" }] });
    }
    expect(backend.calls.map((c) => c.body.channel)).toEqual(["quotes:AAPL", "quotes:TSLA"]);
    // Subscribing a channel the connection already has asks nothing either.
    expect(await one.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ subscribed: [{ channel: "quotes:AAPL" }] });
    expect(backend.calls).toHaveLength(2);

    const uncached = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeCacheMs: 0 });
    const three = await bed.connectAs(uncached, "bob", "builder");
    const four = await bed.connectAs(uncached, "bob", "builder");
    for (const socket of [three, four]) await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    expect(backend.calls.map((c) => c.body.channel)).toEqual(["quotes:AAPL", "quotes:TSLA", "quotes:AAPL", "quotes:AAPL"]);
  });

  it("asks only about the namespaces configured", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeNamespaces: ["quotes"] });
    backend.reply = () => ({ json: { error: { code: "NO", message: "Not entitled." } } });
    const alice = await bed.connectAs(gw, "alice", "builder");
    expect(await alice.emitWithAck("subscribe", { channels: ["signals", "metrics", "quotes:AAPL"] })).toMatchObject({
      subscribed: [{ channel: "signals" }, { channel: "metrics" }],
      failed: [{ channel: "quotes:AAPL", code: "FORBIDDEN", message: "Not entitled." }],
    });
    expect(backend.calls.map((c) => c.body.channel)).toEqual(["quotes:AAPL"]);
  });

  it("a failing backend refuses the subscription with UNAVAILABLE, is not cached, and legacy subscribes go through it too", async () => {
    const down = await bed.gateway({ proxySubscribeUrl: await refusingUrl() });
    const a = await bed.connectAs(down, "alice", "builder");
    expect(await a.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toEqual({
      ok: true,
      subscribed: [],
      failed: [{ channel: "quotes:AAPL", code: "UNAVAILABLE", message: "The subscribe backend is unavailable (it cannot be reached); try again later." }],
    });
    expect(down.hub.subscriptionsByNamespace()).toEqual({});

    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeCacheMs: 600_000 });
    backend.reply = () => ({ raw: "not json" });
    const b = await bed.connectAs(gw, "bob", "builder");
    expect(await b.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ failed: [{ channel: "quotes:AAPL", code: "BAD_GATEWAY" }] });
    entitlements();
    expect(await b.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ subscribed: [{ channel: "quotes:AAPL" }], failed: [] });

    // MyStocks' subscribe_market_stream is decided the same way.
    const c = io(gw.url, { auth: { token: await bed.token(gw, "carol", "builder") }, transports: ["websocket"], reconnection: false, forceNew: true });
    bed.sockets.push(c);
    await new Promise((resolve) => c.once("connected", resolve));
    expect(await c.emitWithAck("subscribe_market_stream", { symbol: "TSLA" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: "No market-data entitlement for TSLA." } });
  });
});
