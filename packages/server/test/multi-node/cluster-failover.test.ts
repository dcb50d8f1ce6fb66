import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelKeys, type Gateway } from "@tickwire/server";
import { record, TestBed, until } from "../helpers.js";
import { canStartRedisCluster, clusterNodes, moveSlot, redisCli, TestRedisCluster } from "../redis-cluster.js";
import { subscriber } from "./cluster.js";
import { testPrefix } from "./redis-test-keys.js";

const runnable = canStartRedisCluster();
if (!runnable && process.env.CI) throw new Error("redis-server and redis-cli are required under CI=true for the cluster failover tests.");

interface Accepted {
  readonly i: number;
  readonly offset: number;
  readonly epoch: string;
}

/** Publishes `{ i }` on `channel` through `gw` one after another until stopped; records what was accepted and what was refused. */
function publisher(gw: Gateway, channel: string) {
  const accepted: Accepted[] = [];
  const refused: string[] = [];
  let stop = false;
  let i = 0;
  const done = (async () => {
    while (!stop) {
      i++;
      try {
        const r = await gw.publish({ channel, data: { i } });
        accepted.push({ i, offset: r.offset, epoch: r.epoch });
      } catch (err) {
        refused.push((err as { code?: string }).code ?? String(err));
        // A refused publish is the publisher's to retry; pause as a client would before its retry.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  return {
    accepted,
    refused,
    async stop() {
      stop = true;
      await done;
    },
  };
}

/**
 * What a user checks after a fault: every accepted publication reached the
 * subscriber in offset order within its epoch, and a publication that did not
 * is only one of an epoch the subscriber was told to resync from.
 */
function checkDelivery(accepted: Accepted[], seen: Array<{ payload: unknown; meta: Record<string, unknown> }>, resyncs: unknown[]) {
  const delivered = seen.map((e) => ({ i: (e.payload as { i: number }).i, offset: e.meta.offset as number, epoch: e.meta.epoch as string }));
  const epochs = [...new Set(delivered.map((d) => d.epoch))];
  for (const epoch of epochs) {
    const offsets = delivered.filter((d) => d.epoch === epoch).map((d) => d.offset);
    // In order, without duplicates, within each epoch.
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b).filter((o, k, all) => k === 0 || o !== all[k - 1]));
  }
  // Each delivered publication is one that was accepted, with the offset its publisher was given.
  const byI = new Map(accepted.map((a) => [a.i, a]));
  for (const d of delivered) expect(byI.get(d.i)).toEqual(d);
  const seenI = new Set(delivered.map((d) => d.i));
  const lastEpoch = accepted[accepted.length - 1]!.epoch;
  const missing = accepted.filter((a) => !seenI.has(a.i));
  // Nothing of the current epoch is missing; anything missing from an earlier one was announced by a resync.
  expect(missing.filter((a) => a.epoch === lastEpoch)).toEqual([]);
  if (missing.length > 0) expect(resyncs.length).toBeGreaterThan(0);
  // Epoch changes reach the subscriber as resync, one per change.
  expect(resyncs).toHaveLength(epochs.length - 1);
  return { delivered, epochs, missing };
}

describe.runIf(runnable)("a Redis Cluster with replicas: failover and resharding under load", () => {
  let redis: TestRedisCluster;
  const bed = new TestBed();
  beforeAll(async () => {
    redis = await TestRedisCluster.start(3, 1, 1000);
  }, 60_000);
  afterAll(async () => {
    await bed.cleanup();
    await redis?.stop();
  });

  it("survives a master SIGKILLed while two nodes publish and deliver: refused publishes answer UNAVAILABLE, the channel moves to a new epoch the subscriber resyncs to, and nothing accepted is lost", async () => {
    const prefix = testPrefix();
    const options = { redisClusterNodes: redis.addresses, redisPrefix: prefix };
    const [a, b] = [await bed.gateway(options), await bed.gateway(options)];
    const sub = await subscriber(bed, b, "p", "participant", "signals:fo", "signal:new");
    const resyncs = record(sub.socket, "resync");
    const pub = publisher(a, "signals:fo");
    await until(() => sub.seen.length >= 50, 20_000, "50 deliveries before the failover");

    const victim = redis.masterOf(channelKeys(prefix, "signals:fo").meta);
    redis.kill(victim);
    const acceptedAtKill = pub.accepted.length;
    // The replica is promoted after the node timeout; publishing resumes on it.
    await until(() => pub.accepted.length >= acceptedAtKill + 50, 40_000, "50 publications accepted after the failover");
    await pub.stop();
    const last = pub.accepted[pub.accepted.length - 1]!;
    await until(() => sub.seen.some((e) => (e.payload as { i: number }).i === last.i), 20_000, "the last accepted publication on the subscriber");

    expect(new Set(pub.refused)).toEqual(new Set(pub.refused.length > 0 ? ["UNAVAILABLE"] : []));
    const { epochs } = checkDelivery(pub.accepted, sub.seen, resyncs.map((e) => e.payload));
    // The promoted replica took over from the writer: a new epoch, announced once.
    expect(epochs).toHaveLength(2);
    expect(resyncs.map((e) => e.payload)).toEqual([{ channel: "signals:fo", reason: "The channel's history was lost; its offsets restarted under a new epoch." }]);
    const after = pub.accepted.filter((x) => x.epoch === epochs[1]);
    expect(after.map((x) => x.offset)).toEqual(after.map((_, k) => k + 1));
    expect(clusterNodes(redis).filter((n) => n.master && !n.failed)).toHaveLength(3);
    await bed.cleanup();
  }, 120_000);

  it("moves a channel's slot to another master while publishing: same epoch, offsets without a gap, every publication delivered in order", async () => {
    await redis.waitHealthy();
    const prefix = testPrefix();
    const options = { redisClusterNodes: redis.live().map((n) => n.address), redisPrefix: prefix };
    const [a, b] = [await bed.gateway(options), await bed.gateway(options)];
    const sub = await subscriber(bed, b, "p", "participant", "signals:rs", "signal:new");
    const resyncs = record(sub.socket, "resync");
    const pub = publisher(a, "signals:rs");
    await until(() => sub.seen.length >= 30, 20_000, "30 deliveries before the move");

    const keys = channelKeys(prefix, "signals:rs");
    const from = redis.masterOf(keys.meta);
    const masters = clusterNodes(redis).filter((n) => n.master && !n.failed && n.port !== from.port);
    const to = redis.live().find((n) => n.port === masters[0]!.port)!;
    const slot = Number(redisCli(["-p", String(from.port), "cluster", "keyslot", keys.meta]).trim());
    let during = 0;
    // The channel's keys (meta, stream, presence) move in one batch, as redis-cli's pipeline of 10 moves them;
    // publications meanwhile reach them on the target through ASK while the slot is still the source's.
    await moveSlot(redis, slot, from, to, async () => {
      const before = pub.accepted.length;
      await until(() => pub.accepted.length > before + 2 || pub.refused.length > 0, 10_000, "publications while the slot is half moved");
      during += pub.accepted.length - before;
    });
    expect(redis.masterOf(keys.meta).port).toBe(to.port);
    const acceptedAtMove = pub.accepted.length;
    await until(() => pub.accepted.length >= acceptedAtMove + 30, 20_000, "30 publications on the new owner");
    await pub.stop();
    const last = pub.accepted[pub.accepted.length - 1]!;
    await until(() => sub.seen.some((e) => (e.payload as { i: number }).i === last.i), 20_000, "the last publication on the subscriber");

    expect(pub.refused).toEqual([]);
    expect(during).toBeGreaterThan(0);
    const { epochs, missing } = checkDelivery(pub.accepted, sub.seen, resyncs.map((e) => e.payload));
    expect(epochs).toEqual([sub.subscribed.epoch]);
    expect(missing).toEqual([]);
    expect(pub.accepted.map((x) => x.offset)).toEqual(pub.accepted.map((_, k) => k + 1));
    expect(sub.seen.map((e) => e.meta.offset)).toEqual(pub.accepted.map((x) => x.offset));
  }, 120_000);
});
