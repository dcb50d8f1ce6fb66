import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { record, TestBed, until } from "../helpers.js";

// TICKWIRE_FEED_ON_DEMAND (docs/streams.md): the upstream feed is told which channels someone watches.
const bed = new TestBed();
const servers: WebSocketServer[] = [];
afterEach(async () => {
  await bed.cleanup();
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((ok) => s.close(ok));
  }
});

/** An upstream feed server recording, per connection, the messages Tickwire sent it. */
async function upstream(): Promise<{ url: string; connections: Array<{ ws: WebSocket; got: unknown[] }> }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(server);
  await new Promise<void>((ok) => server.once("listening", ok));
  const connections: Array<{ ws: WebSocket; got: unknown[] }> = [];
  server.on("connection", (ws) => {
    const entry = { ws, got: [] as unknown[] };
    connections.push(entry);
    ws.on("message", (raw) => entry.got.push(JSON.parse(raw.toString())));
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

describe("upstream feed on demand", () => {
  it("sends subscribe and unsubscribe on occupancy changes, serves what it asked for, and re-sends the occupied channels after a reconnect", async () => {
    const feed = await upstream();
    const gw = await bed.gateway({ feedUrl: feed.url, feedOnDemand: true, occupancyDebounceMs: 50, feedReconnectMinMs: 50, feedReconnectMaxMs: 200 });
    await until(() => feed.connections.length === 1, 10_000, "the feed to connect");
    const first = feed.connections[0]!;

    const alice = await bed.connectAs(gw, "alice", "builder");
    const quotes = record(alice, "quote:update");
    expect(await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL", "quotes:MSFT", "signals"] })).toMatchObject({ ok: true, failed: [] });
    await until(() => first.got.length === 2, 5000, "two subscribes");
    expect([...first.got].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { type: "subscribe", channel: "quotes:AAPL" },
      { type: "subscribe", channel: "quotes:MSFT" },
    ]);
    // What the upstream sends for it reaches the subscriber.
    first.ws.send(JSON.stringify({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.25 } }));
    await until(() => quotes.length === 1, 5000, "the upstream's quote");
    expect(quotes[0]!.payload).toMatchObject({ symbol: "AAPL", price: 190.25 });

    expect(await alice.emitWithAck("unsubscribe", { channels: ["quotes:MSFT"] })).toEqual({ ok: true, unsubscribed: ["quotes:MSFT"] });
    await until(() => first.got.length === 3, 5000, "the unsubscribe");
    expect(first.got[2]).toEqual({ type: "unsubscribe", channel: "quotes:MSFT" });

    // The upstream drops the connection: the next one is told what is still watched.
    first.ws.terminate();
    await until(() => feed.connections.length === 2 && feed.connections[1]!.got.length >= 1, 10_000, "the reconnect's subscribes");
    expect(feed.connections[1]!.got).toEqual([{ type: "subscribe", channel: "quotes:AAPL" }]);
    expect(first.got).toHaveLength(3);
  });

  it("sends nothing upstream when off", async () => {
    const feed = await upstream();
    const gw = await bed.gateway({ feedUrl: feed.url, occupancyDebounceMs: 20, proxyOccupancyUrl: undefined });
    await until(() => feed.connections.length === 1, 10_000, "the feed to connect");
    const alice = await bed.connectAs(gw, "alice", "builder");
    expect(await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ ok: true, failed: [] });
    // Once the channel is announced occupied, the feed would have been told already.
    const start = Date.now();
    while (!(await gw.occupancy.occupied("quotes:AAPL"))) {
      if (Date.now() - start > 5000) throw new Error("timed out waiting for AAPL occupied");
      await new Promise((r) => setTimeout(r, 10));
    }
    // A message the feed would send goes out before the round trip of a publication it then receives.
    feed.connections[0]!.ws.send(JSON.stringify({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } }));
    const seen = record(alice, "quote:update");
    await until(() => seen.length === 1, 5000, "the quote");
    expect(feed.connections[0]!.got).toEqual([]);
  });
});
