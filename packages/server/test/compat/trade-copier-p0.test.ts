import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { TestBed, until } from "../helpers.js";
import { SessionEndpoint } from "./session-endpoint.js";

// Trade copier P0 plan (seed 001): its React hooks and components as plain code. The hook
// connects with `auth: { sessionID }`; each component emits its subscribe once connected
// and keeps the last payload it was handed.
const bed = new TestBed();
const sessions = new SessionEndpoint();
let sessionUrl: string;
beforeAll(async () => {
  sessionUrl = await sessions.start();
  sessions.sessions.set("sess-u1", { id: "u1", tier: "builder" });
  sessions.sessions.set("sess-u2", { id: "u2", tier: "builder" });
});
afterAll(() => sessions.close());
afterEach(() => bed.cleanup());

/** useWebSocket(): resolves once `connected` would be true. */
async function useWebSocket(gw: Gateway, sessionID: string) {
  const localStorage = new Map([["sessionID", sessionID]]);
  const newSocket = io(gw.url, {
    auth: {
      sessionID: localStorage.get("sessionID"),
    },
    transports: ["websocket", "polling"],
    reconnection: false,
    forceNew: true,
  });
  bed.sockets.push(newSocket);
  await new Promise<void>((resolve, reject) => {
    newSocket.on("connect", () => resolve());
    newSocket.on("connect_error", reject);
  });
  return { socket: newSocket, connected: true };
}

describe("trade copier P0 clients", () => {
  it("Portfolio gets the latest portfolio at once, then its updates", async () => {
    const gw = await bed.gateway({ sessionUrl });
    await gw.publish({ channel: "portfolio:u1", data: { totalValue: 10000, positions: [{ symbol: "AAPL", quantity: 10 }] } });
    const { socket } = await useWebSocket(gw, "sess-u1");
    const renders: unknown[] = [];
    // Subscribe to portfolio updates
    socket.emit("subscribe:portfolio");
    // Listen for real-time updates
    socket.on("portfolio:update", (data) => {
      renders.push(data);
    });
    await until(() => renders.length === 1, 5000, "the portfolio snapshot");
    await gw.publish({ channel: "portfolio:u1", data: { totalValue: 10250, positions: [{ symbol: "AAPL", quantity: 10 }] } });
    await until(() => renders.length === 2, 5000, "the portfolio update");
    expect(renders).toEqual([
      { totalValue: 10000, positions: [{ symbol: "AAPL", quantity: 10 }] },
      { totalValue: 10250, positions: [{ symbol: "AAPL", quantity: 10 }] },
    ]);
  });

  it("TradeNotifications get trade:executed and trade:failed of the user's own trades only", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket } = await useWebSocket(gw, "sess-u1");
    const other = await useWebSocket(gw, "sess-u2");
    const toasts: string[] = [];
    socket.emit("subscribe:trades");
    socket.on("trade:executed", (trade) => {
      toasts.push(`${trade.side.toUpperCase()} ${trade.quantity} ${trade.symbol} @ $${trade.price}`);
    });
    socket.on("trade:failed", ({ error }) => {
      toasts.push(`Trade failed: ${error}`);
    });
    const otherSeen: unknown[] = [];
    other.socket.emit("subscribe:trades");
    other.socket.on("trade:executed", (trade) => otherSeen.push(trade));
    await until(() => gw.hub.subscriptionsByNamespace().trades === 2, 5000, "both subscriptions");
    const trade = { id: "t1", symbol: "AAPL", side: "buy", quantity: 10, price: 190.5, timestamp: "2025-10-07T21:00:00Z", status: "filled" };
    await gw.publish({ channel: "trades:u1", event: "trade:executed", data: trade });
    await gw.publish({ channel: "trades:u1", event: "trade:failed", data: { error: "Insufficient buying power", signal: { symbol: "TSLA" } } });
    await until(() => toasts.length === 2, 5000, "two toasts");
    expect(toasts).toEqual(["BUY 10 AAPL @ $190.5", "Trade failed: Insufficient buying power"]);
    expect(otherSeen).toEqual([]);
  });

  it("Watchlist gets quote:update for its symbols, given as a list or as { symbols }", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket } = await useWebSocket(gw, "sess-u1");
    const symbols = ["AAPL", "msft"];
    const quotes: Record<string, unknown> = {};
    socket.emit("subscribe:watchlist", symbols);
    socket.on("quote:update", (quote) => {
      quotes[quote.symbol] = quote;
    });
    await until(() => gw.hub.subscriptionsByNamespace().quotes === 2, 5000, "two quote subscriptions");
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1, change: 1.2, changePercent: 0.63, timestamp: 1 } });
    await gw.publish({ channel: "quotes:MSFT", data: { symbol: "MSFT", price: 410.2 } });
    await until(() => Object.keys(quotes).length === 2, 5000, "both quotes");
    expect(quotes).toEqual({ AAPL: { symbol: "AAPL", price: 190.1, change: 1.2, changePercent: 0.63, timestamp: 1 }, MSFT: { symbol: "MSFT", price: 410.2 } });
    expect(await socket.emitWithAck("subscribe:watchlist", { symbols: ["nvda", "BAD SYMBOL"] })).toEqual({
      ok: true,
      symbols: ["NVDA"],
      failed: [{ symbol: "BAD SYMBOL", code: "BAD_REQUEST", message: '"BAD SYMBOL" is not a valid key for "quotes".' }],
    });
  });

  it("gets refusals as `error` events with a code and a message", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket } = await useWebSocket(gw, "sess-u1");
    const errors: unknown[] = [];
    socket.on("error", (error) => errors.push(error));
    socket.emit("subscribe:watchlist", ["AAPL", "NOT A SYMBOL"]);
    await until(() => errors.length === 1, 5000, "the first error");
    socket.emit("subscribe:watchlist", "AAPL");
    await until(() => errors.length === 2, 5000, "the second error");
    expect(errors).toEqual([
      { code: "BAD_REQUEST", message: '"NOT A SYMBOL" is not a valid key for "quotes".', event: "subscribe:watchlist" },
      { code: "BAD_REQUEST", message: "Invalid request: payload must be array.", event: "subscribe:watchlist" },
    ]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ quotes: 1 });
  });

  it("is rate limited like every event: a flood of subscribe:portfolio gets RATE_LIMITED errors", async () => {
    const limit = { eventsPerSecond: 2, burst: 4 };
    const gw = await bed.gateway({ sessionUrl, rateLimit: { navigator: limit, participant: limit, builder: limit, operator: limit } });
    const { socket } = await useWebSocket(gw, "sess-u1");
    const errors: Array<{ code: string; message: string }> = [];
    socket.on("error", (error) => errors.push(error));
    for (let i = 0; i < 10; i++) socket.emit("subscribe:portfolio");
    await until(() => errors.length === 6, 5000, "six refusals");
    expect(errors[0]).toEqual({ code: "RATE_LIMITED", message: "More than 2 events per second; slow down.", event: "subscribe:portfolio" });
    expect(errors.every((e) => e.code === "RATE_LIMITED")).toBe(true);
  });

  it("cannot connect without a session: Tickwire never accepts unauthenticated connections", async () => {
    const gw = await bed.gateway({ sessionUrl });
    expect((await bed.refused(gw, { sessionID: "expired" })).data).toEqual({ code: "UNAUTHORIZED", message: "The session is unknown or has expired." });
    expect((await bed.refused(gw, {})).data?.code).toBe("UNAUTHORIZED");
  });
});
