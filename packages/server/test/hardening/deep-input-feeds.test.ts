import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { Cluster, offsets, subscriber } from "../multi-node/cluster.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { nested, STACK_BREAKER_DEPTH } from "./hostile.js";

// Defect 1 through the other ways in: the Redis stream ingest, the upstream feed, and a node of many.
const bed = new TestBed();
const available = await redisAvailable();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await bed.cleanup();
  for (const c of cleanups.splice(0)) await c();
});

const trade = (n: number) => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n });
const feedOf = (gw: Gateway, name: string): Record<string, unknown> => (gw.stats().feeds as Array<Record<string, unknown>>).find((f) => f.name === name)!;

describe("deep publications from feeds", () => {
  it("skips a deep message of the upstream feed, counted, and publishes the next", async () => {
    let upstream: WebSocket | undefined;
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    server.on("connection", (ws) => (upstream = ws));
    await new Promise<void>((ok) => server.once("listening", ok));
    cleanups.push(() => new Promise((ok) => (server.clients.forEach((c) => c.terminate()), server.close(() => ok()))));
    const gw = await bed.gateway({ feedUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const alice = await bed.connectAs(gw, "alice");
    const seen = record(alice, "trade:update");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    await until(() => upstream !== undefined, 5000, "the feed to connect");
    upstream!.send(JSON.stringify({ channel: "trades:alice", data: trade(1) }));
    upstream!.send(JSON.stringify({ channel: "trades:alice", data: nested(STACK_BREAKER_DEPTH) }));
    upstream!.send(JSON.stringify({ channel: "trades:alice", data: trade(3) }));
    await until(() => seen.length === 2, 5000, "two trades");
    expect(seen.map((e) => [e.payload, e.meta.offset])).toEqual([
      [trade(1), 1],
      [trade(3), 2],
    ]);
    expect(feedOf(gw, "upstream")).toMatchObject({ received: 3, errors: 1 });
  });

  it.runIf(available)("skips and acknowledges a deep entry of the Redis stream ingest, counted, and publishes the next", async () => {
    const stream = `tw-test-${randomBytes(4).toString("hex")}:ingest`;
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => {
      await redis.del(stream);
      redis.disconnect();
    });
    const gw = await bed.gateway({ ingestRedisUrl: REDIS_URL, ingestStream: stream, ingestConsumer: "node-a" });
    const alice = await bed.connectAs(gw, "alice");
    const seen = record(alice, "trade:update");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    for (const data of [trade(1), nested(STACK_BREAKER_DEPTH), trade(3)]) await redis.xadd(stream, "*", "channel", "trades:alice", "data", JSON.stringify(data));
    await until(() => seen.length === 2, 10_000, "two trades");
    expect(seen.map((e) => [e.payload, e.meta.offset])).toEqual([
      [trade(1), 1],
      [trade(3), 2],
    ]);
    await until(() => feedOf(gw, "redis-ingest").received === 3);
    expect(feedOf(gw, "redis-ingest")).toMatchObject({ received: 3, errors: 1 });
    expect(Number(((await redis.xpending(stream, "tickwire")) as [number])[0])).toBe(0);
  });

  it.runIf(available)("refuses a deep publish on one node; a subscriber on another sees every offset, without a gap", async () => {
    const cluster = new Cluster(bed);
    cleanups.push(() => cluster.cleanup());
    const [a, b] = await cluster.nodes(2);
    const { seen } = await subscriber(bed, b!, "alice", "builder", "trades", "trade:update");
    expect((await api(a!, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade(1) })).status).toBe(200);
    expect((await api(a!, "POST", "/api/v1/publish", { channel: "trades:alice", data: nested(STACK_BREAKER_DEPTH) })).status).toBe(400);
    expect((await api(a!, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade(3) })).status).toBe(200);
    await until(() => seen.length === 2, 5000, "two trades on the other node");
    expect(offsets(seen)).toEqual([1, 2]);
    expect(seen.map((e) => e.payload)).toEqual([trade(1), trade(3)]);
  });
});
