import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { Gateway } from "@tickwire/server";
import { TestBed, until } from "../helpers.js";
import { Backend } from "../proxy/backend.js";
import { REDIS_BACKENDS } from "../redis-backends.js";
import { Cluster } from "../multi-node/cluster.js";
import { freePort, RedisServer, redisServerAvailable, waitFor } from "../multi-node/child-processes.js";

// TICKWIRE_FEED_ON_DEMAND with several nodes (docs/scaling.md, "Occupancy"): every node hears
// every transition, so what a node's feed connection asked for is released whichever node saw
// the channel vacated, while the occupancy hook is still called once per transition.
const hook = new Backend();
let hookBase: string;
beforeAll(async () => {
  hookBase = await hook.start();
});
afterAll(() => hook.close());

const servers: WebSocketServer[] = [];

/** An upstream feed server recording every message Tickwire sent it, over all its connections. */
async function upstream(): Promise<{ url: string; got: unknown[]; connections: WebSocket[] }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(server);
  await new Promise<void>((ok) => server.once("listening", ok));
  const feed = { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, got: [] as unknown[], connections: [] as WebSocket[] };
  server.on("connection", (ws) => {
    feed.connections.push(ws);
    ws.on("message", (raw) => feed.got.push(JSON.parse(raw.toString())));
  });
  return feed;
}

async function subscribe(bed: TestBed, gw: Gateway, user: string, channel: string) {
  const socket = await bed.connectAs(gw, user, "builder");
  expect(await socket.emitWithAck("subscribe", { channels: [channel] })).toMatchObject({ ok: true, failed: [] });
  return socket;
}

const sub = (channel: string) => ({ type: "subscribe", channel });
const unsub = (channel: string) => ({ type: "unsubscribe", channel });

for (const redis of REDIS_BACKENDS)
  describe.runIf(redis.available)(`upstream feeds on demand across nodes on ${redis.label}`, () => {
    const bed = new TestBed();
    let cluster: Cluster | undefined;
    afterEach(async () => {
      await bed.cleanup();
      for (const s of servers.splice(0)) {
        for (const c of s.clients) c.terminate();
        await new Promise((ok) => s.close(ok));
      }
      await cluster?.cleanup();
      hook.reset();
    });

    it("releases on node A's feed a channel subscribed on A and vacated on B, and calls the hook once per transition", async () => {
      cluster = new Cluster(bed, redis);
      const [feedA, feedB, feedC] = [await upstream(), await upstream(), await upstream()];
      const common = { feedOnDemand: true, occupancyDebounceMs: 100, proxyOccupancyUrl: `${hookBase}/occupancy` };
      const [a] = await cluster.nodes(1, { ...common, feedUrl: feedA.url });
      const [b] = await cluster.nodes(1, { ...common, feedUrl: feedB.url });
      await until(() => feedA.connections.length === 1 && feedB.connections.length === 1, 10_000, "both feeds to connect");

      const alice = await subscribe(bed, a!, "alice", "quotes:AAPL");
      await until(() => feedA.got.length === 1 && feedB.got.length === 1, 10_000, "AAPL asked on both feeds");
      const bob = await subscribe(bed, b!, "bob", "quotes:AAPL");
      alice.close();
      // A node started now learns at its feed's connect what is occupied already.
      const [c] = await cluster.nodes(1, { ...common, feedUrl: feedC.url });
      await until(() => feedC.got.length === 1, 10_000, "the late node's feed to ask for AAPL");
      // A later transition: alice's leave on A announced nothing before it (bob on B holds AAPL).
      await subscribe(bed, c!, "carol", "quotes:MSFT");
      await until(() => feedA.got.length === 2 && feedB.got.length === 2 && feedC.got.length === 2, 10_000, "MSFT asked on every feed");

      bob.close();
      await until(() => feedA.got.length === 3 && feedB.got.length === 3 && feedC.got.length === 3, 10_000, "AAPL released on every feed");
      for (const feed of [feedA, feedB, feedC]) expect(feed.got).toEqual([sub("quotes:AAPL"), sub("quotes:MSFT"), unsub("quotes:AAPL")]);

      await until(() => hook.on("/occupancy").length === 3, 10_000, "the hook's third call");
      expect(hook.on("/occupancy").map((call) => [call.body.channel, call.body.occupied])).toEqual([
        ["quotes:AAPL", true],
        ["quotes:MSFT", true],
        ["quotes:AAPL", false],
      ]);
    });
  });

describe.runIf(redisServerAvailable())("upstream feed on demand when Redis comes up after the gateway", () => {
  const bed = new TestBed();
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await bed.cleanup();
    for (const s of servers.splice(0)) {
      for (const c of s.clients) c.terminate();
      await new Promise((ok) => s.close(ok));
    }
    await redis?.kill();
  });

  it("follows the transitions once Redis answers", async () => {
    const port = await freePort();
    const feed = await upstream();
    const gw = await bed.gateway({ redisUrl: `redis://127.0.0.1:${port}`, feedUrl: feed.url, feedOnDemand: true, occupancyDebounceMs: 100 });
    redis = new RedisServer(port, ["--save", "", "--appendonly", "no", "--dir", bed.tempDir()]);
    await redis.start();
    const socket = await bed.connectAs(gw, "alice", "builder");
    // The channel fails with UNAVAILABLE until the engine's connections are back.
    await waitFor(async () => (await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).subscribed.length === 1, 20_000, "a subscribe through Redis");
    await until(() => feed.got.length === 1, 20_000, "the feed to be asked for AAPL");
    expect(feed.got).toEqual([sub("quotes:AAPL")]);
    socket.close();
    await until(() => feed.got.length === 2, 20_000, "the feed to be told AAPL is vacated");
    expect(feed.got).toEqual([sub("quotes:AAPL"), unsub("quotes:AAPL")]);
  }, 90_000);
});
