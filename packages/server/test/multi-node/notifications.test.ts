import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { NotificationService, PostgresStore, RedisEngine, SqliteStore, type Gateway, type Store } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { FakeClock, T0 } from "../notifications/backends.js";
import { REDIS_URL, postgresAvailable, redisAvailable } from "../services.js";
import { createTestSchema, dropTestSchema, PG_TEST_URL } from "../stores/pg-test-db.js";
import { deleteKeys, testPrefix } from "./redis-test-keys.js";

const available = (await redisAvailable()) && (await postgresAvailable());
const ISO_T0 = new Date(T0).toISOString();

/** A socket of `user` on `gw` subscribed to its inbox, recording `notification:new` and `resync`. */
async function inboxSubscriber(bed: TestBed, gw: Gateway, user: string) {
  const socket: Socket = await bed.connectAs(gw, user);
  const seen = record(socket, "notification:new");
  const resyncs = record(socket, "resync");
  const reply = await socket.emitWithAck("subscribe", { channels: ["notifications"] });
  expect(reply.failed).toEqual([]);
  return { socket, seen, resyncs, subscribed: reply.subscribed[0] as { channel: string; offset: number; epoch: string } };
}

const notify = (gw: Gateway, body: Record<string, unknown>) => api(gw, "POST", "/api/v1/notifications", { type: "info", ...body });

describe.runIf(available)("notifications across nodes sharing Redis and PostgreSQL", () => {
  const bed = new TestBed();
  const clock = new FakeClock();
  let prefix = testPrefix();
  const schemas: string[] = [];
  afterEach(async () => {
    await bed.cleanup();
    await deleteKeys(prefix);
    prefix = testPrefix();
    for (const schema of schemas.splice(0)) await dropTestSchema(schema);
  });

  /** Gateways on the test's Redis prefix, each opening `store()`; `engine` replaces the one redisUrl would make. */
  async function nodes(count: number, store: () => Promise<Store>, engine?: () => RedisEngine, relayHoldMs?: number): Promise<Gateway[]> {
    const out: Gateway[] = [];
    for (let i = 0; i < count; i++) {
      const components = [new NotificationService({ pruneIntervalMs: 0, now: clock.now, relayHoldMs })];
      out.push(await bed.gateway({ redisUrl: REDIS_URL, redisPrefix: prefix }, { store: await store(), components, ...(engine ? { engine: engine() } : {}) }));
    }
    return out;
  }

  /** A store factory on one fresh PostgreSQL schema: every node opened with it shares one inbox. */
  async function sharedPostgres(): Promise<() => Promise<Store>> {
    const schema = await createTestSchema();
    schemas.push(schema);
    return async () => {
      const store = new PostgresStore({ url: PG_TEST_URL, schema, poolSize: 4 });
      await store.init();
      return store;
    };
  }

  it("delivers a notification accepted on node A live to the user's subscriber on node B, once, and to no one else", async () => {
    const [a, b] = await nodes(2, await sharedPostgres());
    const alice = await inboxSubscriber(bed, b!, "alice");
    const bob = await inboxSubscriber(bed, b!, "bob");
    expect(alice.subscribed).toEqual({ channel: "notifications:alice", requested: "notifications", offset: 0, epoch: expect.any(String) });

    const res = await notify(a!, { userId: "alice", title: "AAPL", message: "Order filled.", data: { qty: 10 }, actionUrl: "/orders/1" });
    expect(res.status).toBe(200);
    await until(() => alice.seen.length === 1, 5000, "the notification on node B");
    // Something for each after it: once it arrives, a duplicate or a misrouted copy would have too.
    const sentinel = (await notify(a!, { userId: "alice", message: "Second." })).body.ids[0];
    await notify(a!, { userId: "bob", message: "For bob." });
    await until(() => alice.seen.length === 2 && bob.seen.length === 1, 5000, "the follow-ups");

    expect(alice.seen).toEqual([
      {
        event: "notification:new",
        payload: { id: res.body.ids[0], notificationId: res.body.ids[0], type: "info", title: "AAPL", message: "Order filled.", data: { qty: 10 }, actionUrl: "/orders/1", timestamp: ISO_T0 },
        meta: { channel: "notifications:alice", offset: 1, epoch: alice.subscribed.epoch, ts: T0 },
      },
      {
        event: "notification:new",
        payload: { id: sentinel, notificationId: sentinel, type: "info", title: null, message: "Second.", data: null, actionUrl: null, timestamp: ISO_T0 },
        meta: { channel: "notifications:alice", offset: 2, epoch: alice.subscribed.epoch, ts: T0 },
      },
    ]);
    expect(bob.seen.map((s) => [s.meta.channel, s.meta.offset])).toEqual([["notifications:bob", 1]]);
    expect([alice.resyncs, bob.resyncs]).toEqual([[], []]);
  });

  it("delivers once on each node to a user connected to both", async () => {
    const [a, b] = await nodes(2, await sharedPostgres());
    const onA = await inboxSubscriber(bed, a!, "alice");
    const onB = await inboxSubscriber(bed, b!, "alice");
    expect(onB.subscribed.epoch).toBe(onA.subscribed.epoch);
    const first = (await notify(a!, { userId: "alice", message: "From A." })).body.ids[0];
    const second = (await notify(b!, { userId: "alice", message: "From B." })).body.ids[0];
    await until(() => onA.seen.length === 2 && onB.seen.length === 2, 5000, "both notifications on both nodes");
    const third = (await notify(a!, { userId: "alice", message: "Sentinel." })).body.ids[0];
    await until(() => onA.seen.length === 3 && onB.seen.length === 3, 5000, "the sentinel on both nodes");
    for (const seen of [onA.seen, onB.seen]) {
      expect(seen.map((s) => [(s.payload as { id: string }).id, s.meta.offset])).toEqual([
        [first, 1],
        [second, 2],
        [third, 3],
      ]);
    }
  });

  it("keeps deduplication across nodes: the same dedupKey sent to both is one notification, delivered once", async () => {
    const [a, b] = await nodes(2, await sharedPostgres());
    const onA = await inboxSubscriber(bed, a!, "alice");
    const onB = await inboxSubscriber(bed, b!, "alice");
    const body = { userId: "alice", type: "macro_change", message: "Risk-off.", dedupKey: "regime-7" };
    const answers = await Promise.all([notify(a!, body), notify(b!, body)]);
    expect(answers.map((r) => r.body.deduplicated).sort()).toEqual([false, true]);
    expect(answers[0]!.body.ids).toEqual(answers[1]!.body.ids);
    const sentinel = (await notify(b!, { userId: "alice", message: "Sentinel." })).body.ids[0];
    await until(() => onA.seen.length === 2 && onB.seen.length === 2, 5000, "the notification and the sentinel on both nodes");
    for (const seen of [onA.seen, onB.seen]) {
      expect(seen.map((s) => [(s.payload as { id: string }).id, s.meta.offset])).toEqual([
        [answers[0]!.body.ids[0], 1],
        [sentinel, 2],
      ]);
    }
  });

  it("delivers notifications accepted concurrently on two nodes in inbox order, each once", async () => {
    // A long hold: fan-outs of the two nodes may cross, and this checks they are put back in order, not how long that takes.
    const [a, b, c] = await nodes(3, await sharedPostgres(), undefined, 5000);
    const onC = await inboxSubscriber(bed, c!, "alice");
    const onA = await inboxSubscriber(bed, a!, "alice");
    await Promise.all(Array.from({ length: 40 }, (_, i) => notify(i % 2 === 0 ? a! : b!, { userId: "alice", message: `n${i}` })));
    await until(() => onC.seen.length === 40 && onA.seen.length === 40, 10_000, "every notification on nodes A and C");
    const sentinel = (await notify(b!, { userId: "alice", message: "Sentinel." })).body.ids[0];
    await until(() => onC.seen.length === 41 && onA.seen.length === 41, 5000, "the sentinel");
    const listed = (await api(c!, "GET", "/api/v1/notifications?userId=alice&limit=100")).body.items as Array<{ id: string }>;
    const inInboxOrder = listed.map((n) => n.id).reverse();
    for (const seen of [onC.seen, onA.seen]) {
      expect(seen.map((s) => s.meta.offset)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
      expect(seen.map((s) => (s.payload as { id: string }).id)).toEqual(inInboxOrder);
    }
    expect(inInboxOrder[40]).toBe(sentinel);
  });

  it("stores and answers a notification on a node whose Redis is unreachable; the other node's subscriber gets it on its next subscribe", async () => {
    const store = await sharedPostgres();
    const [b] = await nodes(1, store);
    const down = new RedisEngine({ url: "redis://127.0.0.1:1", prefix, connectTimeoutMs: 200, redis: { retryStrategy: () => 60_000 } });
    const components = [new NotificationService({ pruneIntervalMs: 0, now: clock.now })];
    const a = await bed.gateway({}, { store: await store(), components, engine: down });
    const alice = await inboxSubscriber(bed, b!, "alice");

    const res = await notify(a, { userId: "alice", message: "Stored anyway." });
    expect(res.status).toBe(200);
    await until(() => down.relays.failed === 1, 5000, "the failed relay to be counted");
    expect(down.relays.sent).toBe(0);
    const live = (await notify(b!, { userId: "alice", message: "Live from B." })).body.ids[0];
    await until(() => alice.seen.length === 1, 5000, "B's own notification");
    expect(alice.seen.map((s) => [(s.payload as { id: string }).id, s.meta.offset])).toEqual([[live, 2]]);

    await alice.socket.emitWithAck("unsubscribe", { channels: ["notifications"] });
    await alice.socket.emitWithAck("subscribe", { channels: ["notifications"] });
    expect(alice.seen.map((s) => [(s.payload as { id: string }).id, s.meta.offset])).toEqual([
      [live, 2],
      [res.body.ids[0], 1],
      [live, 2],
    ]);
  });
});

describe.runIf(await redisAvailable())("notifications across nodes sharing Redis, each with its own SQLite store", () => {
  const bed = new TestBed();
  const clock = new FakeClock();
  const prefix = testPrefix();
  afterEach(async () => {
    await bed.cleanup();
    await deleteKeys(prefix);
  });

  it("keeps each node's inbox to itself: no live delivery of another store's notification, no resync", async () => {
    const start = async () =>
      bed.gateway({ redisUrl: REDIS_URL, redisPrefix: prefix }, { store: new SqliteStore({ dataDir: bed.tempDir() }), components: [new NotificationService({ pruneIntervalMs: 0, now: clock.now })] });
    const a = await start();
    const b = await start();
    const onA = await inboxSubscriber(bed, a, "alice");
    const onB = await inboxSubscriber(bed, b, "alice");
    expect(onB.subscribed.epoch).not.toBe(onA.subscribed.epoch);
    const fromA = (await notify(a, { userId: "alice", message: "A's inbox." })).body.ids[0];
    const fromB = (await notify(b, { userId: "alice", message: "B's inbox." })).body.ids[0];
    await until(() => onA.seen.length === 1 && onB.seen.length === 1, 5000, "each node's own notification");
    const sentinel = (await notify(a, { userId: "alice", message: "A again." })).body.ids[0];
    await until(() => onA.seen.length === 2, 5000, "A's sentinel");
    await notify(b, { userId: "alice", message: "B again." });
    await until(() => onB.seen.length === 2, 5000, "B's sentinel");
    expect(onA.seen.map((s) => [(s.payload as { id: string }).id, s.meta.offset, s.meta.epoch])).toEqual([
      [fromA, 1, onA.subscribed.epoch],
      [sentinel, 2, onA.subscribed.epoch],
    ]);
    expect(onB.seen.map((s) => [(s.payload as { id: string }).id, s.meta.epoch])).toEqual([
      [fromB, onB.subscribed.epoch],
      [expect.any(String), onB.subscribed.epoch],
    ]);
    expect([onA.resyncs, onB.resyncs]).toEqual([[], []]);
  });
});
