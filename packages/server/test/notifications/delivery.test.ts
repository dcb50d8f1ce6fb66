import { afterEach, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { api, record, TestBed, until } from "../helpers.js";
import { describeEachStore, FakeClock, inboxGateway, T0 } from "./backends.js";

const ISO_T0 = new Date(T0).toISOString();

function subscribe(socket: Socket, channels: unknown[] = ["notifications"]): Promise<any> {
  return socket.emitWithAck("subscribe", { channels });
}

describeEachStore("notification delivery", (backend) => {
  const bed = new TestBed();
  afterEach(async () => {
    await bed.cleanup();
    await backend.cleanup();
  });

  async function start() {
    const clock = new FakeClock();
    const { gw } = await inboxGateway(bed, await backend.create(bed), { now: clock.now });
    return { gw, clock };
  }

  const notify = (gw: Parameters<typeof api>[0], userId: string, message: string, extra: Record<string, unknown> = {}) =>
    api(gw, "POST", "/api/v1/notifications", { userId, type: "info", message, ...extra }).then((r) => r.body.ids[0] as string);

  it("delivers a new notification live to every subscribed connection of the user, and to no one else", async () => {
    const { gw } = await start();
    const [phone, laptop, idle, bob] = await Promise.all([
      bed.connectAs(gw, "alice"),
      bed.connectAs(gw, "alice"),
      bed.connectAs(gw, "alice"),
      bed.connectAs(gw, "bob"),
    ]);
    const seen = [phone, laptop, idle, bob].map((s) => record(s, "notification:new"));
    const reply = await subscribe(phone);
    expect(reply).toEqual({ ok: true, subscribed: [{ channel: "notifications:alice", requested: "notifications", offset: 0, epoch: expect.any(String) }], failed: [] });
    const epoch = reply.subscribed[0].epoch;
    await subscribe(laptop, ["notifications:alice"]);
    await subscribe(bob);
    const id = await notify(gw, "alice", "Order filled.", { title: "AAPL", data: { qty: 10 }, actionUrl: "/orders/1" });
    await until(() => seen[0]!.length === 1 && seen[1]!.length === 1, 5000, "both subscribed connections");
    const expected = {
      event: "notification:new",
      payload: { id, notificationId: id, type: "info", title: "AAPL", message: "Order filled.", data: { qty: 10 }, actionUrl: "/orders/1", timestamp: ISO_T0 },
      meta: { channel: "notifications:alice", offset: 1, epoch, ts: T0 },
    };
    expect(seen[0]).toEqual([expected]);
    expect(seen[1]).toEqual([expected]);
    await phone.emitWithAck("ping", {}); // a round trip: anything misrouted would have arrived by now
    expect(seen[2]).toEqual([]);
    expect(seen[3]).toEqual([]);
  });

  it("answers a repeated subscribe with the inbox position and epoch, not another channel's", async () => {
    const { gw } = await start();
    const socket = await bed.connectAs(gw, "alice");
    const first = (await subscribe(socket)).subscribed[0];
    await notify(gw, "alice", "One.");
    await notify(gw, "alice", "Two.");
    const again = await subscribe(socket);
    expect(again).toEqual({ ok: true, subscribed: [{ channel: "notifications:alice", requested: "notifications", offset: 2, epoch: first.epoch }], failed: [] });
  });

  it("numbers a user's notifications with consecutive offsets under one stable epoch", async () => {
    const { gw } = await start();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "notification:new");
    const { subscribed } = await subscribe(socket);
    for (const m of ["one", "two", "three"]) await notify(gw, "alice", m);
    await until(() => seen.length === 3);
    expect(seen.map((s) => [s.meta.offset, s.meta.epoch, (s.payload as { message: string }).message])).toEqual([
      [1, subscribed[0].epoch, "one"],
      [2, subscribed[0].epoch, "two"],
      [3, subscribed[0].epoch, "three"],
    ]);
  });

  it("sends every unread notification on subscribe, oldest first, until it is acknowledged", async () => {
    const { gw } = await start();
    const ids = [await notify(gw, "alice", "one"), await notify(gw, "alice", "two"), await notify(gw, "alice", "three")];
    await gw.store.inbox.markRead("alice", [ids[1]!], T0);

    const first = await bed.connectAs(gw, "alice");
    const seen = record(first, "notification:new");
    const reply = await subscribe(first);
    expect(reply.subscribed).toEqual([{ channel: "notifications:alice", requested: "notifications", offset: 3, epoch: expect.any(String) }]);
    expect(seen.map((s) => [s.meta.offset, (s.payload as { id: string }).id])).toEqual([
      [1, ids[0]],
      [3, ids[2]],
    ]);
    first.close();

    const second = await bed.connectAs(gw, "alice");
    const again = record(second, "notification:new");
    await subscribe(second);
    expect(again.map((s) => s.meta.offset)).toEqual([1, 3]); // at least once: still unread
    expect(await second.emitWithAck("notifications:ack", { ids: [ids[0], ids[2]] })).toEqual({ ok: true, acknowledged: 2 });
    second.close();

    const third = await bed.connectAs(gw, "alice");
    const none = record(third, "notification:new");
    expect((await subscribe(third)).subscribed[0].offset).toBe(3);
    expect(none).toEqual([]);
  });

  it("refuses another user's notifications channel", async () => {
    const { gw } = await start();
    const socket = await bed.connectAs(gw, "alice");
    expect(await subscribe(socket, ["notifications:bob"])).toEqual({
      ok: true,
      subscribed: [],
      failed: [{ channel: "notifications:bob", code: "FORBIDDEN", message: '"notifications:bob" belongs to another user.' }],
    });
  });

  it("delivers notifications accepted while a connection subscribes exactly once each, in order", async () => {
    const { gw } = await start();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "notification:new");
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 20; i++) sends.push(notify(gw, "alice", `n${i}`));
    const [reply] = await Promise.all([subscribe(socket), ...sends]);
    expect(reply.ok).toBe(true);
    for (let i = 20; i < 25; i++) await notify(gw, "alice", `n${i}`);
    await until(() => seen.length >= 25);
    await socket.emitWithAck("ping", {});
    expect(seen.map((s) => s.meta.offset)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("sends an operator's notification:test to the caller as a test notification, and refuses lower tiers", async () => {
    const { gw } = await start();
    const operator = await bed.connectAs(gw, "ops", "operator");
    const seen = record(operator, "notification:new");
    await subscribe(operator);
    expect(await operator.emitWithAck("notification:test", {})).toEqual({ ok: true });
    expect(await operator.emitWithAck("notification:test", {})).toEqual({ ok: true }); // each test is new, never a duplicate
    await until(() => seen.length === 2);
    const testId = (seen[0]!.payload as { id: string }).id;
    expect(seen[0]!.payload).toEqual({
      id: testId,
      notificationId: testId,
      type: "test",
      title: "Test notification",
      message: "This is a test notification from Tickwire.",
      data: { requestedBy: "ops" },
      actionUrl: null,
      timestamp: ISO_T0,
    });
    const builder = await bed.connectAs(gw, "bob", "builder");
    expect(await builder.emitWithAck("notification:test", {})).toEqual({ ok: false, error: { code: "FORBIDDEN", message: "notification:test is for operators." } });
    expect((await api(gw, "GET", "/api/v1/notifications?userId=bob")).body).toEqual({ items: [], unread: 0 });
  });
});
