import { afterEach, describe, expect, it } from "vitest";
import { TINY_NAMESPACE, TestBed, record, until } from "../helpers.js";
import { REDIS_BACKENDS } from "../redis-backends.js";
import { Cluster, offsets, range, subscriber } from "./cluster.js";
import { keysUnder } from "./redis-test-keys.js";

const tiny = TINY_NAMESPACE;

for (const backend of REDIS_BACKENDS)
  describe.runIf(backend.available)(`many nodes on ${backend.label}: recovery`, () => {
  const bed = new TestBed();
  let cluster: Cluster;
  afterEach(async () => {
    await bed.cleanup();
    await cluster.cleanup();
  });

  it("recovers on node C what a client dropped from node A missed while B kept publishing, with no gap and no duplicate", async () => {
    cluster = new Cluster(bed, backend);
    const [a, b, c] = await cluster.nodes(3);
    const first = await subscriber(bed, a!, "alice", "navigator", "trades", "trade:update");
    const total = 300;
    let published = 0;
    const publishing = (async () => {
      for (let i = 1; i <= total; i++) {
        await b!.publish({ channel: "trades:alice", data: { i } });
        published = i;
      }
    })();
    publishing.catch(() => undefined);
    await until(() => first.seen.length >= 20, 10_000, "node A to deliver a few");
    first.socket.close();
    const lastSeen = first.seen[first.seen.length - 1]!.meta.offset as number;
    expect(offsets(first.seen)).toEqual(range(1, lastSeen));

    const second = await subscriber(bed, c!, "alice", "navigator", { channel: "trades", since: { offset: lastSeen, epoch: first.subscribed.epoch } }, "trade:update");
    expect(second.subscribed).toMatchObject({ channel: "trades:alice", epoch: first.subscribed.epoch, recovered: true });
    // Replayed from history before the reply; what arrived live meanwhile was merged from the hub's buffer.
    expect(second.subscribed.replayed).toBeGreaterThan(0);
    expect(second.subscribed.replayed).toBeLessThanOrEqual(second.subscribed.offset - lastSeen);
    await publishing;
    expect(published).toBe(total);
    await until(() => second.seen.length === total - lastSeen, 10_000, "node C to deliver the rest");
    expect(second.seen.map((e) => [e.meta.offset, e.payload])).toEqual(range(lastSeen + 1, total).map((i) => [i, { i }]));
  });

  it("answers recovered: false and replays nothing when more was missed than the history holds", async () => {
    cluster = new Cluster(bed, backend);
    const [a, b, c] = await cluster.nodes(3, { namespaces: [tiny] });
    const first = await subscriber(bed, a!, "alice", "navigator", "tiny", "tiny:event");
    await b!.publish({ channel: "tiny", data: { n: 1 } });
    await until(() => first.seen.length === 1, 5000, "the first publication");
    first.socket.close();
    for (let n = 2; n <= 7; n++) await b!.publish({ channel: "tiny", data: { n } });

    const second = await subscriber(bed, c!, "alice", "navigator", { channel: "tiny", since: { offset: 1, epoch: first.subscribed.epoch } }, "tiny:event");
    expect(second.subscribed).toEqual({ channel: "tiny", offset: 7, epoch: first.subscribed.epoch, recovered: false, replayed: 0 });
    await a!.publish({ channel: "tiny", data: { n: 8 } });
    await until(() => second.seen.length === 1, 5000, "the next live publication");
    expect(second.seen.map((e) => [e.meta.offset, e.payload])).toEqual([[8, { n: 8 }]]);
  });

  it("starts a new epoch when Redis loses a channel's meta, so recovering clients get recovered: false", async () => {
    cluster = new Cluster(bed, backend);
    const [a, b] = await cluster.nodes(2);
    const old = await a!.publish({ channel: "signals:acme", data: { n: 1 } });
    await a!.publish({ channel: "signals:acme", data: { n: 2 } });
    const admin = cluster.admin();
    try {
      const meta = await keysUnder(admin, cluster.prefix, "meta:*:signals:acme");
      expect(meta).toHaveLength(1);
      await admin.del(meta[0]!);
    } finally {
      admin.disconnect();
    }

    const client = await subscriber(bed, b!, "p", "participant", { channel: "signals:acme", since: { offset: 2, epoch: old.epoch } }, "signal:new");
    expect(client.subscribed).toMatchObject({ channel: "signals:acme", offset: 0, recovered: false, replayed: 0 });
    expect(client.subscribed.epoch).not.toBe(old.epoch);
    const next = await a!.publish({ channel: "signals:acme", data: { n: 3 } });
    expect(next).toEqual({ channel: "signals:acme", offset: 1, epoch: client.subscribed.epoch });
    await until(() => client.seen.length === 1, 5000, "the first publication of the new epoch");
    expect(client.seen.map((e) => [e.meta.offset, e.meta.epoch, e.payload])).toEqual([[1, next.epoch, { n: 3 }]]);
    const read = await b!.engine.history("signals:acme", b!.catalogue.get("signals")!, 0, 10);
    expect(read.publications.map((p) => p.data)).toEqual([{ n: 3 }]);
  });

  it("tells a live subscriber to resync when the channel's history is lost, then delivers the new epoch from offset 1", async () => {
    cluster = new Cluster(bed, backend);
    const [a, b] = await cluster.nodes(2);
    const live = await subscriber(bed, b!, "p", "participant", "signals:acme", "signal:new");
    const resyncs = record(live.socket, "resync");
    for (const n of [1, 2, 3]) await a!.publish({ channel: "signals:acme", data: { n } });
    await until(() => live.seen.length === 3, 5000, "three publications");
    const admin = cluster.admin();
    try {
      for (const key of await keysUnder(admin, cluster.prefix, "*:signals:acme")) await admin.del(key);
    } finally {
      admin.disconnect();
    }
    const next = await a!.publish({ channel: "signals:acme", data: { n: 4 } });
    expect(next.offset).toBe(1);
    await until(() => live.seen.length === 4, 5000, "the first publication of the new epoch");
    expect(resyncs.map((e) => e.payload)).toEqual([{ channel: "signals:acme", reason: "The channel's history was lost; its offsets restarted under a new epoch." }]);
    expect(live.seen.map((e) => [e.meta.offset, (e.payload as { n: number }).n])).toEqual([[1, 1], [2, 2], [3, 3], [1, 4]]);
  });
});
