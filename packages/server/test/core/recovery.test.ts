import { afterEach, describe, expect, it } from "vitest";
import { TINY_NAMESPACE, TestBed, record, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const tiny = TINY_NAMESPACE;

const offsets = (seen: Array<{ meta: Record<string, unknown> }>) => seen.map((e) => e.meta.offset);

describe("recovery", () => {
  it("replays what was missed before the reply, then continues live with no gap and no duplicate", async () => {
    const gw = await bed.gateway();
    const first = await bed.connectAs(gw, "alice");
    const seen1 = record(first, "trade:update");
    const sub = await first.emitWithAck("subscribe", { channels: ["trades"] });
    for (let i = 1; i <= 3; i++) await gw.publish({ channel: "trades:alice", data: { n: i } });
    await until(() => seen1.length === 3);
    first.close();
    for (let i = 4; i <= 7; i++) await gw.publish({ channel: "trades:alice", data: { n: i } });

    const second = await bed.connectAs(gw, "alice");
    const seen2 = record(second, "trade:update");
    let replayedBeforeReply = -1;
    const reply = await second.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 3, epoch: sub.subscribed[0].epoch } }] }).then((r) => {
      replayedBeforeReply = seen2.length;
      return r;
    });
    expect(reply).toEqual({ ok: true, subscribed: [{ channel: "trades:alice", requested: "trades", offset: 7, epoch: sub.subscribed[0].epoch, recovered: true, replayed: 4 }], failed: [] });
    expect(replayedBeforeReply).toBe(4);
    await gw.publish({ channel: "trades:alice", data: { n: 8 } });
    await until(() => seen2.length === 5);
    expect(seen2.map((e) => [e.meta.offset, e.payload])).toEqual([4, 5, 6, 7, 8].map((n) => [n, { n }]));
  });

  it("answers recovered: true, replayed: 0 when nothing was missed", async () => {
    const gw = await bed.gateway();
    await gw.publish({ channel: "signals", data: { n: 1 } });
    const socket = await bed.connectAs(gw, "p", "participant");
    const { epoch } = (await socket.emitWithAck("subscribe", { channels: ["signals"] })).subscribed[0];
    await socket.emitWithAck("unsubscribe", { channels: ["signals"] });
    const reply = await socket.emitWithAck("subscribe", { channels: [{ channel: "signals", since: { offset: 1, epoch } }] });
    expect(reply.subscribed).toEqual([{ channel: "signals", offset: 1, epoch, recovered: true, replayed: 0 }]);
  });

  it("answers recovered: false and replays nothing when the history no longer covers the offset", async () => {
    const gw = await bed.gateway({ namespaces: [tiny] });
    const r = await gw.publish({ channel: "tiny", data: { n: 1 } });
    for (let i = 2; i <= 6; i++) await gw.publish({ channel: "tiny", data: { n: i } });
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "tiny:event");
    const reply = await socket.emitWithAck("subscribe", { channels: [{ channel: "tiny", since: { offset: 1, epoch: r.epoch } }] });
    expect(reply.subscribed).toEqual([{ channel: "tiny", offset: 6, epoch: r.epoch, recovered: false, replayed: 0 }]);
    await gw.publish({ channel: "tiny", data: { n: 7 } });
    await until(() => seen.length === 1);
    expect(seen.map((e) => e.payload)).toEqual([{ n: 7 }]);
  });

  it("answers recovered: false for another epoch or an offset ahead of the channel", async () => {
    const gw = await bed.gateway();
    const r = await gw.publish({ channel: "signals", data: { n: 1 } });
    const socket = await bed.connectAs(gw, "p", "participant");
    const wrongEpoch = await socket.emitWithAck("subscribe", { channels: [{ channel: "signals", since: { offset: 0, epoch: "other" } }] });
    expect(wrongEpoch.subscribed).toEqual([{ channel: "signals", offset: 1, epoch: r.epoch, recovered: false, replayed: 0 }]);
    await socket.emitWithAck("unsubscribe", { channels: ["signals"] });
    const ahead = await socket.emitWithAck("subscribe", { channels: [{ channel: "signals", since: { offset: 99, epoch: r.epoch } }] });
    expect(ahead.subscribed[0]).toMatchObject({ recovered: false, offset: 1 });
  });

  it("sends a state channel's latest value when it cannot recover", async () => {
    const gw = await bed.gateway();
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 2 } });
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "quote:update");
    const reply = await socket.emitWithAck("subscribe", { channels: [{ channel: "quotes:AAPL", since: { offset: 1, epoch: "stale" } }] });
    expect(reply.subscribed[0]).toMatchObject({ channel: "quotes:AAPL", offset: 2, recovered: false });
    expect(seen.map((e) => e.payload)).toEqual([{ symbol: "AAPL", price: 2 }]);
  });

  it("recovers across a server restart on the same data folder", async () => {
    const dataDir = bed.tempDir();
    const gw1 = await bed.gateway({ dataDir });
    const socket1 = await bed.connectAs(gw1, "alice");
    const seen1 = record(socket1, "trade:update");
    const { epoch } = (await socket1.emitWithAck("subscribe", { channels: ["trades"] })).subscribed[0];
    await gw1.publish({ channel: "trades:alice", data: { n: 1 } });
    await until(() => seen1.length === 1);
    await gw1.publish({ channel: "trades:alice", data: { n: 2 } });
    await gw1.publish({ channel: "trades:alice", data: { n: 3 } });
    await gw1.close();

    const gw2 = await bed.gateway({ dataDir });
    const socket2 = await bed.connectAs(gw2, "alice");
    const seen2 = record(socket2, "trade:update");
    const reply = await socket2.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 1, epoch } }] });
    expect(reply.subscribed).toEqual([{ channel: "trades:alice", requested: "trades", offset: 3, epoch, recovered: true, replayed: 2 }]);
    const next = await gw2.publish({ channel: "trades:alice", data: { n: 4 } });
    expect(next).toEqual({ channel: "trades:alice", offset: 4, epoch });
    await until(() => seen2.length === 3);
    expect(seen2.map((e) => [e.meta.offset, e.payload])).toEqual([2, 3, 4].map((n) => [n, { n }]));
  });

  it("merges publications that arrive during recovery without gap or duplicate", async () => {
    const gw = await bed.gateway();
    const first = await gw.publish({ channel: "trades:alice", data: { n: 1 } });
    for (let i = 2; i <= 200; i++) await gw.publish({ channel: "trades:alice", data: { n: i } });
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "trade:update");
    // Publishing goes on while the subscriber recovers.
    const publishing = (async () => {
      for (let i = 201; i <= 400; i++) await gw.publish({ channel: "trades:alice", data: { n: i } });
    })();
    const reply = await socket.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 10, epoch: first.epoch } }] });
    await publishing;
    expect(reply.subscribed[0].recovered).toBe(true);
    await until(() => seen.length === 390, 10_000, "390 publications");
    expect(offsets(seen)).toEqual(Array.from({ length: 390 }, (_, i) => i + 11));
  });
});
