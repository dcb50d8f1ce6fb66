import { afterEach, describe, expect, it } from "vitest";
import { TestBed, record, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("subscribe", () => {
  it("answers each channel on its own: own channels resolve, others fail with a code", async () => {
    const gw = await bed.gateway();
    const alice = await bed.connectAs(gw, "alice", "participant");
    const reply = await alice.emitWithAck("subscribe", { channels: ["trades", "portfolio", "trades:bob", "signals", "ai", "admin", "nope:x", "quotes", "metrics:x"] });
    expect(reply).toEqual({
      ok: true,
      subscribed: [
        { channel: "trades:alice", requested: "trades", offset: 0, epoch: expect.any(String) },
        { channel: "portfolio:alice", requested: "portfolio", offset: 0, epoch: expect.any(String) },
        { channel: "signals", offset: 0, epoch: expect.any(String) },
      ],
      failed: [
        { channel: "trades:bob", code: "FORBIDDEN", message: '"trades:bob" belongs to another user.' },
        { channel: "ai", code: "FORBIDDEN", message: '"ai" needs tier builder or above; you are participant.' },
        { channel: "admin", code: "FORBIDDEN", message: '"admin" needs tier operator or above (or the role admin); you are participant.' },
        { channel: "nope:x", code: "UNKNOWN_CHANNEL", message: 'No namespace "nope".' },
        { channel: "quotes", code: "BAD_REQUEST", message: '"quotes" needs a key: quotes:{key}.' },
        { channel: "metrics:x", code: "BAD_REQUEST", message: '"metrics" takes no key.' },
      ],
    });
  });

  it("applies the tier gates of the catalogue", async () => {
    const gw = await bed.gateway();
    const cases: Array<[string, string, boolean]> = [
      ["navigator", "signals", false],
      ["participant", "signals:prov1", true],
      ["participant", "ai:gpt", false],
      ["builder", "ai:gpt", true],
      ["builder", "admin", false],
      ["operator", "admin", true],
    ];
    for (const [tier, channel, allowed] of cases) {
      const socket = await bed.connectAs(gw, `user-${tier}`, tier);
      const reply = await socket.emitWithAck("subscribe", { channels: [channel] });
      expect({ tier, channel, ok: reply.subscribed.length === 1 }).toEqual({ tier, channel, ok: allowed });
      if (!allowed) expect(reply.failed[0].code).toBe("FORBIDDEN");
      socket.close();
    }
  });

  it("never delivers one user's trades to another user", async () => {
    const gw = await bed.gateway();
    const alice = await bed.connectAs(gw, "alice");
    const bob = await bed.connectAs(gw, "bob");
    const aliceSeen = record(alice, "trade:update");
    const bobSeen = record(bob, "trade:update");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    await bob.emitWithAck("subscribe", { channels: ["trades"] });
    await gw.publish({ channel: "trades:alice", data: { tradeId: "a1" } });
    await gw.publish({ channel: "trades:bob", data: { tradeId: "b1" } });
    // A second trade each: whatever the first ones could have leaked would have arrived before it.
    await gw.publish({ channel: "trades:alice", data: { tradeId: "a2" } });
    await gw.publish({ channel: "trades:bob", data: { tradeId: "b2" } });
    await until(() => aliceSeen.length >= 2 && bobSeen.length >= 2);
    expect(aliceSeen.map((e) => e.payload)).toEqual([{ tradeId: "a1" }, { tradeId: "a2" }]);
    expect(bobSeen.map((e) => e.payload)).toEqual([{ tradeId: "b1" }, { tradeId: "b2" }]);
  });

  it("is harmless twice and stops delivery after unsubscribe", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "quote:update");
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } });
    const again = await socket.emitWithAck("subscribe", { channels: ["quotes:aapl"] });
    expect(again).toEqual({ ok: true, subscribed: [{ channel: "quotes:AAPL", requested: "quotes:aapl", offset: 1, epoch: expect.any(String) }], failed: [] });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 2 } });
    await until(() => seen.length === 2);
    expect(await socket.emitWithAck("unsubscribe", { channels: ["quotes:aapl", "quotes:MSFT"] })).toEqual({ ok: true, unsubscribed: ["quotes:AAPL"] });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 3 } });
    // The hub delivers in publish order: a quote on a channel still subscribed comes after anything price 3 could send.
    await socket.emitWithAck("subscribe", { channels: ["quotes:MSFT"] });
    await gw.publish({ channel: "quotes:MSFT", data: { symbol: "MSFT", price: 9 } });
    await until(() => seen.length >= 3, 5000, "the MSFT quote");
    expect(seen.map((e) => (e.payload as { price: number }).price)).toEqual([1, 2, 9]);
  });

  it("sends the latest value of a state channel on subscribe, filtered to the asked fields", async () => {
    const gw = await bed.gateway();
    await gw.publish({ channel: "quotes:NVDA", data: { symbol: "NVDA", price: 120.5, bid: 120.4, ask: 120.6, volume: 1000 } });
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "quote:update");
    const reply = await socket.emitWithAck("subscribe", { channels: [{ channel: "quotes:NVDA", fields: ["price", "bid"] }] });
    // The snapshot arrives before the reply.
    expect(seen).toEqual([{ event: "quote:update", payload: { symbol: "NVDA", price: 120.5, bid: 120.4 }, meta: { channel: "quotes:NVDA", offset: 1, epoch: reply.subscribed[0].epoch, ts: expect.any(Number) } }]);
    expect(reply.subscribed[0]).toEqual({ channel: "quotes:NVDA", offset: 1, epoch: expect.any(String) });
  });

  it("refuses a fields filter where the namespace has none, and bad field names", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const reply = await socket.emitWithAck("subscribe", { channels: [{ channel: "trades", fields: ["x"] }, { channel: "quotes:A", fields: ["a-b"] }] });
    expect(reply.failed).toEqual([
      { channel: "trades", code: "BAD_REQUEST", message: '"trades" does not take a fields filter.' },
      { channel: "quotes:A", code: "BAD_REQUEST", message: '"a-b" is not a valid field name.' },
    ]);
    expect(reply.subscribed).toEqual([]);
  });

  it("limits quote subscriptions per connection by tier, failing only the channels beyond it", async () => {
    const gw = await bed.gateway({ maxSubscriptions: { navigator: 2, participant: 50, builder: 200, operator: 1000 } });
    const socket = await bed.connectAs(gw, "nav", "navigator");
    const reply = await socket.emitWithAck("subscribe", { channels: ["quotes:A", "quotes:B", "quotes:C", "trades"] });
    expect(reply.subscribed.map((s: { channel: string }) => s.channel)).toEqual(["quotes:A", "quotes:B", "trades:nav"]);
    expect(reply.failed).toEqual([{ channel: "quotes:C", code: "LIMIT_EXCEEDED", message: "Tier navigator may watch at most 2 quotes channels per connection." }]);
  });

  it("delivers publications of a channel in publish order with consecutive offsets", async () => {
    const gw = await bed.gateway();
    const a = await bed.connectAs(gw, "alice", "participant");
    const b = await bed.connectAs(gw, "bob", "participant");
    const seenA = record(a, "signal:new");
    const seenB = record(b, "signal:new");
    await a.emitWithAck("subscribe", { channels: ["signals"] });
    await b.emitWithAck("subscribe", { channels: ["signals"] });
    await Promise.all(Array.from({ length: 50 }, (_, i) => gw.publish({ channel: "signals", data: { n: i } })));
    await until(() => seenA.length === 50 && seenB.length === 50);
    expect(seenA.map((e) => e.meta.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(seenB.map((e) => [e.meta.offset, e.payload])).toEqual(seenA.map((e) => [e.meta.offset, e.payload]));
  });
});
