import { afterEach, describe, expect, it } from "vitest";
import { TestBed, record, until } from "../helpers.js";
import { SINGLE_REDIS } from "../redis-backends.js";
import { Cluster, range } from "./cluster.js";

describe.runIf(SINGLE_REDIS.available)("two subscribers of a channel new to the node, at once", () => {
  const bed = new TestBed();
  let cluster: Cluster;
  afterEach(async () => {
    await bed.cleanup();
    await cluster.cleanup();
  });

  it("gives the second every publication after its reply, though it came while the node was still subscribing the channel", async () => {
    cluster = new Cluster(bed);
    const [publisher, node] = await cluster.nodes(2);
    for (const i of range(1, 3)) await publisher!.publish({ channel: "signals", data: { i } });

    // The node's subscription of the channel in Redis is held up, as a slow round trip would.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const engine = node!.engine;
    const original = engine.subscribe.bind(engine);
    let held = 0;
    engine.subscribe = async (...args: Parameters<typeof engine.subscribe>) => {
      if (args[0] === "signals") {
        held++;
        await gate;
      }
      return original(...args);
    };

    const first = await bed.connectAs(node!, "alice", "participant");
    const second = await bed.connectAs(node!, "bob", "participant");
    const firstSeen = record(first, "signal:new");
    const secondSeen = record(second, "signal:new");
    const firstReply = first.emitWithAck("subscribe", { channels: ["signals"] });
    await until(() => held === 1, 5000, "the first subscribe to reach the engine");
    const secondReply = second.emitWithAck("subscribe", { channels: ["signals"] });
    // Published while the node is not yet subscribed in Redis.
    for (const i of range(4, 5)) await publisher!.publish({ channel: "signals", data: { i } });
    release();
    const replies = [(await firstReply).subscribed[0].offset as number, (await secondReply).subscribed[0].offset as number];
    expect(held).toBe(1);
    await publisher!.publish({ channel: "signals", data: { i: 6 } });

    // Each gets what came after the offset of its reply, in order, nothing missing.
    await until(() => firstSeen.length >= 6 - replies[0]! && secondSeen.length >= 6 - replies[1]!, 5000, "both to get publication 6");
    expect(firstSeen.map((e) => e.meta.offset)).toEqual(range(replies[0]! + 1, 6));
    expect(secondSeen.map((e) => e.meta.offset)).toEqual(range(replies[1]! + 1, 6));
    expect(secondSeen.map((e) => e.payload)).toEqual(range(replies[1]! + 1, 6).map((i) => ({ i })));
  });
});
