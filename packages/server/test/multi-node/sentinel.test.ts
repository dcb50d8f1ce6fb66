import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { optionsFromEnv, resolveOptions, type Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { Children, redisServerAvailable, waitFor, type RedisServer, type SentinelServer } from "./child-processes.js";
import { keysUnder, testPrefix } from "./redis-test-keys.js";
import { configProblems } from "../config-problems.js";

// Redis Sentinel (docs/scaling.md, "Redis Sentinel"): the gateway finds the master through the
// sentinels and follows a failover to the promoted replica, at most an epoch change.
// The failover run waits for a real promotion, so it runs when TICKWIRE_TEST_SENTINEL_FAILOVER=1
// (.ci/run sets it); the start and publish run always.
const NAME = "tw-test";
const FAILOVER = process.env.TICKWIRE_TEST_SENTINEL_FAILOVER === "1";

describe.runIf(redisServerAvailable())("Redis Sentinel", () => {
  const children = new Children();
  const bed = new TestBed();
  afterEach(async () => {
    await bed.cleanup();
    await children.cleanup();
  });

  /** A master, its replica (in sync) and a sentinel watching them. */
  async function group(downAfterMs: number): Promise<{ master: RedisServer; replica: RedisServer; sentinel: SentinelServer }> {
    // Each in a folder of its own: a replica writes the snapshot of its first sync to disk.
    const master = await children.redis(["--save", "", "--appendonly", "no", "--dir", children.tempDir()]);
    const replica = await children.redis(["--save", "", "--appendonly", "no", "--dir", children.tempDir(), "--replicaof", "127.0.0.1", String(master.port)]);
    await waitFor(async () => (await info(replica, "replication")).includes("master_link_status:up"), 15_000, "the replica to sync");
    const sentinel = await children.sentinel(master.port, NAME, downAfterMs);
    return { master, replica, sentinel };
  }

  async function nodes(sentinel: SentinelServer, prefix: string): Promise<Gateway[]> {
    const options = { redisSentinels: [`127.0.0.1:${sentinel.port}`], redisSentinelName: NAME, redisPrefix: prefix, connectionLeaseTtlMs: 3000 };
    return [await bed.gateway(options), await bed.gateway(options)];
  }

  it("starts every node through the sentinel, keeps the shared state on the master, and delivers across nodes", async () => {
    const { master, sentinel } = await group(5000);
    const prefix = testPrefix();
    const [a, b] = await nodes(sentinel, prefix);
    const socket = await bed.connectAs(b!, "alice", "participant");
    const seen = record(socket, "signal:new");
    expect(await socket.emitWithAck("subscribe", { channels: ["signals"] })).toMatchObject({ ok: true, failed: [] });
    for (const n of [1, 2, 3]) expect((await api(a!, "POST", "/api/v1/publish", { channel: "signals", data: { n } })).status).toBe(200);
    await until(() => seen.length === 3, 10_000, "three signals on the other node");
    expect(seen.map((e) => [e.payload, e.meta.offset])).toEqual([
      [{ n: 1 }, 1],
      [{ n: 2 }, 2],
      [{ n: 3 }, 3],
    ]);

    const admin = new Redis(master.url);
    try {
      expect(await keysUnder(admin, prefix, "meta:*:signals")).toEqual([expect.stringMatching(/meta:\{p\d+\}:signals$/)]);
      const names = ((await admin.client("LIST")) as string).split("\n").filter((l) => l.includes(`name=${prefix}cmd:`));
      expect(names).toHaveLength(2);
    } finally {
      admin.disconnect();
    }
  });

  it.runIf(FAILOVER)("carries on after the master is SIGKILLed and the sentinel promotes the replica: one resync, then every publication in order", async () => {
    const { master, replica, sentinel } = await group(1000);
    await waitFor(async () => (await replicasKnown(sentinel)) === 1, 20_000, "the sentinel to know the replica");
    const prefix = testPrefix();
    const [a, b] = await nodes(sentinel, prefix);
    const socket = await bed.connectAs(b!, "alice", "participant");
    const seen = record(socket, "signal:new", "resync");
    expect(await socket.emitWithAck("subscribe", { channels: ["signals"] })).toMatchObject({ ok: true, failed: [] });
    for (const n of [1, 2]) expect((await api(a!, "POST", "/api/v1/publish", { channel: "signals", data: { n } })).status).toBe(200);
    await until(() => seen.length === 2, 10_000, "two signals");

    await master.kill();
    await waitFor(async () => (await sentinel.master(NAME)) === replica.port, 60_000, "the sentinel to promote the replica");
    // Publishes answer 503 until the node reaches the new master; none of those was published.
    await waitFor(async () => (await api(a!, "POST", "/api/v1/publish", { channel: "signals", data: { n: 3 } })).status === 200, 30_000, "a publish through the new master");
    for (const n of [4, 5]) expect((await api(a!, "POST", "/api/v1/publish", { channel: "signals", data: { n } })).status).toBe(200);
    await until(() => seen.some((e) => e.event === "signal:new" && (e.payload as { n: number }).n === 5), 30_000, "the last signal");

    const after = seen.slice(2);
    expect(after.filter((e) => e.event === "resync")).toEqual([{ event: "resync", payload: { channel: "signals", reason: expect.any(String) }, meta: undefined }]);
    const signals = after.filter((e) => e.event === "signal:new");
    expect(signals.map((e) => (e.payload as { n: number }).n)).toEqual([3, 4, 5]);
    const epochs = new Set(signals.map((e) => e.meta.epoch));
    expect(epochs.size).toBe(1);
    expect([...epochs][0]).not.toBe(seen[0]!.meta.epoch);
    expect(signals.map((e) => e.meta.offset)).toEqual([1, 2, 3]);
  });
});

async function info(server: RedisServer, section: string): Promise<string> {
  const r = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    return await r.info(section);
  } catch {
    return "";
  } finally {
    r.disconnect();
  }
}

async function replicasKnown(sentinel: SentinelServer): Promise<number> {
  const r = new Redis({ host: "127.0.0.1", port: sentinel.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    const replicas = (await r.call("SENTINEL", "REPLICAS", NAME)) as string[][];
    return replicas.filter((fields) => !String(fields[fields.indexOf("flags") + 1]).includes("disconnected")).length;
  } catch {
    return 0;
  } finally {
    r.disconnect();
  }
}

describe("Redis Sentinel options", () => {
  it("reads the sentinels and the master's name from the environment, mymaster by default", () => {
    const { options } = resolveOptions(optionsFromEnv({ TICKWIRE_REDIS_SENTINELS: "10.0.0.1:26379, 10.0.0.2:26379", TICKWIRE_REDIS_SENTINEL_NAME: "tickwire" }));
    expect([options.redisSentinels, options.redisSentinelName]).toEqual([["10.0.0.1:26379", "10.0.0.2:26379"], "tickwire"]);
    expect(resolveOptions({}).options.redisSentinelName).toBe("mymaster");
  });

  it("refuses sentinels beside a URL or cluster nodes, a sentinel that is not host:port, and a bad name", () => {
    expect(configProblems({ redisSentinels: ["s:26379"], redisUrl: "redis://r:6379" })).toEqual(["Set only one of redisUrl and redisSentinels."]);
    expect(configProblems({ redisSentinels: ["s:26379"], redisClusterNodes: ["r:7000"] })).toEqual(["Set only one of redisClusterNodes and redisSentinels."]);
    expect(configProblems({ redisSentinels: ["s"] })).toEqual(['redisSentinels entry "s" is not host:port.']);
    expect(configProblems({ redisSentinels: [] })).toEqual(["redisSentinels must be a list of 1 to 16 host:port sentinels."]);
    expect(configProblems({ redisSentinelName: "my master" })).toEqual(["redisSentinelName must be 1 to 64 letters, digits, '.', '_' or '-'."]);
  });
});
