import { afterEach, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { TestBed, api, until } from "../helpers.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";

describe("legacy clients resume their own subscriptions across a cut", () => {
  const bed = new TestBed();
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
    await bed.cleanup();
  });

  it("an RRRalgorithms dashboard and a MyStocks client get what they missed under their own event names and shapes", async () => {
    const gw = await bed.gateway();
    const proxy = new TcpProxy({ host: "127.0.0.1", port: gw.port });
    proxies.push(proxy);
    await proxy.start();

    // RRRalgorithms: `subscribe { streams }`, one-argument handlers on the stream names.
    const rrr = io(proxy.url, { auth: { token: await bed.token(gw, "alice", "builder") } });
    bed.sockets.push(rrr);
    const rrrSeen: Array<[string, unknown]> = [];
    const rrrConnected: any[] = [];
    rrr.on("connected", (c: unknown) => rrrConnected.push(c));
    for (const event of ["trade_feed", "ai_decision", "trade:update", "ai:decision"]) rrr.on(event, (p: unknown) => rrrSeen.push([event, p]));
    // MyStocks: `subscribe_market_stream { symbol, fields }`, stream_data { symbol, data, timestamp }.
    const ms = io(proxy.url, { auth: { token: await bed.token(gw, "bob", "builder") } });
    bed.sockets.push(ms);
    const msSeen: Array<[string, any]> = [];
    const msConnected: any[] = [];
    ms.on("connected", (c: unknown) => msConnected.push(c));
    for (const event of ["stream_data", "quote:update"]) ms.on(event, (p: unknown) => msSeen.push([event, p]));
    await until(() => rrrConnected.length === 1 && msConnected.length === 1, 10_000, "both connected");

    rrr.emit("subscribe", { streams: ["trade_feed", "ai_decision"] });
    ms.emit("subscribe_market_stream", { symbol: "AAPL", fields: ["price"] });
    await until(() => gw.registry.ofUser("alice")[0]?.subscriptions.size === 2 && gw.registry.ofUser("bob")[0]?.subscriptions.size === 1, 5000, "the legacy subscriptions");
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { id: "a1" } });
    await api(gw, "POST", "/api/v1/publish", { channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1, bid: 0.9 } });
    await until(() => rrrSeen.length === 1 && msSeen.length === 1, 5000, "the first publications");

    proxy.cut();
    await until(() => !rrr.connected && !ms.connected, 5000, "the cut");
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { id: "a2" } });
    await api(gw, "POST", "/api/v1/publish", { channel: "ai:gpt", data: { decision: "buy" } });
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { id: "a3" } });
    await api(gw, "POST", "/api/v1/publish", { channel: "quotes:AAPL", data: { symbol: "AAPL", price: 2, bid: 1.9 } });
    proxy.restore();

    await until(() => rrrConnected.length === 2 && msConnected.length === 2, 15_000, "both to reconnect by themselves");
    expect([rrrConnected[1].resumed, msConnected[1].resumed]).toEqual([true, true]);
    await until(() => rrrSeen.length >= 4 && msSeen.length >= 2, 5000, "what they missed");
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { id: "a4" } });
    await until(() => rrrSeen.length >= 5, 5000, "a live trade");

    // The trades in order, the decision published on `ai`, all under the stream names; nothing under the protocol's names.
    expect(rrrSeen.filter(([e]) => e === "trade_feed")).toEqual([["trade_feed", { id: "a1" }], ["trade_feed", { id: "a2" }], ["trade_feed", { id: "a3" }], ["trade_feed", { id: "a4" }]]);
    expect(rrrSeen.filter(([e]) => e !== "trade_feed")).toEqual([["ai_decision", { decision: "buy" }]]);
    // MyStocks: the latest quote in its own shape and field filter; no bob data at alice, no alice data at bob.
    expect(msSeen.map(([e, p]) => [e, p.symbol, p.data])).toEqual([
      ["stream_data", "AAPL", { price: 1 }],
      ["stream_data", "AAPL", { price: 2 }],
    ]);
  });

  it("a trade copier's TradeNotifications get the trades executed during a cut, once and in order, and nothing of another user", async () => {
    const gw = await bed.gateway();
    const proxy = new TcpProxy({ host: "127.0.0.1", port: gw.port });
    proxies.push(proxy);
    await proxy.start();
    // Their client: `subscribe:trades`, then one-argument handlers on trade:executed / trade:failed.
    const socket = io(proxy.url, { auth: { token: await bed.token(gw, "u1", "participant") } });
    bed.sockets.push(socket);
    const connected: any[] = [];
    const toasts: string[] = [];
    socket.on("connected", (c: unknown) => connected.push(c));
    socket.on("trade:executed", (trade: { side: string; quantity: number; symbol: string }) => toasts.push(`${trade.side.toUpperCase()} ${trade.quantity} ${trade.symbol}`));
    socket.on("trade:failed", ({ error }: { error: string }) => toasts.push(`Trade failed: ${error}`));
    await until(() => connected.length === 1, 10_000, "connected");
    socket.emit("subscribe:trades");
    await until(() => gw.hub.subscriptionsByNamespace().trades === 1, 5000, "the trades subscription");
    const trade = (id: string, symbol: string) => ({ id, symbol, side: "buy", quantity: 10, price: 1, status: "filled" });
    await gw.publish({ channel: "trades:u1", event: "trade:executed", data: trade("t1", "AAPL") });
    await until(() => toasts.length === 1, 5000, "the first trade");

    proxy.cut();
    await until(() => !socket.connected, 5000, "the cut");
    await gw.publish({ channel: "trades:u1", event: "trade:executed", data: trade("t2", "MSFT") });
    await gw.publish({ channel: "trades:u2", event: "trade:executed", data: trade("x9", "NVDA") });
    await gw.publish({ channel: "trades:u1", event: "trade:failed", data: { error: "Insufficient buying power" } });
    proxy.restore();

    await until(() => connected.length === 2, 15_000, "the client to reconnect by itself");
    expect(connected[1].resumed).toBe(true);
    await until(() => toasts.length >= 3, 5000, "what it missed");
    await gw.publish({ channel: "trades:u1", event: "trade:executed", data: trade("t3", "TSLA") });
    await until(() => toasts.length >= 4, 5000, "a live trade");
    expect(toasts).toEqual(["BUY 10 AAPL", "BUY 10 MSFT", "Trade failed: Insufficient buying power", "BUY 10 TSLA"]);
  });

  it("an RRRalgorithms dashboard gets the recent history of its streams on load (the namespaces' legacyRewind), then live ones", async () => {
    const gw = await bed.gateway();
    for (let n = 1; n <= 55; n++) await gw.publish({ channel: "trades:alice", data: { n } });
    await gw.publish({ channel: "ai:gpt", data: { decision: "hold" } });
    await gw.publish({ channel: "trades:bob", data: { n: 999 } });
    const socket = io(gw.url, { auth: { token: await bed.token(gw, "alice", "builder") }, transports: ["websocket"] });
    bed.sockets.push(socket);
    const seen: Array<[string, unknown]> = [];
    for (const event of ["trade_feed", "ai_decision", "subscription_confirmed"]) socket.on(event, (p: unknown) => seen.push([event, p]));
    await new Promise((ok) => socket.once("connected", ok));
    socket.emit("subscribe", { streams: ["trade_feed", "ai_decision"] });
    await until(() => seen.some(([e]) => e === "subscription_confirmed"), 5000, "subscription_confirmed");
    await gw.publish({ channel: "trades:alice", data: { n: 56 } });
    await until(() => seen.length === 50 + 1 + 1 + 1, 5000, "the live trade");
    // The last 50 of alice's trades, oldest first, and the decision, before the confirmation; bob's trade nowhere.
    expect(seen).toEqual([
      ...Array.from({ length: 50 }, (_, i) => ["trade_feed", { n: i + 6 }]),
      ["ai_decision", { decision: "hold" }],
      ["subscription_confirmed", { streams: ["trade_feed", "ai_decision"], status: "subscribed" }],
      ["trade_feed", { n: 56 }],
    ]);
  });
});
