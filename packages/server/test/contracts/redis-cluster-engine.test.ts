import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACES } from "@tickwire/protocol";
import { channelKeys, partitionOf, PARTITIONS, RedisEngine, type Publication } from "@tickwire/server";
import { until } from "../helpers.js";
import { deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";
import { REDIS_CLUSTER } from "../redis-backends.js";

const signals = DEFAULT_NAMESPACES.find((n) => n.name === "signals")!;

/** One channel name per key-space partition, so the test touches every hash tag. */
function channelPerPartition(): string[] {
  const out = new Map<number, string>();
  for (let i = 0; out.size < PARTITIONS; i++) {
    const channel = `signals:s${i}`;
    if (!out.has(partitionOf(channel))) out.set(partitionOf(channel), channel);
  }
  return [...out.values()];
}

describe.runIf(REDIS_CLUSTER.available)("redis cluster engine: sharded pub/sub", () => {
  const engines: RedisEngine[] = [];
  let prefix = testPrefix();
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await deleteKeys(prefix);
    prefix = testPrefix();
  });

  async function node(): Promise<{ engine: RedisEngine; seen: Publication[] }> {
    const engine = new RedisEngine({ ...REDIS_CLUSTER.engine, prefix });
    const seen: Publication[] = [];
    await engine.start((p) => seen.push(p));
    engines.push(engine);
    return { engine, seen };
  }

  it("holds each channel's subscription on the master owning its slot, with SSUBSCRIBE, spread over every master", async () => {
    const [a, b] = [await node(), await node()];
    const channels = channelPerPartition();
    for (const channel of channels) await b.engine.subscribe(channel, signals);
    const admin = REDIS_CLUSTER.admin() as import("ioredis").Cluster;
    try {
      await until(() => admin.status === "ready", 5000, "the admin client");
      const masters = admin.nodes("master");
      const holders = new Set<string>();
      for (const channel of channels) {
        const { pubsub, meta } = channelKeys(prefix, channel);
        const slot = Number(await masters[0]!.cluster("KEYSLOT", pubsub));
        expect(slot).toBe(Number(await masters[0]!.cluster("KEYSLOT", meta)));
        const counts = await Promise.all(masters.map(async (m) => ({ m: `${m.options.host}:${m.options.port}`, shard: (await m.pubsub("SHARDNUMSUB", pubsub)) as [string, number], classic: (await m.pubsub("NUMSUB", pubsub)) as [string, number] })));
        // Subscribed once, on one master, and never through classic pub/sub (which every master would forward).
        expect(counts.map((c) => Number(c.shard[1])).reduce((x, y) => x + y, 0)).toBe(1);
        expect(counts.every((c) => Number(c.classic[1]) === 0)).toBe(true);
        holders.add(counts.find((c) => Number(c.shard[1]) === 1)!.m);
      }
      expect(holders.size).toBe(masters.length);
    } finally {
      admin.disconnect();
    }

    // Published on node A, delivered on node B in order, each channel from its own shard.
    for (let round = 1; round <= 3; round++) for (const channel of channels) await a.engine.publish(channel, signals, { event: "signal:new", data: { channel, round }, ts: Date.now(), traceId: "t" });
    await until(() => b.seen.length === channels.length * 3, 10_000, "every publication on node B");
    for (const channel of channels) {
      expect(b.seen.filter((p) => p.channel === channel).map((p) => [p.offset, p.data])).toEqual([1, 2, 3].map((round) => [round, { channel, round }]));
    }
    expect(a.seen).toEqual([]);
    expect(b.engine.health()).toMatchObject({ ok: true, details: { cluster: true, command: "ready", subscriber: "ready", channels: PARTITIONS, holes: 0 } });
  });
});
