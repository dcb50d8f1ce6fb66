import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, TestBed, until } from "../helpers.js";
import { Backend, refusingUrl } from "../proxy/backend.js";
import { SessionEndpoint } from "./session-endpoint.js";

// The platforms' contracts that needed the backend hooks or a default tier, each in its own client's style:
// the trade copier's execute:trade and notification:new { notificationId }, MyStocks' request actions,
// StackMotive's notification_test, and sessions without a tier.
const bed = new TestBed();
const backend = new Backend();
const sessions = new SessionEndpoint();
let base: string;
let sessionUrl: string;
beforeAll(async () => {
  base = await backend.start();
  sessionUrl = await sessions.start();
  sessions.sessions.set("sess-admin", { id: "u1", tier: "participant", roles: ["admin"] });
  sessions.sessions.set("sess-user", { id: "u2", tier: "participant" });
  sessions.sessions.set("sess-untiered", { id: "u3" });
});
afterAll(async () => {
  await backend.close();
  await sessions.close();
});
afterEach(async () => {
  await bed.cleanup();
  backend.reset();
});

/** The trade copier's connection (seed 003): `auth: { sessionId }`, every server event recorded. */
async function tradeCopier(gw: Gateway, sessionId: string): Promise<{ socket: Socket; events: Array<[string, unknown]>; connected: Record<string, unknown> }> {
  const socket = io(gw.url, { auth: { sessionId }, transports: ["websocket", "polling"], reconnection: false, forceNew: true });
  bed.sockets.push(socket);
  const events: Array<[string, unknown]> = [];
  socket.onAny((event, payload) => {
    if (event !== "connected") events.push([event, payload]);
  });
  const connected = await new Promise<Record<string, unknown>>((resolve, reject) => {
    socket.once("connected", resolve);
    socket.once("connect_error", reject);
  });
  return { socket, events, connected };
}

const trade = { symbol: "AAPL", side: "buy", quantity: 10 };

describe("trade copier: execute:trade through the RPC proxy", () => {
  it("an admin's execute:trade is answered by trade:executed with the backend's trade", async () => {
    const gw = await bed.gateway({ sessionUrl, proxyRpcUrl: `${base}/rpc` });
    const executed = { tradeId: "t-42", userId: "u1", symbol: "AAPL", side: "buy", quantity: 10, status: "executed", executedPrice: 190.5, timestamp: "2025-10-07T21:00:00Z" };
    backend.reply = () => ({ json: { result: executed } });
    const { socket, events } = await tradeCopier(gw, "sess-admin");
    socket.emit("execute:trade", trade);
    await until(() => events.length === 1, 5000, "trade:executed");
    expect(events).toEqual([["trade:executed", executed]]);
    expect(backend.calls.map((c) => c.body)).toEqual([
      { method: "execute:trade", params: trade, userId: "u1", tier: "participant", roles: ["admin"], connectionId: socket.id, traceId: expect.any(String), event: "execute:trade" },
    ]);
    // With an acknowledgement the result comes there too.
    expect(await socket.emitWithAck("execute:trade", { symbol: "MSFT", side: "sell", quantity: 1.5 })).toEqual({ ok: true, result: executed });
  });

  it("a user without the admin role gets trade:error FORBIDDEN, and the backend is not called", async () => {
    const gw = await bed.gateway({ sessionUrl, proxyRpcUrl: `${base}/rpc` });
    const { socket, events } = await tradeCopier(gw, "sess-user");
    socket.emit("execute:trade", trade);
    await until(() => events.length === 2, 5000, "trade:error and error");
    const message = 'The method "execute:trade" needs the role admin.';
    expect(events).toEqual([
      ["trade:error", { code: "FORBIDDEN", message, ...trade }],
      ["error", { code: "FORBIDDEN", message, event: "execute:trade" }],
    ]);
    expect(backend.calls).toEqual([]);
  });

  it("the backend's refusal comes as trade:error with the backend's own code; an unreachable backend as UNAVAILABLE", async () => {
    const gw = await bed.gateway({ sessionUrl, proxyRpcUrl: `${base}/rpc` });
    backend.reply = () => ({ json: { error: { code: "INSUFFICIENT_FUNDS", message: "Cash 120.00 is below 1905.00." } } });
    const { socket, events } = await tradeCopier(gw, "sess-admin");
    expect(await socket.emitWithAck("execute:trade", trade)).toEqual({ ok: false, error: { code: "BACKEND_REFUSED", message: "Cash 120.00 is below 1905.00." } });
    expect(events).toEqual([["trade:error", { code: "INSUFFICIENT_FUNDS", message: "Cash 120.00 is below 1905.00.", ...trade }]]);

    const down = await bed.gateway({ sessionUrl, proxyRpcUrl: await refusingUrl() });
    const other = await tradeCopier(down, "sess-admin");
    expect(await other.socket.emitWithAck("execute:trade", trade)).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
    expect(other.events).toEqual([["trade:error", { code: "UNAVAILABLE", message: "The RPC backend is unavailable (it cannot be reached); try again later.", ...trade }]]);
  });

  it("a malformed execute:trade is BAD_REQUEST and reaches nobody", async () => {
    const gw = await bed.gateway({ sessionUrl, proxyRpcUrl: `${base}/rpc` });
    const { socket } = await tradeCopier(gw, "sess-admin");
    for (const bad of [{ symbol: "AAPL", side: "hold", quantity: 1 }, { symbol: "AAPL", side: "buy", quantity: 0 }, { symbol: "AAPL", side: "buy" }, { ...trade, leverage: 10 }]) {
      expect(await socket.emitWithAck("execute:trade", bad)).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    }
    expect(backend.calls).toEqual([]);
  });

  it("a session without a tier gets the default tier, and a session's roles gate namespaces", async () => {
    const gw = await bed.gateway({ sessionUrl, defaultTier: "participant" });
    const untiered = await tradeCopier(gw, "sess-untiered");
    expect(untiered.connected).toMatchObject({ userId: "u3", tier: "participant" });
    untiered.socket.emit("subscribe:signals", {});
    await until(() => untiered.events.length === 1, 5000, "signals:subscribed");
    expect(untiered.events).toEqual([["signals:subscribed", { room: "signals", channel: "signals" }]]);

    // The admin namespace admits the admin role below operator; a participant without it is refused.
    const admin = await tradeCopier(gw, "sess-admin");
    const user = await tradeCopier(gw, "sess-user");
    expect(await admin.socket.emitWithAck("subscribe", { channels: ["admin"] })).toMatchObject({ ok: true, subscribed: [{ channel: "admin" }], failed: [] });
    expect(await user.socket.emitWithAck("subscribe", { channels: ["admin"] })).toEqual({
      ok: true,
      subscribed: [],
      failed: [{ channel: "admin", code: "FORBIDDEN", message: '"admin" needs tier operator or above (or the role admin); you are participant.' }],
    });
    await gw.publish({ channel: "admin", event: "admin:alert", data: { message: "feed lag" } });
    await until(() => admin.events.length === 1, 5000, "admin:alert");
    expect(admin.events).toEqual([["admin:alert", { message: "feed lag" }]]);
    expect(user.events).toEqual([]);
  });
});

describe("trade copier: notification:new carries notificationId", () => {
  it("the catalog's schema: notificationId, type, title, message, actionUrl, timestamp", async () => {
    const gw = await bed.gateway({ sessionUrl });
    const { socket, events } = await tradeCopier(gw, "sess-user");
    socket.emit("subscribe:trades", { userId: "u2" });
    await until(() => events.length === 1, 5000, "trades:subscribed");
    const { body } = await api(gw, "POST", "/api/v1/notifications", { userId: "u2", type: "warning", title: "Subscription", message: "Your plan expires in 3 days.", actionUrl: "/billing" });
    await until(() => events.length === 2, 5000, "notification:new");
    const id = body.ids[0] as string;
    expect(events[1]).toEqual(["notification:new", { id, notificationId: id, type: "warning", title: "Subscription", message: "Your plan expires in 3 days.", data: null, actionUrl: "/billing", timestamp: expect.any(String) }]);
  });
});

describe("MyStocks: request actions through the RPC proxy", () => {
  function myStocks(gw: Gateway, token: string): Promise<{ socket: Socket; responses: unknown[]; errors: unknown[] }> {
    const socket = io(gw.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
    bed.sockets.push(socket);
    const responses: unknown[] = [];
    const errors: unknown[] = [];
    socket.on("response", (r) => responses.push(r));
    socket.on("error", (e) => errors.push(e));
    return new Promise((resolve, reject) => {
      socket.once("connected", () => resolve({ socket, responses, errors }));
      socket.once("connect_error", reject);
    });
  }
  const request = (socket: Socket, request_id: string, action: string, payload: unknown) =>
    socket.emit("request", { type: "request", request_id, action, payload, user_id: "user_001", timestamp: 1699267200000, trace_id: "trace_abc123" });

  it("get_market_data is answered by response { request_id, success: true, data, timestamp, server_time, trace_id }", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${base}/rpc` });
    const data = { symbol: "600519", fund_flow: { main_inflow: 1.2e8, retail_inflow: -3.4e7 } };
    backend.reply = () => ({ json: { result: data } });
    const c = await myStocks(gw, await gw.issueToken({ sub: "user_001", tier: "participant" }));
    request(c.socket, "req_1234567890", "get_market_data", { symbol: "600519", data_type: "fund_flow" });
    await until(() => c.responses.length === 1, 5000, "the response");
    expect(c.responses).toEqual([{ type: "response", request_id: "req_1234567890", success: true, data, timestamp: expect.any(Number), server_time: expect.any(Number), trace_id: "trace_abc123" }]);
    expect(backend.calls.map((call) => [call.body.method, call.body.params, call.body.userId, call.body.traceId, call.headers["x-trace-id"], call.body.event])).toEqual([
      ["get_market_data", { symbol: "600519", data_type: "fund_flow" }, "user_001", "trace_abc123", "trace_abc123", "request"],
    ]);
    expect(c.errors).toEqual([]);
  });

  it("a backend error is response { success: false, error } with the backend's code; the gates and failures too", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${base}/rpc`, proxyRpcMethods: { "admin.reset": { minTier: "operator" } } });
    backend.reply = () => ({ json: { error: { code: "SYMBOL_NOT_FOUND", message: "No such symbol: 999999." } } });
    const c = await myStocks(gw, await gw.issueToken({ sub: "user_001", tier: "participant" }));
    request(c.socket, "req_1", "get_market_data", { symbol: "999999" });
    request(c.socket, "req_2", "admin.reset", {});
    await until(() => c.responses.length === 2 && c.errors.length === 2, 5000, "two responses and two errors");
    const byId = Object.fromEntries((c.responses as Array<{ request_id: string }>).map((r) => [r.request_id, r]));
    expect(byId.req_1).toEqual({ type: "response", request_id: "req_1", success: false, error: { code: "SYMBOL_NOT_FOUND", message: "No such symbol: 999999." }, timestamp: expect.any(Number), server_time: expect.any(Number), trace_id: "trace_abc123" });
    expect(byId.req_2).toEqual({ type: "response", request_id: "req_2", success: false, error: { code: "FORBIDDEN", message: 'The method "admin.reset" needs tier operator or above.' }, timestamp: expect.any(Number), server_time: expect.any(Number), trace_id: "trace_abc123" });
    expect(backend.calls.map((call) => call.body.method)).toEqual(["get_market_data"]);
  });

  it("without an RPC backend an action is still refused in its response, as before", async () => {
    const gw = await bed.gateway();
    const c = await myStocks(gw, await gw.issueToken({ sub: "user_001", tier: "participant" }));
    request(c.socket, "req_9", "get_market_data", {});
    await until(() => c.responses.length === 1, 5000, "the response");
    expect(c.responses).toMatchObject([{ request_id: "req_9", success: false, error: { code: "UNKNOWN_EVENT" } }]);
  });

  it("a token without a tier claim has the default tier: a 20-symbol watchlist fits participant", async () => {
    const gw = await bed.gateway({ defaultTier: "participant" });
    const token = await gw.issueToken({ sub: "user_001" });
    const { socket, connected } = await bed.connect(gw, { token });
    expect(connected).toMatchObject({ userId: "user_001", tier: "participant", limits: { maxSubscriptions: 50 } });
    const symbols = Array.from({ length: 20 }, (_, i) => `60${String(i).padStart(4, "0")}`);
    const replies = await Promise.all(symbols.map((symbol) => socket.emitWithAck("subscribe_market_stream", { symbol })));
    expect(replies.every((r) => r.ok === true)).toBe(true);
    // The default default is navigator: 10.
    const plain = await bed.gateway();
    expect((await bed.connect(plain, { token: await plain.issueToken({ sub: "user_001" }) })).connected).toMatchObject({ tier: "navigator", limits: { maxSubscriptions: 10 } });
  });
});

describe("StackMotive: notification_test", () => {
  it("an operator's notification_test reaches their own notification listener as a test notification, a lower tier is refused", async () => {
    const gw = await bed.gateway();
    const operator = io(gw.url, { path: "/socket.io/", auth: { token: await bed.token(gw, "ops", "operator") }, transports: ["websocket"], reconnection: false, forceNew: true });
    const other = io(gw.url, { path: "/socket.io/", auth: { token: await bed.token(gw, "alice", "builder") }, transports: ["websocket"], reconnection: false, forceNew: true });
    bed.sockets.push(operator, other);
    const seen: Record<string, unknown[]> = { ops: [], alice: [], aliceErrors: [] };
    for (const [socket, name] of [[operator, "ops"], [other, "alice"]] as const) {
      socket.on("connected", () => socket.emit("subscribe_notifications", {}));
      socket.on("notification", (n) => seen[name]!.push(n));
    }
    other.on("error", (e) => seen.aliceErrors!.push(e));
    await Promise.all([operator, other].map((s) => new Promise((resolve) => s.once("notifications_subscribed", resolve))));
    operator.emit("notification_test", {});
    other.emit("notification_test", {});
    await until(() => seen.ops!.length === 1 && seen.aliceErrors!.length === 1, 5000, "the test notification and the refusal");
    const n = seen.ops![0] as { id: string };
    expect(n).toEqual({ id: n.id, notificationId: n.id, type: "test", title: "Test notification", message: "This is a test notification from Tickwire.", data: { requestedBy: "ops" }, actionUrl: null, timestamp: expect.any(String) });
    expect(seen.aliceErrors).toEqual([{ code: "FORBIDDEN", message: "notification_test is for operators.", event: "notification_test" }]);
    expect(seen.alice).toEqual([]);
    expect(await operator.emitWithAck("notification_test", {})).toEqual({ ok: true });
  });
});
