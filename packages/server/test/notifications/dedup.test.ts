import { afterEach, expect, it } from "vitest";
import { api, record, TestBed, until } from "../helpers.js";
import { describeEachStore, FakeClock, inboxGateway } from "./backends.js";

describeEachStore("duplicate suppression", (backend) => {
  const bed = new TestBed();
  afterEach(async () => {
    await bed.cleanup();
    await backend.cleanup();
  });

  it("stores and delivers the same notification once inside the window, and again after it", async () => {
    const clock = new FakeClock();
    const { gw } = await inboxGateway(bed, await backend.create(bed), { now: clock.now, dedupWindowMs: 120_000 });
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "notification:new");
    await socket.emitWithAck("subscribe", { channels: ["notifications"] });
    const body = { userId: "alice", type: "rebalance_trigger", message: "Rebalance due.", data: { drift: 0.07 } };
    const first = await api(gw, "POST", "/api/v1/notifications", body);
    clock.advance(119_999);
    const second = await api(gw, "POST", "/api/v1/notifications", { ...body, data: { drift: 0.07 } });
    expect(second.body).toEqual({ ids: first.body.ids, deduplicated: true, deduplicatedUserIds: ["alice"] });
    clock.advance(1);
    const third = await api(gw, "POST", "/api/v1/notifications", body);
    expect(third.body).toEqual({ ids: [expect.any(String)], deduplicated: false, deduplicatedUserIds: [] });
    await until(() => seen.length === 2);
    await socket.emitWithAck("ping", {});
    expect(seen.map((s) => [(s.payload as { id: string }).id, s.meta.offset])).toEqual([
      [first.body.ids[0], 1],
      [third.body.ids[0], 2],
    ]);
  });

  it("treats the same dedupKey as a duplicate whatever the content, but not under another type or user", async () => {
    const clock = new FakeClock();
    const { gw } = await inboxGateway(bed, await backend.create(bed), { now: clock.now });
    const post = (body: object) => api(gw, "POST", "/api/v1/notifications", body).then((r) => r.body.deduplicated);
    expect(await post({ userId: "alice", type: "macro_change", message: "Risk-off.", dedupKey: "regime-7" })).toBe(false);
    expect(await post({ userId: "alice", type: "macro_change", message: "Risk-off (updated).", dedupKey: "regime-7" })).toBe(true);
    expect(await post({ userId: "alice", type: "warning", message: "Risk-off.", dedupKey: "regime-7" })).toBe(false);
    expect(await post({ userId: "bob", type: "macro_change", message: "Risk-off.", dedupKey: "regime-7" })).toBe(false);
    expect(await post({ userId: "alice", type: "macro_change", message: "Another message, no key." })).toBe(false);
  });

  it("holds across gateways sharing one store, also when they race", async () => {
    const clock = new FakeClock();
    const backing = await backend.create(bed);
    const { gw: one } = await inboxGateway(bed, backing, { now: clock.now });
    const { gw: two } = await inboxGateway(bed, backing, { now: clock.now });
    const body = { userIds: ["alice", "bob"], type: "overlay_update", message: "Overlay changed." };
    const first = await api(one, "POST", "/api/v1/notifications", body);
    expect((await api(two, "POST", "/api/v1/notifications", body)).body).toEqual({ ids: first.body.ids, deduplicated: true, deduplicatedUserIds: ["alice", "bob"] });

    const raced = { userIds: ["carol", "dave"], type: "info", message: "Raced." };
    const answers = await Promise.all([one, two, one, two].map((gw) => api(gw, "POST", "/api/v1/notifications", raced)));
    expect(answers.filter((a) => !a.body.deduplicated)).toHaveLength(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.body.ids))).size).toBe(1);
    expect((await api(two, "GET", "/api/v1/notifications?userId=carol")).body.unread).toBe(1);
  });
});
