import { afterEach, expect, it } from "vitest";
import { api, TestBed } from "../helpers.js";
import { describeEachStore, FakeClock, inboxGateway, T0 } from "./backends.js";

describeEachStore("notifications:list and notifications:ack", (backend) => {
  const bed = new TestBed();
  afterEach(async () => {
    await bed.cleanup();
    await backend.cleanup();
  });

  async function start(service = {}) {
    const clock = new FakeClock();
    const { gw } = await inboxGateway(bed, await backend.create(bed), { now: clock.now, ...service });
    const send = async (userId: string, message: string): Promise<string> => {
      clock.advance(1000);
      return (await api(gw, "POST", "/api/v1/notifications", { userId, type: "info", message })).body.ids[0];
    };
    return { gw, clock, send };
  }

  it("lists the caller's inbox newest first with read flags and the unread count", async () => {
    const { gw, send } = await start();
    const one = await send("alice", "one");
    const two = await send("alice", "two");
    await send("bob", "not yours");
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck("notifications:ack", { ids: [one] })).toEqual({ ok: true, acknowledged: 1 });
    expect(await socket.emitWithAck("notifications:list", {})).toEqual({
      ok: true,
      items: [
        { id: two, notificationId: two, type: "info", title: null, message: "two", data: null, actionUrl: null, timestamp: new Date(T0 + 2000).toISOString(), read: false },
        { id: one, notificationId: one, type: "info", title: null, message: "one", data: null, actionUrl: null, timestamp: new Date(T0 + 1000).toISOString(), read: true },
      ],
      unread: 1,
    });
  });

  it("pages with limit and before, and filters with unreadOnly", async () => {
    const { gw, send } = await start();
    const ids: string[] = [];
    for (const m of ["a", "b", "c", "d"]) ids.push(await send("alice", m));
    const socket = await bed.connectAs(gw, "alice");
    await socket.emitWithAck("notifications:ack", { ids: [ids[3]] });
    const messages = async (req: object): Promise<string[]> => (await socket.emitWithAck("notifications:list", req)).items.map((n: { message: string }) => n.message);
    expect(await messages({ limit: 2 })).toEqual(["d", "c"]);
    expect(await messages({ limit: 2, before: ids[2] })).toEqual(["b", "a"]);
    expect(await messages({ unreadOnly: true })).toEqual(["c", "b", "a"]);
  });

  it("acknowledges only the caller's own notifications, each once", async () => {
    const { gw, send } = await start();
    const mine = await send("alice", "mine");
    const theirs = await send("bob", "theirs");
    const alice = await bed.connectAs(gw, "alice");
    expect(await alice.emitWithAck("notifications:ack", { ids: [theirs, mine, "unknown"] })).toEqual({ ok: true, acknowledged: 1 });
    expect(await alice.emitWithAck("notifications:ack", { ids: [mine] })).toEqual({ ok: true, acknowledged: 0 });
    expect((await api(gw, "GET", "/api/v1/notifications?userId=bob")).body).toMatchObject({ unread: 1, items: [{ id: theirs, read: false }] });
  });

  it("refuses a malformed list or ack request and changes nothing", async () => {
    const { gw, send } = await start();
    await send("alice", "one");
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck("notifications:list", { limit: 0 })).toEqual({ ok: false, error: { code: "BAD_REQUEST", message: "Invalid request: limit must be >= 1." } });
    expect(await socket.emitWithAck("notifications:ack", { ids: [] })).toEqual({ ok: false, error: { code: "BAD_REQUEST", message: "Invalid request: ids must NOT have fewer than 1 items." } });
    expect((await socket.emitWithAck("notifications:list", {})).unread).toBe(1);
  });

  it("keeps at most maxPerUser notifications, dropping the oldest read one first", async () => {
    const { gw, send } = await start({ maxPerUser: 2 });
    const one = await send("alice", "one");
    await send("alice", "two");
    await gw.store.inbox.markRead("alice", [one], T0);
    await send("alice", "three");
    const socket = await bed.connectAs(gw, "alice");
    expect((await socket.emitWithAck("notifications:list", {})).items.map((n: { message: string }) => n.message)).toEqual(["three", "two"]);
  });

  it("deletes notifications past the retention when it prunes", async () => {
    const { gw, clock, send } = await start({ retentionMs: 60_000 });
    await send("alice", "old");
    clock.advance(120_000);
    await send("alice", "new");
    const service = gw.components.find((c) => c.name === "notifications") as unknown as { inbox: { prune(): Promise<number> } };
    expect(await service.inbox.prune()).toBe(1);
    expect((await api(gw, "GET", "/api/v1/notifications?userId=alice")).body.items.map((n: { message: string }) => n.message)).toEqual(["new"]);
  });
});
