import type { Socket as NetSocket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { record, TestBed, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

/** The client's TCP socket: pausing it stops reading, so the server's writes back up like a slow phone's. */
function tcpOf(socket: Socket): NetSocket {
  return (socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket;
}

/** Enough bytes per publication to fill the loopback buffers quickly. */
const PAD = "x".repeat(32 * 1024);

describe("slow consumers", () => {
  it("disconnects a socket whose queue overflows on an event channel with SLOW_CONSUMER; it recovers every trade from history", async () => {
    const gw = await bed.gateway({ stateBacklogPackets: 10, maxQueuedPackets: 50 });
    const alice = await bed.connectAs(gw, "alice", "navigator");
    const seen = record(alice, "trade:update");
    const errors: unknown[] = [];
    alice.on("error", (e: unknown) => errors.push(e));
    let disconnected = false;
    alice.on("disconnect", () => (disconnected = true));
    await alice.emitWithAck("subscribe", { channels: ["trades"] });

    const tcp = tcpOf(alice);
    tcp.pause();
    let published = 0;
    let epoch = "";
    while (gw.metrics.totals.slowConsumerDisconnects === 0 && published < 900) {
      epoch = (await gw.publish({ channel: "trades:alice", data: { tradeId: `t${++published}`, symbol: "AAPL", status: "executed", quantity: 1, pad: PAD } })).epoch;
    }
    expect(gw.metrics.totals.slowConsumerDisconnects).toBe(1);
    await until(() => gw.registry.connectionCount === 0, 5000, "the server to drop the session");
    // More trades while the client is away.
    for (let i = 0; i < 5; i++) await gw.publish({ channel: "trades:alice", data: { tradeId: `t${++published}`, symbol: "AAPL", status: "executed", quantity: 1 } });

    tcp.resume();
    await until(() => disconnected, 10_000, "the client to see the disconnect");
    expect(errors).toEqual([{ code: "SLOW_CONSUMER", message: expect.stringMatching(/^\d+ (packets|bytes) were waiting to be sent to this connection; reconnect and recover from history\.$/) }]);
    const received = seen.map((e) => e.meta.offset as number);
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => i + 1));
    expect(received.length).toBeLessThan(published);

    const again = await bed.connectAs(gw, "alice", "navigator");
    const replayed = record(again, "trade:update");
    const reply = await again.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: received.length, epoch } }] });
    expect(reply.subscribed).toEqual([{ channel: "trades:alice", requested: "trades", offset: published, epoch, recovered: true, replayed: published - received.length }]);
    expect([...received, ...replayed.map((e) => e.meta.offset)]).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    const text = await fetch(`${gw.url}/metrics`).then((r) => r.text());
    expect(text).toContain("tickwire_slow_consumer_disconnects_total 1");
  });

  it("holds state publications for a backed-up socket and sends only the newest when it drains", async () => {
    const gw = await bed.gateway({ stateBacklogPackets: 10, maxQueuedPackets: 100_000 });
    const alice = await bed.connectAs(gw, "alice", "operator");
    const seen = record(alice, "quote:update");
    await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });

    const tcp = tcpOf(alice);
    tcp.pause();
    let published = 0;
    while (gw.metrics.totals.superseded < 20 && published < 900) {
      await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: ++published, pad: PAD } });
    }
    expect(gw.metrics.totals.superseded).toBe(20);
    const last = ++published;
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: last } });

    tcp.resume();
    await until(() => seen.length > 0 && seen[seen.length - 1]!.meta.offset === last, 10_000, "the newest quote");
    await alice.emitWithAck("ping", {});
    const offsets = seen.map((e) => e.meta.offset as number);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(seen[seen.length - 1]!.payload).toEqual({ symbol: "AAPL", price: last });
    // Each publication was either written or replaced by a newer one; nothing was written twice.
    expect(seen.length + gw.metrics.totals.superseded).toBe(last);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(alice.connected).toBe(true);
    expect(gw.metrics.totals.slowConsumerDisconnects).toBe(0);
  });
});
