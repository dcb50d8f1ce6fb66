import { afterEach, describe, expect, it, vi } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";

// MyStocks (seed 002): the client side of its MySocketIONamespace handlers
// (on_subscribe_market_stream, on_unsubscribe_market_stream, on_stream_filter_update,
// on_subscribe / on_unsubscribe, on_ping, on_request) with the message formats of
// websocket_message.py, plus the token Tickwire requires.
const bed = new TestBed();
afterEach(() => bed.cleanup());

let nextId = 0;

class MyStocksSocket {
  socket!: Socket;
  readonly received: Array<{ event: string; payload: unknown; meta: Record<string, unknown> }> = [];

  constructor(private readonly url: string, private readonly token: string, private readonly userId: string) {}

  async connect(): Promise<void> {
    this.socket = io(this.url, { auth: { token: this.token }, transports: ["websocket"], reconnection: false, forceNew: true });
    bed.sockets.push(this.socket);
    for (const event of ["stream_data", "response", "pong", "error"]) {
      this.socket.on(event, (payload: unknown, meta: Record<string, unknown>) => this.received.push({ event, payload, meta }));
    }
    await new Promise<void>((resolve, reject) => {
      this.socket.once("connected", () => resolve());
      this.socket.once("connect_error", reject);
    });
  }

  subscribeMarketStream(symbol: string, fields?: string[]): void {
    this.socket.emit("subscribe_market_stream", fields === undefined ? { symbol } : { symbol, fields });
  }

  unsubscribeMarketStream(symbol: string): void {
    this.socket.emit("unsubscribe_market_stream", { symbol });
  }

  updateStreamFilter(symbol: string, fields: string[]): void {
    this.socket.emit("stream_filter_update", { symbol, fields });
  }

  joinRoom(room: string): void {
    this.socket.emit("subscribe", { type: "subscribe", request_id: `sub_${++nextId}`, room, user_id: this.userId, timestamp: Date.now() });
  }

  leaveRoom(room: string): void {
    this.socket.emit("unsubscribe", { type: "unsubscribe", request_id: `unsub_${++nextId}`, room, user_id: this.userId, timestamp: Date.now() });
  }

  ping(): void {
    this.socket.emit("ping", { type: "ping", timestamp: Date.now() });
  }

  request(action: string, payload: Record<string, unknown>): string {
    const requestId = `req_${++nextId}`;
    this.socket.emit("request", { type: "request", request_id: requestId, action, payload, user_id: this.userId, timestamp: Date.now(), trace_id: "trace_abc123" });
    return requestId;
  }

  of(event: string): unknown[] {
    return this.received.filter((r) => r.event === event).map((r) => r.payload);
  }
}

async function client(gw: Gateway, user = "user_001", tier = "builder"): Promise<MyStocksSocket> {
  const c = new MyStocksSocket(gw.url, await bed.token(gw, user, tier), user);
  await c.connect();
  return c;
}

const quote = { symbol: "600519", price: 1850.5, volume: 1000, bid: 1850.4, ask: 1850.6, timestamp: 1699267202000 };

describe("MyStocks market streams", () => {
  it("subscribe_market_stream: quotes arrive as stream_data { symbol, data, timestamp }, data without symbol", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    expect(await c.socket.emitWithAck("subscribe_market_stream", { symbol: "600519" })).toEqual({ ok: true, symbol: "600519", channel: "quotes:600519", fields: null });
    await gw.publish({ channel: "quotes:600519", data: quote });
    await until(() => c.of("stream_data").length === 1, 5000, "stream_data");
    expect(c.of("stream_data")).toEqual([{ symbol: "600519", data: { price: 1850.5, volume: 1000, bid: 1850.4, ask: 1850.6, timestamp: 1699267202000 }, timestamp: 1699267202000 }]);
    expect(c.received.map((r) => r.event)).toEqual(["stream_data"]); // no quote:update, no error
  });

  it("subscribe_market_stream with fields: data holds those fields only, timestamp is still the quote's", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    c.subscribeMarketStream("600519", ["price", "volume"]);
    await until(() => gw.hub.subscriptionsByNamespace().quotes === 1);
    await gw.publish({ channel: "quotes:600519", data: quote });
    await until(() => c.of("stream_data").length === 1, 5000, "stream_data");
    expect(c.of("stream_data")).toEqual([{ symbol: "600519", data: { price: 1850.5, volume: 1000 }, timestamp: 1699267202000 }]);
  });

  it("stamps a quote without a numeric timestamp with its publish time in ms", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    await c.socket.emitWithAck("subscribe_market_stream", { symbol: "AAPL", fields: ["price"] });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1, timestamp: "2025-10-25T12:34:56.789Z" } });
    await until(() => c.of("stream_data").length === 1, 5000, "stream_data");
    const { payload, meta } = c.received[0]!;
    expect(payload).toEqual({ symbol: "AAPL", data: { price: 190.1 }, timestamp: meta.ts });
    expect(meta).toEqual({ channel: "quotes:AAPL", offset: 1, epoch: expect.any(String), ts: expect.any(Number) });
  });

  it("sends the latest quote at once on subscribe, as stream_data", async () => {
    const gw = await bed.gateway();
    await gw.publish({ channel: "quotes:600519", data: quote });
    const c = await client(gw);
    await c.socket.emitWithAck("subscribe_market_stream", { symbol: "600519", fields: ["price"] });
    expect(c.of("stream_data")).toEqual([{ symbol: "600519", data: { price: 1850.5 }, timestamp: 1699267202000 }]);
  });

  it("stream_filter_update changes the fields of a subscribed stream, without another snapshot", async () => {
    const gw = await bed.gateway();
    await gw.publish({ channel: "quotes:600519", data: quote });
    const c = await client(gw);
    await c.socket.emitWithAck("subscribe_market_stream", { symbol: "600519", fields: ["price", "volume"] });
    expect(await c.socket.emitWithAck("stream_filter_update", { symbol: "600519", fields: ["bid", "ask"] })).toEqual({
      ok: true,
      symbol: "600519",
      channel: "quotes:600519",
      fields: ["bid", "ask"],
    });
    await gw.publish({ channel: "quotes:600519", data: { ...quote, bid: 1851, ask: 1852 } });
    await until(() => c.of("stream_data").length === 2, 5000, "the second stream_data");
    expect(c.of("stream_data")).toEqual([
      { symbol: "600519", data: { price: 1850.5, volume: 1000 }, timestamp: 1699267202000 },
      { symbol: "600519", data: { bid: 1851, ask: 1852 }, timestamp: 1699267202000 },
    ]);
  });

  it("stream_filter_update of a symbol not subscribed is BAD_REQUEST and subscribes nothing", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    c.updateStreamFilter("600519", ["price"]);
    await until(() => c.of("error").length === 1, 5000, "the error");
    expect(c.of("error")).toEqual([
      { code: "BAD_REQUEST", message: '"600519" is not subscribed on this connection; send subscribe_market_stream first.', event: "stream_filter_update" },
    ]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("unsubscribe_market_stream stops the stream", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    await c.socket.emitWithAck("subscribe_market_stream", { symbol: "600519" });
    expect(await c.socket.emitWithAck("unsubscribe_market_stream", { symbol: "600519" })).toEqual({ ok: true, symbol: "600519", unsubscribed: true });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ quotes: 0 });
    await gw.publish({ channel: "quotes:600519", data: quote });
    await c.socket.emitWithAck("ping", {});
    expect(c.of("stream_data")).toEqual([]);
  });

  it("subscribe { room: market_{symbol} } and { room: stream_{symbol} } subscribe that symbol's stream", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    c.joinRoom("market_600519");
    c.joinRoom("stream_000001");
    await until(() => gw.hub.subscriptionsByNamespace().quotes === 2, 5000, "two streams");
    await gw.publish({ channel: "quotes:600519", data: quote });
    await gw.publish({ channel: "quotes:000001", data: { symbol: "000001", price: 10.5, timestamp: 1699267203000 } });
    await until(() => c.of("stream_data").length === 2, 5000, "two stream_data");
    expect(c.of("stream_data")).toEqual(
      expect.arrayContaining([
        { symbol: "600519", data: { price: 1850.5, volume: 1000, bid: 1850.4, ask: 1850.6, timestamp: 1699267202000 }, timestamp: 1699267202000 },
        { symbol: "000001", data: { price: 10.5, timestamp: 1699267203000 }, timestamp: 1699267203000 },
      ]),
    );
    expect(c.of("error")).toEqual([]);
  });

  it("answers a room subscribe's acknowledgement with the room and its stream, and unsubscribe { room } leaves it", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    expect(await c.socket.emitWithAck("subscribe", { type: "subscribe", request_id: "sub_1", room: "market_600519", user_id: "user_001", timestamp: 1699267200000 })).toEqual({
      ok: true,
      room: "market_600519",
      symbol: "600519",
      channel: "quotes:600519",
      fields: null,
    });
    expect(await c.socket.emitWithAck("unsubscribe", { room: "market_600519" })).toEqual({ ok: true, room: "market_600519", unsubscribed: true });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ quotes: 0 });
  });

  it("maps any other room to the platform's room `rooms:{room}`: an unknown room is an `error` NOT_FOUND and joins nothing", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    c.joinRoom("room_123");
    await until(() => c.of("error").length === 1, 5000, "the error");
    expect(c.of("error")).toEqual([{ code: "NOT_FOUND", message: 'There is no room "room_123".', event: "subscribe" }]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("joins a room of the rooms API as their room manager did: members get its messages, an outsider an `error`", async () => {
    const gw = await bed.gateway();
    await api(gw, "POST", "/api/v1/rooms", { id: "room_123", type: "protected", capacity: 10 });
    await api(gw, "POST", "/api/v1/rooms/room_123/members", { userId: "user_001", role: "moderator" });
    const c = await client(gw, "user_001");
    const outsider = await client(gw, "user_002");
    expect(await c.socket.emitWithAck("subscribe", { type: "subscribe", request_id: "sub_1", room: "room_123", user_id: "user_001", timestamp: 1699267200000 })).toEqual({
      ok: true,
      room: "room_123",
      channel: "rooms:room_123",
      offset: 0,
      epoch: expect.any(String),
    });
    outsider.joinRoom("room_123");
    await until(() => outsider.of("error").length === 1, 5000, "the outsider's error");
    expect(outsider.of("error")).toEqual([{ code: "FORBIDDEN", message: 'Room "room_123" is for its members only.', event: "subscribe" }]);

    const messages: unknown[] = [];
    const heard: unknown[] = [];
    c.socket.on("room:message", (payload: unknown) => messages.push(payload));
    outsider.socket.on("room:message", (payload: unknown) => heard.push(payload));
    await api(gw, "POST", "/api/v1/rooms/room_123/publish", { data: { type: "text", content: "hello" } });
    await api(gw, "POST", "/api/v1/rooms/room_123/publish", { data: { type: "alert", content: "mods" }, role: "moderator" });
    await until(() => messages.length === 2, 5000, "both messages");
    await outsider.socket.emitWithAck("ping", {});
    expect(messages).toEqual([{ type: "text", content: "hello" }, { type: "alert", content: "mods" }]);
    expect(heard).toEqual([]);

    expect(await c.socket.emitWithAck("unsubscribe", { room: "room_123" })).toEqual({ ok: true, room: "room_123", unsubscribed: true });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ rooms: 0 });
  });

  it("counts streams toward the tier's quote limit: beyond it, `error` LIMIT_EXCEEDED", async () => {
    const gw = await bed.gateway({ maxSubscriptions: { navigator: 1, participant: 50, builder: 200, operator: 1000 } });
    const c = await client(gw, "user_001", "navigator");
    await c.socket.emitWithAck("subscribe_market_stream", { symbol: "600519" });
    c.subscribeMarketStream("000001");
    await until(() => c.of("error").length === 1, 5000, "the error");
    expect(c.of("error")).toEqual([
      { code: "LIMIT_EXCEEDED", message: "Tier navigator may watch at most 1 quotes channels per connection.", event: "subscribe_market_stream" },
    ]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ quotes: 1 });
  });

  it("request: answers response { success: false, UNKNOWN_EVENT } for the request_id, since actions are the platform API's", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    const requestId = c.request("get_market_data", { symbol: "600519", data_type: "fund_flow" });
    await until(() => c.of("response").length === 1 && c.of("error").length === 1, 5000, "response and error");
    const message = 'Action "get_market_data" is not served here: request actions are served by the platform\'s API, not by the gateway.';
    const [response] = c.of("response") as Array<{ timestamp: number }>;
    expect(response).toEqual({
      type: "response",
      request_id: requestId,
      success: false,
      error: { code: "UNKNOWN_EVENT", message },
      timestamp: expect.any(Number),
      server_time: response!.timestamp,
      trace_id: "trace_abc123",
    });
    expect(c.of("error")).toEqual([{ code: "UNKNOWN_EVENT", message, event: "request" }]);
  });

  it("ping { type: 'ping', timestamp }: a pong { type, timestamp, server_time } in epoch ms, and the protocol's acknowledgement", async () => {
    const gw = await bed.gateway();
    const c = await client(gw);
    c.ping();
    await until(() => c.of("pong").length === 1, 5000, "pong");
    const [pong] = c.of("pong") as Array<{ timestamp: number; client_timestamp: number }>;
    expect(pong).toEqual({ type: "pong", timestamp: expect.any(Number), client_timestamp: expect.any(Number), server_time: pong!.timestamp });
    expect(pong!.timestamp).toBeGreaterThanOrEqual(pong!.client_timestamp);

    const reply = await c.socket.emitWithAck("ping", { type: "ping", timestamp: 1699267200000 });
    expect(reply).toEqual({ ok: true, timestamp: expect.any(Number), client_timestamp: 1699267200000, server_time: new Date(reply.timestamp).toISOString() });
    await until(() => c.of("pong").length === 2);
    expect(c.of("pong")[1]).toEqual({ type: "pong", timestamp: reply.timestamp, client_timestamp: 1699267200000, server_time: reply.timestamp });
  });

  it("encodes a quote once per field set: two clients with the same fields share one broadcast", async () => {
    const gw = await bed.gateway();
    const [a, b, other] = await Promise.all([client(gw, "a"), client(gw, "b"), client(gw, "c")]);
    const protocol = await bed.connectAs(gw, "d");
    await a.socket.emitWithAck("subscribe_market_stream", { symbol: "600519", fields: ["price"] });
    await b.socket.emitWithAck("subscribe", { room: "market_600519" });
    await b.socket.emitWithAck("stream_filter_update", { symbol: "600519", fields: ["price"] });
    await other.socket.emitWithAck("subscribe_market_stream", { symbol: "600519", fields: ["volume"] });
    await protocol.emitWithAck("subscribe", { channels: [{ channel: "quotes:600519", fields: ["price"] }] });
    const updates = record(protocol, "quote:update");
    const broadcast = vi.spyOn(gw.transport, "broadcast");
    await gw.publish({ channel: "quotes:600519", data: quote });
    await until(() => [a, b, other].every((c) => c.of("stream_data").length === 1) && updates.length === 1, 5000, "every delivery");
    expect(broadcast.mock.calls.map(([ids, event, payload]) => [ids.length, event, payload]).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([
      [1, "quote:update", { symbol: "600519", price: 1850.5 }],
      [1, "stream_data", { symbol: "600519", data: { volume: 1000 }, timestamp: 1699267202000 }],
      [2, "stream_data", { symbol: "600519", data: { price: 1850.5 }, timestamp: 1699267202000 }],
    ]);
  });
});
