import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RedisEngine } from "@tickwire/server";
import { api, TestBed, until } from "../helpers.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { Cluster, range, subscriber } from "./cluster.js";
import { adminRedis, keysUnder } from "./redis-test-keys.js";

const available = await redisAvailable();

/** A port nothing listens on. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Fails when `promise` has not settled within `ms` (a hang, not a slow answer, is what this catches). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe.runIf(available)("many nodes on one Redis: failures", () => {
  const bed = new TestBed();
  let cluster: Cluster;
  afterEach(async () => {
    await bed.cleanup();
    await cluster.cleanup();
  });

  it("fills from the stream what was published while a node's pub/sub connection was down, tail included", async () => {
    cluster = new Cluster(bed);
    // A slow reconnect keeps the subscriber away while the test publishes.
    const engine = new RedisEngine({ url: REDIS_URL, prefix: cluster.prefix, redis: { retryStrategy: () => 300 } });
    const a = await bed.gateway({ redisUrl: REDIS_URL, redisPrefix: cluster.prefix }, { engine });
    const [b] = await cluster.nodes(1);
    const client = await subscriber(bed, a, "alice", "navigator", "trades", "trade:update");
    for (let i = 1; i <= 3; i++) await b!.publish({ channel: "trades:alice", data: { i } });
    await until(() => client.seen.length === 3, 5000, "the first three");

    const admin = adminRedis();
    try {
      const list = (await admin.client("LIST")) as string;
      const ids = list
        .split("\n")
        .filter((line) => line.includes(` name=${cluster.prefix}sub:`))
        .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]!);
      expect(ids).toHaveLength(2);
      for (const id of ids) await admin.client("KILL", "ID", id);
    } finally {
      admin.disconnect();
    }
    // Published while no node listens: nothing comes after them to reveal the gap.
    await Promise.all(range(4, 8).map((i) => b!.publish({ channel: "trades:alice", data: { i } })));
    await until(() => client.seen.length === 8, 5000, "the reconnect to catch up from the stream");
    expect(engine.counters.filled).toBeGreaterThanOrEqual(5);
    await b!.publish({ channel: "trades:alice", data: { i: 9 } });
    await until(() => client.seen.length === 9, 5000, "live delivery after the reconnect");
    expect(client.seen.map((e) => [e.meta.offset, e.payload])).toEqual(range(1, 9).map((i) => [i, { i }]));
  });

  it("fills a pub/sub message that never arrived from the stream when the next one reveals the gap", async () => {
    cluster = new Cluster(bed);
    const [a, b] = await cluster.nodes(2);
    const client = await subscriber(bed, a!, "alice", "navigator", "trades", "trade:update");
    await b!.publish({ channel: "trades:alice", data: { i: 1 } });
    // Offset 2 is written as the script would, but its PUBLISH is "lost".
    const admin = adminRedis();
    try {
      const [meta] = await keysUnder(admin, cluster.prefix, "meta:*:trades:alice");
      const [hist] = await keysUnder(admin, cluster.prefix, "hist:*:trades:alice");
      expect(await admin.hincrby(meta!, "s", 1)).toBe(2);
      await admin.xadd(hist!, "2-0", "b", JSON.stringify({ ts: Date.now(), event: "trade:update", data: { i: 2 }, traceId: "lost" }));
    } finally {
      admin.disconnect();
    }
    await b!.publish({ channel: "trades:alice", data: { i: 3 } });
    await until(() => client.seen.length === 3, 5000, "the gap to be filled");
    expect(client.seen.map((e) => [e.meta.offset, e.payload])).toEqual(range(1, 3).map((i) => [i, { i }]));
    expect((a!.engine as RedisEngine).counters).toMatchObject({ filled: 1, holes: 0 });
  });

  it("answers HTTP publishes 503 UNAVAILABLE at once while Redis is unreachable, and keeps sockets open", async () => {
    cluster = new Cluster(bed);
    const gw = await bed.gateway({ redisUrl: `redis://127.0.0.1:${await unusedPort()}`, redisPrefix: cluster.prefix });
    const socket = await bed.connectAs(gw, "alice", "navigator");
    const res = await within(api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { i: 1 } }), 3000, "the publish");
    expect(res).toEqual({
      status: 503,
      body: { statusCode: 503, code: "UNAVAILABLE", message: "The publication could not be stored; retry with the same idempotency key." },
    });
    const reply = await within(socket.emitWithAck("subscribe", { channels: ["trades"] }), 3000, "the subscribe");
    expect(reply).toMatchObject({ ok: true, subscribed: [], failed: [{ channel: "trades", code: "UNAVAILABLE" }] });
    expect(socket.connected).toBe(true);
    const ready = await api(gw, "GET", "/readyz", undefined, null);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.engine).toEqual({
      ok: false,
      details: { name: "redis", command: expect.not.stringMatching(/^ready$/), subscriber: expect.not.stringMatching(/^ready$/), channels: expect.any(Number), filled: 0, holes: 0, syncs: expect.any(Number), deferred: 0, relays: expect.any(Object) },
    });
  });

  it("reports the engine ready, with its connections and feed counters, in /readyz and stats", async () => {
    cluster = new Cluster(bed);
    const [a] = await cluster.nodes(1);
    const ready = await api(a!, "GET", "/readyz", undefined, null);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.engine).toEqual({ ok: true, details: { name: "redis", command: "ready", subscriber: "ready", channels: 0, filled: 0, holes: 0, syncs: expect.any(Number), deferred: 0, relays: { sent: 0, failed: 0, delivered: 0 } } });
    const stats = await api(a!, "GET", "/api/v1/stats");
    expect(stats.body.node).toMatchObject({ mode: "redis", engine: { name: "redis", command: "ready", subscriber: "ready" } });
  });
});
