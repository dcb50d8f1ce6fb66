import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, TestBed, until } from "../helpers.js";
import { SessionEndpoint } from "./session-endpoint.js";

// Trade copier event catalog (seed 003): the client configuration of its connection lifecycle
// (`auth: { sessionId }`, reconnection with backoff) and its `subscribe:*` / `unsubscribe:*` events.
const bed = new TestBed();
const sessions = new SessionEndpoint();
let sessionUrl: string;
beforeAll(async () => {
  sessionUrl = await sessions.start();
  sessions.sessions.set("sess-u1", { id: "u1", tier: "participant" });
  sessions.sessions.set("sess-nav", { id: "u3", tier: "navigator" });
});
afterAll(() => sessions.close());
afterEach(() => bed.cleanup());

async function connect(gw: Gateway, sessionId: string): Promise<{ socket: Socket; events: Array<[string, unknown]> }> {
  const getSessionId = () => sessionId;
  const socket = io(gw.url, {
    auth: { sessionId: getSessionId() },
    transports: ["websocket", "polling"],
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    reconnectionAttempts: 5,
  });
  bed.sockets.push(socket);
  const events: Array<[string, unknown]> = [];
  socket.onAny((event, payload) => {
    if (event !== "connected") events.push([event, payload]);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return { socket, events };
}

const currentUser = { id: "u1" };
const tradeUpdate = { tradeId: "t1", userId: "u1", symbol: "AAPL", status: "executed", executedPrice: 190.5, quantity: 10, timestamp: "2025-10-07T21:00:00Z" };

describe("trade copier event catalog clients", () => {
  it("join the user's room with subscribe:trades { userId }: trades, portfolio and notifications under their own events", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket, events } = await connect(gw, "sess-u1");
    socket.emit("subscribe:trades", { userId: currentUser.id });
    await until(() => events.length === 1, 5000, "trades:subscribed");
    expect(events).toEqual([["trades:subscribed", { room: "user:u1", channels: ["trades:u1", "portfolio:u1", "notifications:u1"] }]]);

    await gw.publish({ channel: "trades:u1", data: tradeUpdate });
    await gw.publish({ channel: "portfolio:u1", data: { userId: "u1", totalValue: 5000, cash: 1000, positions: [{ symbol: "AAPL", quantity: 10, avgPrice: 180 }], timestamp: "2025-10-07T21:00:00Z" } });
    const { body } = await api(gw, "POST", "/api/v1/notifications", { userId: "u1", type: "warning", title: "API key", message: "Your broker API key is invalid.", actionUrl: "/settings" });
    await until(() => events.length === 4, 5000, "three publications");
    expect(events.slice(1)).toEqual([
      ["trade:update", tradeUpdate],
      ["portfolio:update", { userId: "u1", totalValue: 5000, cash: 1000, positions: [{ symbol: "AAPL", quantity: 10, avgPrice: 180 }], timestamp: "2025-10-07T21:00:00Z" }],
      ["notification:new", { id: body.ids[0], notificationId: body.ids[0], type: "warning", title: "API key", message: "Your broker API key is invalid.", data: null, actionUrl: "/settings", timestamp: expect.any(String) }],
    ]);
  });

  it("get `error` FORBIDDEN for another user's trades, and join nothing", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket, events } = await connect(gw, "sess-u1");
    socket.emit("subscribe:trades", { userId: "u2" });
    await until(() => events.length === 1, 5000, "the error");
    expect(events).toEqual([["error", { code: "FORBIDDEN", message: '"trades:u2" belongs to another user.', event: "subscribe:trades" }]]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("get signal:new from every provider with subscribe:signals, or from one with { channelId }", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const all = await connect(gw, "sess-u1");
    const one = await connect(gw, "sess-u1");
    all.socket.emit("subscribe:signals", {});
    one.socket.emit("subscribe:signals", { channelId: "acme" });
    await until(() => all.events.length === 1 && one.events.length === 1, 5000, "both replies");
    expect(all.events).toEqual([["signals:subscribed", { room: "signals", channel: "signals" }]]);
    expect(one.events).toEqual([["signals:subscribed", { room: "signals:acme", channel: "signals:acme" }]]);
    const signal = (providerId: string) => ({ signalId: `s-${providerId}`, providerId, providerName: providerId, symbol: "TSLA", action: "buy", entryPrice: 250, stopLoss: 240, takeProfit: 270, confidence: 0.8, timestamp: "2025-10-07T21:00:00Z" });
    await gw.publish({ channel: "signals:acme", data: signal("acme") });
    await gw.publish({ channel: "signals:zeta", data: signal("zeta") });
    await until(() => all.events.length === 3, 5000, "two signals");
    await one.socket.emitWithAck("ping", {});
    expect(all.events.slice(1)).toEqual([["signal:new", signal("acme")], ["signal:new", signal("zeta")]]);
    expect(one.events.slice(1).filter(([e]) => e === "signal:new")).toEqual([["signal:new", signal("acme")]]);
  });

  it("get `error` FORBIDDEN for signals below the participant tier", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket, events } = await connect(gw, "sess-nav");
    socket.emit("subscribe:signals", {});
    await until(() => events.length === 1, 5000, "the error");
    expect(events).toEqual([["error", { code: "FORBIDDEN", message: '"signals" needs tier participant or above; you are navigator.', event: "subscribe:signals" }]]);
  });

  it("leave with unsubscribe:trades and unsubscribe:signals, answered and without further deliveries", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket, events } = await connect(gw, "sess-u1");
    socket.emit("subscribe:trades", { userId: currentUser.id });
    await until(() => events.length === 1, 5000, "trades:subscribed");
    socket.emit("subscribe:signals", { channelId: "acme" });
    await until(() => events.length === 2, 5000, "signals:subscribed");
    socket.emit("subscribe:signals", {});
    await until(() => events.length === 3, 5000, "signals:subscribed again");
    socket.emit("unsubscribe:trades", { userId: currentUser.id });
    socket.emit("unsubscribe:signals", {});
    await until(() => events.length === 5, 5000, "two replies");
    // Events are handled concurrently: the two replies may come in either order.
    expect(events.slice(3).sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ["signals:unsubscribed", { channels: ["signals:acme", "signals"] }],
      ["trades:unsubscribed", { room: "user:u1", channels: ["trades:u1", "portfolio:u1", "notifications:u1"] }],
    ]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ trades: 0, portfolio: 0, notifications: 0, signals: 0 });
    await gw.publish({ channel: "trades:u1", data: tradeUpdate });
    await gw.publish({ channel: "signals:acme", data: { providerId: "acme", symbol: "TSLA" } });
    await socket.emitWithAck("ping", {});
    expect(events.length).toBe(6); // the ping's pong, nothing else
  });

  it("re-subscribe after a reconnection, and a duplicate subscribe delivers once", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket, events } = await connect(gw, "sess-u1");
    socket.emit("subscribe:trades", { userId: currentUser.id });
    // socket.io-client 4 emits `reconnect` on the manager (`socket.io`), not on the socket.
    socket.io.on("reconnect", () => {
      // Re-subscribe to rooms
      socket.emit("subscribe:trades", { userId: currentUser.id });
    });
    await until(() => events.length === 1, 5000, "trades:subscribed");
    socket.io.engine.close(); // a network drop
    await until(() => events.filter(([e]) => e === "trades:subscribed").length === 2, 8000, "the re-subscribe");
    socket.emit("subscribe:trades", { userId: currentUser.id });
    await until(() => events.filter(([e]) => e === "trades:subscribed").length === 3, 5000, "the duplicate subscribe");
    await gw.publish({ channel: "trades:u1", data: tradeUpdate });
    await until(() => events.some(([e]) => e === "trade:update"));
    await socket.emitWithAck("ping", {});
    expect(events.filter(([e]) => e === "trade:update")).toEqual([["trade:update", tradeUpdate]]);
  });

  it("get the same answers through an acknowledgement", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket } = await connect(gw, "sess-u1");
    expect(await socket.emitWithAck("subscribe:trades", { userId: "u1" })).toEqual({ ok: true, room: "user:u1", channels: ["trades:u1", "portfolio:u1", "notifications:u1"], failed: [] });
    expect(await socket.emitWithAck("subscribe:trades", { userId: "u2" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: '"trades:u2" belongs to another user.' } });
    expect(await socket.emitWithAck("subscribe:signals", { channelId: "acme" })).toEqual({ ok: true, room: "signals:acme", channel: "signals:acme" });
    expect(await socket.emitWithAck("unsubscribe:signals", { channelId: "acme" })).toEqual({ ok: true, channels: ["signals:acme"] });
    expect(await socket.emitWithAck("unsubscribe:trades", { userId: "u1" })).toEqual({ ok: true, room: "user:u1", channels: ["trades:u1", "portfolio:u1", "notifications:u1"] });
  });
});
