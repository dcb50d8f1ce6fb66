import { describe, expect, it } from "vitest";
import type { Publication } from "@tickwire/server";
import { ChannelFeed, type FeedCounters, type FeedReader } from "../../src/engines/redis/channel-feed.js";
import { until } from "../helpers.js";

const pub = (offset: number, epoch = "e1"): Publication => ({ channel: "c", offset, epoch, ts: 0, event: "x", data: { offset }, traceId: "t" });

/** A feed over a fake stream holding `stored` offsets of `epoch`, with `top` as the channel's position. */
function feed(stream: { epoch: string; top: number; stored: number[]; failing?: boolean }) {
  const delivered: Array<[number, string]> = [];
  const counters: FeedCounters = { filled: 0, holes: 0, syncs: 0, deferred: 0 };
  const errors: unknown[] = [];
  const read: FeedReader = async (from, to, count) => {
    if (stream.failing) throw new Error("redis away");
    const last = to === "+" ? Infinity : to;
    const publications = stream.stored.filter((o) => o >= from && o <= last && o <= stream.top).slice(0, count).map((o) => pub(o, stream.epoch));
    return { top: stream.top, epoch: stream.epoch, publications };
  };
  const f = new ChannelFeed("c", read, (p) => delivered.push([p.offset, p.epoch]), counters, (err) => errors.push(err));
  return { f, delivered, counters, errors };
}

describe("channel feed (one channel's ordered delivery on one node)", () => {
  it("delivers in order, drops duplicates and messages at or below the starting position", () => {
    const { f, delivered } = feed({ epoch: "e1", top: 2, stored: [1, 2] });
    f.push(pub(2));
    f.start("e1", 2);
    f.push(pub(3));
    f.push(pub(3));
    f.push(pub(4));
    expect(delivered).toEqual([[3, "e1"], [4, "e1"]]);
  });

  it("fills a jump from the stream before delivering the message that revealed it, keeping later messages behind it", async () => {
    const { f, delivered, counters } = feed({ epoch: "e1", top: 6, stored: [1, 2, 3, 4, 5, 6] });
    f.start("e1", 1);
    f.push(pub(4));
    f.push(pub(5));
    await until(() => delivered.length === 4, 2000, "the fill");
    expect(delivered.map(([o]) => o)).toEqual([2, 3, 4, 5]);
    expect(counters).toMatchObject({ filled: 2, holes: 0 });
  });

  it("skips what the stream no longer holds and counts it as a hole", async () => {
    const { f, delivered, counters } = feed({ epoch: "e1", top: 9, stored: [7, 8, 9] });
    f.start("e1", 2);
    f.push(pub(9));
    await until(() => delivered.length === 3, 2000, "the fill");
    expect(delivered.map(([o]) => o)).toEqual([7, 8, 9]);
    expect(counters).toMatchObject({ filled: 2, holes: 4 });
  });

  it("catches up to the top on sync, tail included", async () => {
    const stream = { epoch: "e1", top: 3, stored: [1, 2, 3] };
    const { f, delivered } = feed(stream);
    f.start("e1", 3);
    stream.top = 6;
    stream.stored.push(4, 5, 6);
    f.sync();
    f.push(pub(5));
    f.push(pub(7));
    await until(() => delivered.length === 4, 2000, "the sync");
    expect(delivered.map(([o]) => o)).toEqual([4, 5, 6, 7]);
  });

  it("restarts at offset 1 of a new epoch", async () => {
    const stream = { epoch: "e1", top: 5, stored: [5] };
    const { f, delivered } = feed(stream);
    f.start("e1", 5);
    Object.assign(stream, { epoch: "e2", top: 2, stored: [1, 2] });
    f.push(pub(2, "e2"));
    await until(() => delivered.length === 2, 2000, "the new epoch");
    expect(delivered).toEqual([[1, "e2"], [2, "e2"]]);
  });

  it("puts a message aside when the stream cannot be read, and delivers it with the next sync", async () => {
    const stream = { epoch: "e1", top: 3, stored: [1, 2, 3], failing: true };
    const { f, delivered, counters, errors } = feed(stream);
    f.start("e1", 1);
    f.push(pub(3));
    await until(() => errors.length === 1, 2000, "the failed fill");
    expect(delivered).toEqual([]);
    stream.failing = false;
    f.sync();
    await until(() => delivered.length === 2, 2000, "the sync");
    expect(delivered.map(([o]) => o)).toEqual([2, 3]);
    expect(counters.deferred).toBe(1);
  });
});
