import { afterEach, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, TestBed, until } from "../helpers.js";

// MyStocks (seed 002): messages sent to a user while every connection of theirs is away wait in
// an offline queue and are delivered when the user is back (sections 2.4 and 7).
const bed = new TestBed();
afterEach(() => bed.cleanup());

function myStocksClient(gw: Gateway, token: string, client: unknown = "mystocks") {
  const socket: Socket = io(gw.url, { auth: { token, client }, transports: ["websocket"], reconnection: false, forceNew: true });
  bed.sockets.push(socket);
  const state = { connected: undefined as any, messages: [] as any[], errors: [] as any[] };
  socket.on("connected", (data) => (state.connected = data));
  socket.on("message", (message) => state.messages.push(message));
  socket.on("error", (error) => state.errors.push(error));
  return { socket, state };
}

const send = (gw: Gateway, body: Record<string, unknown>) => api(gw, "POST", "/api/v1/notifications", body).then((r) => r.body.ids[0] as string);

describe("MyStocks' offline queue", () => {
  it("delivers what was sent while every connection of the user was away when the user is back, as `message`, once and in order", async () => {
    const gw = await bed.gateway();
    const first = myStocksClient(gw, await bed.token(gw, "alice", "participant"));
    await until(() => first.state.connected !== undefined, 5000, "connected");
    const live = await send(gw, { userId: "alice", type: "alert", title: "Price alert", message: "600519 crossed 1850.", data: { symbol: "600519", price: 1850.5 } });
    await until(() => first.state.messages.length === 1, 5000, "the live message");
    expect(first.state.messages).toEqual([
      { type: "alert", message_id: live, title: "Price alert", message: "600519 crossed 1850.", data: { symbol: "600519", price: 1850.5 }, action_url: null, timestamp: expect.any(Number) },
    ]);
    first.socket.close();
    await until(() => gw.registry.ofUser("alice").length === 0, 5000, "the user to be away");

    const away1 = await send(gw, { userId: "alice", type: "text", message: "Your report is ready.", actionUrl: "/reports/7" });
    const away2 = await send(gw, { userId: "alice", type: "rebalance_trigger", message: "Rebalance due." });
    await send(gw, { userId: "bob", type: "text", message: "Bob's message." });

    const second = myStocksClient(gw, await bed.token(gw, "alice", "participant"));
    await until(() => second.state.messages.length === 2, 5000, "the queued messages");
    const after = await send(gw, { userId: "alice", type: "system", message: "Maintenance at 22:00." });
    await until(() => second.state.messages.length === 3, 5000, "a live message after the queue");
    expect(second.state.messages.map((m: any) => [m.type, m.message_id, m.message, m.action_url])).toEqual([
      ["text", away1, "Your report is ready.", "/reports/7"],
      // Not one of MyStocks' message types: delivered as a notification.
      ["notification", away2, "Rebalance due.", null],
      ["system", after, "Maintenance at 22:00.", null],
    ]);
    expect(second.state.errors).toEqual([]);
    second.socket.close();

    // Everything was delivered: a third connection gets nothing again, then live ones only.
    const third = myStocksClient(gw, await bed.token(gw, "alice", "participant"));
    await until(() => third.state.connected !== undefined, 5000, "the third connection");
    const last = await send(gw, { userId: "alice", type: "data", message: "Fund flow updated." });
    await until(() => third.state.messages.length >= 1, 5000, "the live message");
    expect(third.state.messages.map((m: any) => m.message_id)).toEqual([last]);
  });

  it("keeps today's behaviour for clients that do not name MyStocks: no `message` events", async () => {
    const gw = await bed.gateway();
    await send(gw, { userId: "alice", type: "text", message: "Queued." });
    const other = myStocksClient(gw, await bed.token(gw, "alice", "participant"), { not: "a name" });
    const plain = myStocksClient(gw, await bed.token(gw, "alice", "participant"), "stackmotive-or-other");
    await until(() => other.state.connected !== undefined && plain.state.connected !== undefined, 5000, "both connected");
    // A MyStocks client connected after them gets the queue: by then the others would have had it too.
    const mine = myStocksClient(gw, await bed.token(gw, "alice", "participant"));
    await until(() => mine.state.messages.length === 1, 5000, "the MyStocks client's queue");
    expect(mine.state.messages[0]).toMatchObject({ type: "text", message: "Queued." });
    expect(other.state.messages).toEqual([]);
    expect(plain.state.messages).toEqual([]);
  });
});
