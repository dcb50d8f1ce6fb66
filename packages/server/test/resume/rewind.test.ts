import { afterEach, describe, expect, it } from "vitest";
import { TestBed, TINY_NAMESPACE, record, until } from "../helpers.js";

describe("rewind on subscribe", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it("sends the last N publications of the history before the reply (replayed: N), then live ones", async () => {
    const gw = await bed.gateway();
    for (let n = 1; n <= 5; n++) await gw.publish({ channel: "signals:alpha", data: { n } });
    const socket = await bed.connectAs(gw, "alice", "builder");
    const seen = record(socket, "signal:new");
    const reply: any = await socket.emitWithAck("subscribe", { channels: [{ channel: "signals:alpha", rewind: 3 }] });
    // Before the reply: the last three, oldest first.
    expect(seen.map((s) => s.payload)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
    expect(seen.map((s) => s.meta.offset)).toEqual([3, 4, 5]);
    expect(reply).toEqual({ ok: true, subscribed: [{ channel: "signals:alpha", offset: 5, epoch: expect.any(String), replayed: 3 }], failed: [] });
    await gw.publish({ channel: "signals:alpha", data: { n: 6 } });
    await until(() => seen.length === 4, 5000, "a live signal");
    expect(seen.map((s) => s.payload)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }, { n: 6 }]);
  });

  it("gives at most the history's size, and nothing on an empty channel", async () => {
    const gw = await bed.gateway({ namespaces: [TINY_NAMESPACE] });
    for (let n = 1; n <= 5; n++) await gw.publish({ channel: "tiny", data: { n } });
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "tiny:event", "signal:new");
    const reply: any = await socket.emitWithAck("subscribe", { channels: [{ channel: "tiny", rewind: 100 }, { channel: "signals:quiet", rewind: 10 }] });
    expect(seen.map((s) => s.payload)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
    expect(reply.subscribed).toEqual([
      { channel: "tiny", offset: 5, epoch: expect.any(String), replayed: 3 },
      { channel: "signals:quiet", offset: 0, epoch: expect.any(String), replayed: 0 },
    ]);
  });

  it("refuses rewind on a channel without history, with since, or out of bounds, and subscribes nothing", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const reply: any = await socket.emitWithAck("subscribe", {
      channels: [
        { channel: "quotes:AAPL", rewind: 2 },
        { channel: "trades", rewind: 2, since: { offset: 0, epoch: "x" } },
      ],
    });
    expect(reply).toEqual({
      ok: true,
      subscribed: [],
      failed: [
        { channel: "quotes:AAPL", code: "BAD_REQUEST", message: '"quotes" keeps no history to rewind (it is a state channel).' },
        { channel: "trades", code: "BAD_REQUEST", message: "since and rewind exclude each other: since resumes from a position, rewind starts from the last N publications." },
      ],
    });
    const bad: any = await socket.emitWithAck("subscribe", { channels: [{ channel: "trades", rewind: 0 }] });
    expect(bad).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    const tooMany: any = await socket.emitWithAck("subscribe", { channels: [{ channel: "trades", rewind: 1001 }] });
    expect(tooMany).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    // Nothing was subscribed by the refused requests.
    expect(gw.registry.ofUser("alice").map((s) => [...s.subscriptions.keys()])).toEqual([[]]);
  });
});
