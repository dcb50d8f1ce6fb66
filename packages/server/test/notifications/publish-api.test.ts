import { afterEach, expect, it } from "vitest";
import { api, TestBed } from "../helpers.js";
import { describeEachStore, FakeClock, inboxGateway, T0 } from "./backends.js";

const ISO_T0 = new Date(T0).toISOString();

describeEachStore("POST /api/v1/notifications", (backend) => {
  const bed = new TestBed();
  afterEach(async () => {
    await bed.cleanup();
    await backend.cleanup();
  });

  async function start(service = {}) {
    const clock = new FakeClock();
    const { gw } = await inboxGateway(bed, await backend.create(bed), { now: clock.now, ...service });
    return { gw, clock };
  }

  it("answers the id of a notification for one user, stored before the answer", async () => {
    const { gw } = await start();
    const res = await api(gw, "POST", "/api/v1/notifications", {
      userId: "alice",
      type: "rebalance_trigger",
      title: "Rebalance due",
      message: "Your portfolio drifted 7% from target.",
      data: { drift: 0.07 },
      actionUrl: "/portfolio/rebalance",
    });
    expect(res).toEqual({ status: 200, body: { ids: [expect.any(String)], deduplicated: false, deduplicatedUserIds: [] } });
    const listed = await api(gw, "GET", "/api/v1/notifications?userId=alice");
    expect(listed).toEqual({
      status: 200,
      body: {
        items: [
          {
            id: res.body.ids[0],
            notificationId: res.body.ids[0],
            type: "rebalance_trigger",
            title: "Rebalance due",
            message: "Your portfolio drifted 7% from target.",
            data: { drift: 0.07 },
            actionUrl: "/portfolio/rebalance",
            timestamp: ISO_T0,
            read: false,
          },
        ],
        unread: 1,
      },
    });
  });

  it("answers ids in the order of userIds and names the users who already had it", async () => {
    const { gw } = await start();
    const body = { type: "macro_change", message: "Regime changed to risk-off." };
    const first = await api(gw, "POST", "/api/v1/notifications", { ...body, userId: "alice" });
    const res = await api(gw, "POST", "/api/v1/notifications", { ...body, userIds: ["bob", "alice", "carol", "bob"] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ids: [expect.any(String), first.body.ids[0], expect.any(String), res.body.ids[0]], deduplicated: false, deduplicatedUserIds: ["alice"] });
    expect(new Set(res.body.ids).size).toBe(3);
  });

  it("answers deduplicated: true when every recipient already had the notification", async () => {
    const { gw, clock } = await start();
    const body = { userIds: ["alice", "bob"], type: "overlay_update", message: "Overlay updated.", dedupKey: "overlay-42" };
    const first = await api(gw, "POST", "/api/v1/notifications", body);
    clock.advance(60_000);
    expect(await api(gw, "POST", "/api/v1/notifications", body)).toEqual({
      status: 200,
      body: { ids: first.body.ids, deduplicated: true, deduplicatedUserIds: ["alice", "bob"] },
    });
  });

  it("accepts types beyond the named ones when they are short identifiers", async () => {
    const { gw } = await start();
    expect((await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "price_alert", message: "AAPL crossed 200." })).status).toBe(200);
    const bad = await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "Price Alert", message: "x" });
    expect(bad).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: 'Invalid request: type must match pattern "^[a-z][a-z0-9_\\-.]*$".' } });
  });

  it("refuses a body with both userId and userIds, or neither, and a malformed user id", async () => {
    const { gw } = await start();
    const both = await api(gw, "POST", "/api/v1/notifications", { userId: "a", userIds: ["b"], type: "info", message: "m" });
    expect(both).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: "Give exactly one of `userId` and `userIds`." } });
    const neither = await api(gw, "POST", "/api/v1/notifications", { type: "info", message: "m" });
    expect(neither).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: "Give exactly one of `userId` and `userIds`." } });
    const malformed = await api(gw, "POST", "/api/v1/notifications", { userIds: ["ok", "not ok"], type: "info", message: "m" });
    expect(malformed).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: '"not ok" is not a valid user id.' } });
    expect((await api(gw, "GET", "/api/v1/notifications?userId=ok")).body).toEqual({ items: [], unread: 0 });
  });

  it("refuses data larger than the configured maximum", async () => {
    const { gw } = await start({ maxDataBytes: 100 });
    const res = await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "m", data: { blob: "x".repeat(200) } });
    expect(res).toEqual({ status: 413, body: { statusCode: 413, code: "PAYLOAD_TOO_LARGE", message: "`data` is larger than 100 bytes." } });
  });

  it("refuses a request without an API key", async () => {
    const { gw } = await start();
    expect(await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "m" }, null)).toEqual({
      status: 401,
      body: { statusCode: 401, code: "UNAUTHORIZED", message: "Send Authorization: Bearer <api key>." },
    });
    expect((await api(gw, "GET", "/api/v1/notifications?userId=alice", undefined, "wrong")).status).toBe(401);
  });

  it("answers 503 UNAVAILABLE when the store cannot be written, and stores nothing", async () => {
    const { gw } = await start();
    await gw.store.close();
    expect(await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "m" })).toEqual({
      status: 503,
      body: { statusCode: 503, code: "UNAVAILABLE", message: "The notification could not be stored; retry." },
    });
  });

  it("accepts a notification through the generic publish API with the same body rules", async () => {
    const { gw } = await start();
    const res = await api(gw, "POST", "/api/v1/publish", { channel: "notifications:alice", data: { type: "info", message: "Hello", dedupKey: "d1" } });
    expect(res).toEqual({ status: 200, body: { channel: "notifications:alice", offset: 1, epoch: expect.any(String) } });
    const again = await api(gw, "POST", "/api/v1/publish", { channel: "notifications:alice", data: { type: "info", message: "Hello again", dedupKey: "d1" } });
    expect(again.body).toEqual(res.body); // a duplicate answers the original's position
    const bad = await api(gw, "POST", "/api/v1/publish", { channel: "notifications:alice", data: { message: "no type" } });
    expect(bad).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: "Invalid request: payload must have required property 'type'." } });
    const recipients = await api(gw, "POST", "/api/v1/publish", { channel: "notifications:alice", data: { type: "info", message: "m", userId: "bob" } });
    expect(recipients.body).toEqual({ statusCode: 400, code: "BAD_REQUEST", message: 'Invalid request: payload: unknown property "userId".' });
    const items = (await api(gw, "GET", "/api/v1/notifications?userId=alice")).body.items as Array<{ id: string }>;
    expect(items).toEqual([
      { id: items[0]!.id, notificationId: items[0]!.id, type: "info", title: null, message: "Hello", data: null, actionUrl: null, timestamp: ISO_T0, read: false },
    ]);
  });

  it("answers the history of a user's inbox with GET, unread only on request", async () => {
    const { gw, clock } = await start();
    const a = await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "one" });
    clock.advance(1000);
    await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "two" });
    await gw.store.inbox.markRead("alice", a.body.ids, clock.now());
    const all = await api(gw, "GET", "/api/v1/notifications?userId=alice");
    expect(all.body.items.map((n: { message: string; read: boolean }) => [n.message, n.read])).toEqual([
      ["two", false],
      ["one", true],
    ]);
    expect(all.body.unread).toBe(1);
    const unread = await api(gw, "GET", "/api/v1/notifications?userId=alice&unreadOnly=true");
    expect(unread.body.items.map((n: { message: string }) => n.message)).toEqual(["two"]);
    expect(await api(gw, "GET", "/api/v1/notifications?userId=alice&unreadOnly=maybe")).toEqual({
      status: 400,
      body: { statusCode: 400, code: "BAD_REQUEST", message: "`unreadOnly` must be true or false." },
    });
    expect((await api(gw, "GET", "/api/v1/notifications")).status).toBe(400);
  });
});
