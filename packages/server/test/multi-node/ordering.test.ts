import { afterEach, describe, expect, it } from "vitest";
import { TestBed, until } from "../helpers.js";
import { REDIS_BACKENDS } from "../redis-backends.js";
import { Cluster, offsets, range, subscriber } from "./cluster.js";

for (const backend of REDIS_BACKENDS)
  describe.runIf(backend.available)(`many nodes on ${backend.label}: order`, () => {
  const bed = new TestBed();
  let cluster: Cluster;
  afterEach(async () => {
    await bed.cleanup();
    await cluster.cleanup();
  });

  it("shows subscribers on every node the same sequence 1..N while every node publishes", async () => {
    cluster = new Cluster(bed, backend);
    const nodes = await cluster.nodes(3);
    const subs: Array<Awaited<ReturnType<typeof subscriber>>> = [];
    for (let i = 0; i < 9; i++) subs.push(await subscriber(bed, nodes[i % 3]!, `p${i}`, "participant", "signals", "signal:new"));
    expect(subs.map((s) => s.subscribed.offset)).toEqual(subs.map(() => 0));

    const perNode = 40;
    const results = await Promise.all(
      nodes.flatMap((gw, n) => range(1, perNode).map((i) => gw.publish({ channel: "signals", data: { node: n, i } }))),
    );
    const total = nodes.length * perNode;
    expect(results.map((r) => r.offset).sort((a, b) => a - b)).toEqual(range(1, total));
    await until(() => subs.every((s) => s.seen.length === total), 10_000, "every subscriber to see every publication");

    const byOffset = new Map(results.map((r, k) => [r.offset, { node: Math.floor(k / perNode), i: (k % perNode) + 1 }]));
    const expected = range(1, total).map((offset) => [offset, byOffset.get(offset)]);
    for (const s of subs) expect(s.seen.map((e) => [e.meta.offset, e.payload])).toEqual(expected);
    expect(new Set(subs.flatMap((s) => s.seen.map((e) => e.meta.epoch))).size).toBe(1);
  });

  it("gives 2000 concurrent publishes across three nodes the offsets 1..2000 exactly once", async () => {
    cluster = new Cluster(bed, backend);
    const nodes = await cluster.nodes(3);
    const watcher = await subscriber(bed, nodes[2]!, "alice", "navigator", "trades", "trade:update");
    const results = await Promise.all(range(1, 2000).map((i) => nodes[i % 3]!.publish({ channel: "trades:alice", data: { i } })));
    expect(results.map((r) => r.offset).sort((a, b) => a - b)).toEqual(range(1, 2000));
    expect(new Set(results.map((r) => r.epoch))).toEqual(new Set([watcher.subscribed.epoch]));
    await until(() => watcher.seen.length === 2000, 10_000, "the watcher to see all 2000");
    expect(offsets(watcher.seen)).toEqual(range(1, 2000));
  });

  it("sends a subscriber on one node the latest value of a state channel published on another", async () => {
    cluster = new Cluster(bed, backend);
    const [a, b] = await cluster.nodes(2);
    expect([a!.engine.name, (a!.stats().node as { mode: string }).mode]).toEqual(["redis", "redis"]);
    await a!.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } });
    const last = await a!.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 2 } });
    const client = await subscriber(bed, b!, "alice", "operator", "quotes:AAPL", "quote:update");
    expect(client.subscribed).toEqual({ channel: "quotes:AAPL", offset: 2, epoch: last.epoch });
    expect(client.seen.map((e) => [e.meta.offset, e.payload])).toEqual([[2, { symbol: "AAPL", price: 2 }]]);
    await a!.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 3 } });
    await until(() => client.seen.length === 2, 15_000, "the live update");
    expect(client.seen[1]!.payload).toEqual({ symbol: "AAPL", price: 3 });
  });
});
