import { afterEach, describe, expect, it } from "vitest";
import { RedisEngine, type Gateway } from "@tickwire/server";
import { api, TestBed } from "../helpers.js";
import { eventually } from "./limit-helpers.js";
import { REDIS_BACKENDS } from "../redis-backends.js";
import { Cluster } from "./cluster.js";

/** A connection of `user` at `tier` subscribed to `channel`. */
async function present(bed: TestBed, gw: Gateway, user: string, channel = "signals", tier = "participant") {
  const socket = await bed.connectAs(gw, user, tier);
  const reply = await socket.emitWithAck("subscribe", { channels: [channel] });
  expect(reply.failed).toEqual([]);
  return socket;
}

describe("presence on one node", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it("lists who is subscribed with connection counts, gated by tier, and follows unsubscribes and disconnects", async () => {
    const gw = await bed.gateway();
    const alice1 = await present(bed, gw, "alice");
    await present(bed, gw, "alice");
    const bob = await present(bed, gw, "bob");
    await present(bed, gw, "erin", "signals:acme");
    const carol = await bed.connectAs(gw, "carol", "builder");
    const pat = await bed.connectAs(gw, "pat", "participant");
    const nav = await bed.connectAs(gw, "nav", "navigator");

    expect(await carol.emitWithAck("presence", { channel: "signals" })).toEqual({ ok: true, channel: "signals", users: [{ userId: "alice", connections: 2 }, { userId: "bob", connections: 1 }], connections: 3 });
    expect(await pat.emitWithAck("presence:stats", { channel: "signals" })).toEqual({ ok: true, channel: "signals", users: 2, connections: 3 });
    expect(await carol.emitWithAck("presence", { channel: "signals:acme" })).toEqual({ ok: true, channel: "signals:acme", users: [{ userId: "erin", connections: 1 }], connections: 1 });
    expect(await pat.emitWithAck("presence", { channel: "signals" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: 'Presence of "signals" needs tier builder or above; you are participant.' } });
    expect(await nav.emitWithAck("presence:stats", { channel: "signals" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: '"signals" needs tier participant or above; you are navigator.' } });
    expect(await carol.emitWithAck("presence", { channel: "quotes:AAPL" })).toEqual({ ok: false, error: { code: "BAD_REQUEST", message: '"quotes" channels keep no presence.' } });
    expect((await carol.emitWithAck("presence", { channel: "nope:x" })).error.code).toBe("UNKNOWN_CHANNEL");
    expect((await carol.emitWithAck("presence", { channel: 5 })).error.code).toBe("BAD_REQUEST");
    expect((await carol.emitWithAck("presence", { channel: "signals", extra: 1 })).error.code).toBe("BAD_REQUEST");

    const http = await api(gw, "GET", "/api/v1/channels/signals/presence");
    expect(http).toEqual({ status: 200, body: { channel: "signals", users: [{ userId: "alice", connections: 2 }, { userId: "bob", connections: 1 }], connections: 3 } });
    expect((await api(gw, "GET", "/api/v1/channels/signals/presence", undefined, null)).status).toBe(401);
    expect(await api(gw, "GET", "/api/v1/channels/nope:x/presence")).toMatchObject({ status: 404, body: { statusCode: 404, code: "NOT_FOUND" } });
    expect(await api(gw, "GET", "/api/v1/channels/quotes:AAPL/presence")).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: '"quotes" channels keep no presence.' } });

    expect(await bob.emitWithAck("unsubscribe", { channels: ["signals"] })).toEqual({ ok: true, unsubscribed: ["signals"] });
    alice1.close();
    await eventually(async () => (await api(gw, "GET", "/api/v1/channels/signals/presence")).body.connections === 1, 5000, "the disconnect to leave");
    expect(await carol.emitWithAck("presence", { channel: "signals" })).toEqual({ ok: true, channel: "signals", users: [{ userId: "alice", connections: 1 }], connections: 1 });
  });
});

for (const backend of REDIS_BACKENDS)
  describe.runIf(backend.available)(`presence across nodes on ${backend.label}`, () => {
    const bed = new TestBed();
    let cluster: Cluster;
    const engines: RedisEngine[] = [];
    afterEach(async () => {
      await bed.cleanup();
      await Promise.all(engines.splice(0).map((e) => e.close()));
      await cluster.cleanup();
    });

    it("shows the same users on every node, follows leaves on any node, and drops a dead node's entries after their TTL", async () => {
      cluster = new Cluster(bed, backend);
      const [a, b] = await cluster.nodes(2);
      await present(bed, a!, "alice");
      const aliceOnB = await present(bed, b!, "alice");
      await present(bed, b!, "bob");
      const watcher = await bed.connectAs(a!, "carol", "builder");
      const everyone = { ok: true, channel: "signals", users: [{ userId: "alice", connections: 2 }, { userId: "bob", connections: 1 }], connections: 3 };
      expect(await watcher.emitWithAck("presence", { channel: "signals" })).toEqual(everyone);
      expect((await api(b!, "GET", "/api/v1/channels/signals/presence")).body).toEqual({ channel: "signals", users: everyone.users, connections: 3 });

      // A node that dies stops renewing: its entries expire; nothing else of the channel changes.
      const dying = new RedisEngine({ ...backend.engine, prefix: cluster.prefix, presenceTtlMs: 900 });
      engines.push(dying);
      await dying.start(() => undefined);
      await dying.presenceJoin("signals", "dead-node-socket", "dave");
      expect(await watcher.emitWithAck("presence:stats", { channel: "signals" })).toEqual({ ok: true, channel: "signals", users: 3, connections: 4 });
      await dying.close();
      // Polled over HTTP: a socket polling with events would meet its own rate limit.
      await eventually(async () => (await api(a!, "GET", "/api/v1/channels/signals/presence")).body.connections === 3, 10_000, "the dead node's entry to expire");
      expect(await watcher.emitWithAck("presence", { channel: "signals" })).toEqual(everyone);

      aliceOnB.close();
      await eventually(async () => (await api(a!, "GET", "/api/v1/channels/signals/presence")).body.connections === 2, 5000, "the leave on node B");
      expect(await watcher.emitWithAck("presence", { channel: "signals" })).toEqual({ ok: true, channel: "signals", users: [{ userId: "alice", connections: 1 }, { userId: "bob", connections: 1 }], connections: 2 });
    });
  });
