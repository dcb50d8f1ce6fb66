import { afterEach, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";

// StackMotive (seed 000): the client-migration code of its transport inventory, as written there,
// with `io('/')` pointed at the test server.
const bed = new TestBed();
afterEach(() => bed.cleanup());

function stackMotiveClient(gw: Gateway, token: string) {
  const socket: Socket = io(gw.url, {
    path: "/socket.io/", // IMPORTANT: trailing slash required
    auth: { token },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  bed.sockets.push(socket);
  const state = { connected: undefined as any, subscribed: undefined as any, notifications: [] as any[], errors: [] as any[] };
  socket.on("connected", (data) => {
    state.connected = data;
    // Subscribe to notifications
    socket.emit("subscribe_notifications", {});
  });
  socket.on("notifications_subscribed", (data) => (state.subscribed = data));
  socket.on("notification", (notification) => {
    state.notifications = [notification, ...state.notifications];
  });
  socket.on("error", (error) => state.errors.push(error));
  return { socket, state };
}

const notify = (gw: Gateway, body: Record<string, unknown>) => api(gw, "POST", "/api/v1/notifications", body).then((r) => r.body.ids[0] as string);

describe("StackMotive clients", () => {
  it("get their unread notifications, then live ones, as `notification` after subscribe_notifications", async () => {
    const gw = await bed.gateway();
    const earlier = await notify(gw, { userId: "alice", type: "macro_change", message: "Macro regime shifted to risk-off.", data: { regime: "risk-off" } });
    const { socket, state } = stackMotiveClient(gw, await bed.token(gw, "alice", "participant"));
    const protocolEvents = record(socket, "notification:new");
    await until(() => state.subscribed !== undefined, 5000, "notifications_subscribed");
    expect(state.connected).toMatchObject({ userId: "alice", tier: "participant", message: "Connected to Tickwire" });
    expect(state.subscribed).toEqual({ message: "Subscribed to notifications", channel: "notifications:alice" });
    expect(state.notifications).toEqual([
      { id: earlier, notificationId: earlier, type: "macro_change", title: null, message: "Macro regime shifted to risk-off.", data: { regime: "risk-off" }, actionUrl: null, timestamp: expect.any(String) },
    ]);

    const live = await notify(gw, { userId: "alice", type: "rebalance_trigger", message: "Rebalance: equities 8% over target.", title: "Rebalance", data: { drift: 0.08 }, actionUrl: "/rebalance" });
    await until(() => state.notifications.length === 2, 5000, "the live notification");
    expect(state.notifications[0]).toEqual({
      id: live,
      notificationId: live,
      type: "rebalance_trigger",
      title: "Rebalance",
      message: "Rebalance: equities 8% over target.",
      data: { drift: 0.08 },
      actionUrl: "/rebalance",
      timestamp: expect.any(String),
    });
    expect(protocolEvents).toEqual([]);
    expect(state.errors).toEqual([]);
  });

  it("are not sent again on their next connection what a connection of theirs already got; clients that acknowledge keep unread semantics", async () => {
    const gw = await bed.gateway();
    const first = stackMotiveClient(gw, await bed.token(gw, "alice", "participant"));
    await until(() => first.state.subscribed !== undefined, 5000, "notifications_subscribed");
    const n1 = await notify(gw, { userId: "alice", type: "info", message: "One." });
    await until(() => first.state.notifications.length === 1, 5000, "the first notification");
    first.socket.close();
    // Sent while the user is away: never delivered, so it comes on the next connection.
    const n2 = await notify(gw, { userId: "alice", type: "info", message: "Two." });
    await notify(gw, { userId: "bob", type: "info", message: "Bob's." });

    const second = stackMotiveClient(gw, await bed.token(gw, "alice", "participant"));
    await until(() => second.state.subscribed !== undefined, 5000, "the second subscribe");
    const n3 = await notify(gw, { userId: "alice", type: "info", message: "Three." });
    await until(() => second.state.notifications.length >= 2, 5000, "the missed and the live notification");
    // Newest first, as the platform's client keeps them: n1 is not sent again.
    expect(second.state.notifications.map((n: any) => [n.id, n.message])).toEqual([
      [n3, "Three."],
      [n2, "Two."],
    ]);
    second.socket.close();

    // A third connection after everything was delivered gets nothing again, then live ones only.
    const third = stackMotiveClient(gw, await bed.token(gw, "alice", "participant"));
    await until(() => third.state.subscribed !== undefined, 5000, "the third subscribe");
    const n4 = await notify(gw, { userId: "alice", type: "info", message: "Four." });
    await until(() => third.state.notifications.length >= 1, 5000, "the live notification");
    expect(third.state.notifications.map((n: any) => n.id)).toEqual([n4]);

    // A protocol client of the same user acknowledges: everything unread is still unread for it.
    const acking = await bed.connectAs(gw, "alice", "participant");
    const unread = record(acking, "notification:new");
    await acking.emitWithAck("subscribe", { channels: ["notifications"] });
    await until(() => unread.length === 4, 5000, "the four unread notifications");
    expect(unread.map((e) => (e.payload as { id: string }).id)).toEqual([n1, n2, n3, n4]);
    expect(first.state.notifications.map((n: any) => n.id)).toEqual([n1]);
  });

  it("never get another user's notifications", async () => {
    const gw = await bed.gateway();
    const alice = stackMotiveClient(gw, await bed.token(gw, "alice"));
    const bob = stackMotiveClient(gw, await bed.token(gw, "bob"));
    await until(() => alice.state.subscribed !== undefined && bob.state.subscribed !== undefined);
    await notify(gw, { userId: "bob", type: "overlay_update", message: "Overlay updated." });
    await until(() => bob.state.notifications.length === 1);
    await alice.socket.emitWithAck("ping", {});
    expect(alice.state.notifications).toEqual([]);
  });

  it("get the subscribe reply through an acknowledgement too", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const replies = record(socket, "notifications_subscribed");
    expect(await socket.emitWithAck("subscribe_notifications", {})).toEqual({ ok: true, message: "Subscribed to notifications", channel: "notifications:alice" });
    expect(replies.map((r) => r.payload)).toEqual([{ message: "Subscribed to notifications", channel: "notifications:alice" }]);
  });

  it("get an `error` event for a malformed subscribe_notifications", async () => {
    const gw = await bed.gateway();
    const { socket, state } = stackMotiveClient(gw, await bed.token(gw, "alice"));
    await until(() => state.subscribed !== undefined);
    socket.emit("subscribe_notifications", { types: ["macro_change"] });
    await until(() => state.errors.length === 1);
    expect(state.errors).toEqual([{ code: "BAD_REQUEST", message: 'Invalid request: payload: unknown property "types".', event: "subscribe_notifications" }]);
  });
});
