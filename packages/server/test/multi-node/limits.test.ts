import type { Cluster as RedisCluster, Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ConfigError, connectLimitsRedis, LimitFallbacks, optionsFromEnv, RedisConnectionLimiter, resolveOptions, UserRateLimiter, type Gateway } from "@tickwire/server";
import { TestBed } from "../helpers.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { REDIS_BACKENDS } from "../redis-backends.js";
import { Cluster } from "./cluster.js";
import { admittedWithin, attempt, eventually, spread } from "./limit-helpers.js";
import { adminRedis, deleteKeys, testPrefix } from "./redis-test-keys.js";

const available = await redisAvailable();
const UNREACHABLE = "redis://127.0.0.1:1";

for (const backend of REDIS_BACKENDS)
describe.runIf(backend.available)(`the Redis connection limiter on ${backend.label}`, () => {
  const prefix = testPrefix();
  const clients: Array<Redis | RedisCluster> = [];
  const limiters: RedisConnectionLimiter[] = [];
  const admin = backend.admin();
  afterEach(async () => {
    for (const l of limiters.splice(0)) await l.close();
    for (const c of clients.splice(0)) c.disconnect();
    await deleteKeys(prefix);
  });
  afterAll(() => admin.disconnect());

  async function limiter(nodeId: string, options: { maxPerUser?: number; leaseTtlMs?: number; url?: string; fallbacks?: LimitFallbacks } = {}): Promise<RedisConnectionLimiter> {
    const redis = await connectLimitsRedis(options.url ? { url: options.url } : backend.engine);
    clients.push(redis);
    const l = new RedisConnectionLimiter({ redis, prefix, nodeId, maxPerUser: options.maxPerUser ?? 3, leaseTtlMs: options.leaseTtlMs, fallbacks: options.fallbacks });
    limiters.push(l);
    return l;
  }

  it("admits up to the limit across nodes, counts a repeated lease once and frees a slot on release", async () => {
    const [a, b] = [await limiter("A"), await limiter("B")];
    expect(await Promise.all([a.acquire("alice", "s1"), b.acquire("alice", "s2"), a.acquire("alice", "s3")])).toEqual([true, true, true]);
    expect(await a.acquire("alice", "s1")).toBe(true);
    expect(await b.acquire("alice", "s4")).toBe(false);
    expect(await a.acquire("bob", "s5")).toBe(true);
    expect((await admin.zrange(`${prefix}conn:alice`, 0, -1)).sort()).toEqual(["A:s1", "A:s3", "B:s2"]);
    b.release("alice", "s2");
    await eventually(async () => (await admin.zcard(`${prefix}conn:alice`)) === 2, 2000, "the release");
    expect(await a.acquire("alice", "s4")).toBe(true);
  });

  it("keeps the key's TTL within one lease TTL and renews the leases from a timer", async () => {
    const a = await limiter("A", { leaseTtlMs: 600 });
    await a.acquire("alice", "s1");
    const key = `${prefix}conn:alice`;
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    const first = Number(await admin.zscore(key, "A:s1"));
    await eventually(async () => Number(await admin.zscore(key, "A:s1")) > first, 2000, "a renewal");
  });

  it("lets the leases of a node that stopped renewing expire, freeing their slots", async () => {
    // Long enough that a loaded machine still checks the refusal inside the lease, short enough to wait out.
    const [a, b] = [await limiter("A", { leaseTtlMs: 3000 }), await limiter("B", { leaseTtlMs: 3000 })];
    for (const id of ["s1", "s2", "s3"]) expect(await a.acquire("alice", id)).toBe(true);
    await a.close();
    expect(await b.acquire("alice", "s4")).toBe(false);
    // A's leases were taken one after the other, so they expire one after the other: every slot frees up.
    for (const id of ["s4", "s5", "s6"]) await eventually(() => b.acquire("alice", id), 15_000, `a slot of A's for ${id}`);
    expect((await admin.zrange(`${prefix}conn:alice`, 0, -1)).sort()).toEqual(["B:s4", "B:s5", "B:s6"]);
    expect(await b.acquire("alice", "s7")).toBe(false);
  });

  it("admits under the limit on this node alone while Redis is unreachable, and counts it", async () => {
    const fallbacks = new LimitFallbacks();
    const a = await limiter("A", { url: UNREACHABLE, fallbacks });
    expect(await Promise.all(["s1", "s2", "s3", "s4"].map((id) => a.acquire("alice", id)))).toEqual([true, true, true, false]);
    a.release("alice", "s1");
    expect(await a.acquire("alice", "s5")).toBe(true);
    expect(await fallbacks.count("connections")).toBe(5);
  });
});

for (const backend of REDIS_BACKENDS)
describe.runIf(backend.available)(`limits across nodes on ${backend.label}`, () => {
  const bed = new TestBed();
  let cluster: Cluster;
  const extra: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await bed.cleanup();
    for (const f of extra.splice(0)) await f();
    await cluster?.cleanup();
  });

  it("admits exactly 3 of 10 concurrent connects of one user spread over three nodes; the others get LIMIT_EXCEEDED", async () => {
    cluster = new Cluster(bed, backend);
    const nodes = await cluster.nodes(3, { maxConnectionsPerUser: 3 });
    const token = await bed.token(nodes[0]!, "alice");
    const results = await spread(bed, nodes, token, 10);
    expect(results.filter((r) => r.admitted)).toHaveLength(3);
    const refusals = results.flatMap((r) => (r.admitted ? [] : [r.error]));
    expect(refusals).toEqual(Array(7).fill({ code: "LIMIT_EXCEEDED", message: "User alice already has 3 connections open." }));
    const admin = cluster.admin();
    try {
      expect(await admin.zcard(`${cluster.prefix}conn:alice`)).toBe(3);
    } finally {
      admin.disconnect();
    }
  });

  it("frees a slot on any node when one of the user's connections closes", async () => {
    cluster = new Cluster(bed, backend);
    const nodes = await cluster.nodes(2, { maxConnectionsPerUser: 3 });
    const token = await bed.token(nodes[0]!, "alice");
    const first = await attempt(bed, nodes, 0, token);
    await attempt(bed, nodes, 0, token);
    await attempt(bed, nodes, 1, token);
    expect(await attempt(bed, nodes, 1, token)).toMatchObject({ admitted: false, error: { code: "LIMIT_EXCEEDED" } });
    if (!first.admitted) throw new Error("the first connection was refused");
    first.socket.close();
    // The release reaches Redis shortly after the close; node 1 admits as soon as it has.
    const again = await admittedWithin(bed, nodes, 1, token, 3000, 25);
    expect(again.node).toBe(1);
    expect(await attempt(bed, nodes, 0, token)).toMatchObject({ admitted: false, error: { code: "LIMIT_EXCEEDED" } });
  });

  it("frees the slots of a node that stops renewing its leases (as if it died) after connectionLeaseTtlMs", async () => {
    cluster = new Cluster(bed, backend);
    const redis = await connectLimitsRedis(backend.engine);
    extra.push(async () => redis.disconnect());
    const dying = new RedisConnectionLimiter({ redis, prefix: cluster.prefix, nodeId: "dying", maxPerUser: 3, leaseTtlMs: 1500 });
    const options = { ...backend.gateway, redisPrefix: cluster.prefix, maxConnectionsPerUser: 3, connectionLeaseTtlMs: 1500 };
    const a = await bed.gateway(options, { connectionLimiter: dying });
    const b = await bed.gateway(options);
    const nodes: Gateway[] = [a, b];
    const token = await bed.token(a, "alice");
    for (let i = 0; i < 3; i++) expect(await attempt(bed, nodes, 0, token)).toMatchObject({ admitted: true });
    expect(await attempt(bed, nodes, 1, token)).toMatchObject({ admitted: false, error: { code: "LIMIT_EXCEEDED" } });
    // Node A no longer renews; its three sockets stay open, but Redis stops counting them.
    await dying.close();
    const freed = await admittedWithin(bed, nodes, 1, token, 5000);
    expect(freed.node).toBe(1);
  });

  // Redis unreachable: the same on either backend.
  (backend.name === "redis" ? it : (..._: unknown[]) => {})("still admits connections under the local limit while Redis is unreachable, and counts the fallback", async () => {
    cluster = new Cluster(bed, backend);
    const gw = await bed.gateway({ redisUrl: UNREACHABLE, redisPrefix: cluster.prefix, maxConnectionsPerUser: 3 });
    const token = await bed.token(gw, "alice");
    const results = await spread(bed, [gw], token, 10);
    expect(results.filter((r) => r.admitted)).toHaveLength(3);
    expect(results.filter((r) => !r.admitted).map((r) => (r.admitted ? undefined : r.error.code))).toEqual(Array(7).fill("LIMIT_EXCEEDED"));
    expect(await gw.metrics.registry.metrics()).toContain('tickwire_limit_fallbacks_total{limit="connections"} 10');
  });

  it("holds a per-user event budget across nodes: 10 of 30 pings from two nodes pass with rate 5, burst 10", async () => {
    cluster = new Cluster(bed, backend);
    const generous = { eventsPerSecond: 1000, burst: 2000 };
    const nodes = await cluster.nodes(2, {
      rateLimit: { navigator: generous, participant: generous, builder: generous, operator: generous },
      userRateLimit: { builder: { eventsPerSecond: 5, burst: 10 } },
    });
    const sockets = [await bed.connectAs(nodes[0]!, "alice"), await bed.connectAs(nodes[1]!, "alice")];
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => sockets[i % 2]!.emitWithAck("ping", { timestamp: i })));
    expect(replies.filter((r) => r.ok)).toHaveLength(10);
    const limited = replies.filter((r) => !r.ok);
    expect(limited).toEqual(Array(20).fill({ ok: false, error: { code: "RATE_LIMITED", message: "More than 5 events per second across your connections; slow down." } }));
    // Another user has a budget of its own.
    const bob = await bed.connectAs(nodes[1]!, "bob");
    expect(await bob.emitWithAck("ping", {})).toMatchObject({ ok: true });
  });

  (backend.name === "redis" ? it : (..._: unknown[]) => {})("falls back to the budget divided by expectedNodes on each node while Redis is unreachable", async () => {
    cluster = new Cluster(bed, backend);
    const fallbacks = new LimitFallbacks();
    const redis = await connectLimitsRedis({ url: UNREACHABLE });
    extra.push(async () => redis.disconnect());
    const limiter = new UserRateLimiter({ rates: { builder: { eventsPerSecond: 6, burst: 12 } }, redis, prefix: cluster.prefix, expectedNodes: 3, fallbacks });
    const results = await Promise.all(Array.from({ length: 10 }, () => limiter.consume("alice", "builder")));
    // 6/3 = 2 per second plus (12-6)/3 = 2 of burst on this node.
    expect(results.filter(Boolean)).toHaveLength(4);
    expect(await fallbacks.count("rate")).toBe(10);
    // Tiers without a budget are not limited per user.
    expect(await limiter.consume("alice", "navigator")).toBe(true);
  });
});

describe("limit options", () => {
  it("reads TICKWIRE_USER_RATE_LIMIT for the named tiers only, and the lease TTL and node count", () => {
    const { options } = resolveOptions(
      optionsFromEnv({ TICKWIRE_USER_RATE_LIMIT: "navigator=5:10,operator=100:200", TICKWIRE_CONNECTION_LEASE_TTL_MS: "9000", TICKWIRE_EXPECTED_NODES: "3" }),
    );
    expect(options).toMatchObject({
      userRateLimit: { navigator: { eventsPerSecond: 5, burst: 10 }, operator: { eventsPerSecond: 100, burst: 200 } },
      connectionLeaseTtlMs: 9000,
      expectedNodes: 3,
    });
    expect(Object.keys(options.userRateLimit!)).toEqual(["navigator", "operator"]);
    expect(resolveOptions({}).options).toMatchObject({ userRateLimit: undefined, connectionLeaseTtlMs: 30000, expectedNodes: 1 });
  });

  it("lists bad per-user budgets, node counts and lease TTLs", () => {
    try {
      resolveOptions({ userRateLimit: { builder: { eventsPerSecond: 10, burst: 5 } }, expectedNodes: 0, connectionLeaseTtlMs: 1 });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'userRateLimit entry ["builder",{"eventsPerSecond":10,"burst":5}] is not "tier: { eventsPerSecond ≥ 1, burst ≥ eventsPerSecond }".',
        "connectionLeaseTtlMs must be at least 3.",
        "expectedNodes must be at least 1.",
      ]);
    }
    expect(() => resolveOptions(optionsFromEnv({ TICKWIRE_USER_RATE_LIMIT: "fast" }))).toThrow(/TICKWIRE_USER_RATE_LIMIT "fast" is not "rate:burst"/);
  });

  it("counts a user's events across connections on a single node too", async () => {
    const bed = new TestBed();
    try {
      const gw = await bed.gateway({ userRateLimit: { builder: { eventsPerSecond: 2, burst: 4 } } });
      const sockets = [await bed.connectAs(gw, "alice"), await bed.connectAs(gw, "alice")];
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => sockets[i % 2]!.emitWithAck("ping", {})));
      expect(replies.filter((r) => r.ok)).toHaveLength(4);
      expect(await gw.metrics.registry.metrics()).toContain("tickwire_rate_limited_total 4");
    } finally {
      await bed.cleanup();
    }
  });
});
