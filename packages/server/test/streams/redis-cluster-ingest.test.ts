import type { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { optionsFromEnv, resolveOptions, type Gateway } from "@tickwire/server";
import { api, recordingInbox, TestBed, until } from "../helpers.js";
import { REDIS_CLUSTER_NODES, redisClusterAvailable } from "../services.js";
import { adminCluster, deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";
import { eventually } from "../multi-node/limit-helpers.js";
import { RedisStreamIngest } from "../../src/ingest/redis-stream-ingest.js";
import { StreamsComponent } from "../../src/streams/streams-component.js";
import { configProblems } from "../config-problems.js";

// The Redis stream ingest on a Redis Cluster (docs/streams.md): streams in different slots,
// one read per hash tag, each entry acknowledged only once it was published.
const available = await redisClusterAvailable();
const bed = new TestBed();
let admin: Cluster;
let prefix = "";

beforeAll(() => {
  if (available) admin = adminCluster();
});
afterEach(async () => {
  await bed.cleanup();
  if (available && prefix) await deleteKeys(prefix);
});
afterAll(() => admin?.disconnect());

const trade = (user: string, n: number): Record<string, unknown> => ({ tradeId: `${user}${n}`, userId: user, symbol: "AAPL", status: "executed", quantity: n });
const xadd = (stream: string, channel: string, data: unknown): Promise<string> => admin.xadd(stream, "*", "channel", channel, "data", JSON.stringify(data)) as Promise<string>;
const pending = async (stream: string): Promise<number> => Number(((await admin.xpending(stream, "tickwire")) as [number])[0]);
const feedOf = (gw: Gateway): Record<string, unknown> => (gw.stats().feeds as Array<Record<string, unknown>>).find((f) => f.name === "redis-ingest")!;
const history = async (gw: Gateway, channel: string): Promise<unknown[]> =>
  (await api(gw, "GET", `/api/v1/channels/${channel}/history`)).body.publications.map((p: { offset: number; data: unknown }) => [p.offset, p.data]);

describe.runIf(available)("Redis stream ingest on a Redis Cluster", () => {
  it("reads streams of several slots, each in order, consumes what was added or left unacknowledged while the gateway was down, and publishes nothing twice", async () => {
    prefix = testPrefix();
    // Two streams sharing a hash tag (one read names both) and one in a slot of its own.
    const [tagged1, tagged2, alone] = [`${prefix}{ingest-a}:one`, `${prefix}{ingest-a}:two`, `${prefix}ingest-b`];
    expect(await admin.cluster("KEYSLOT", tagged1)).not.toBe(await admin.cluster("KEYSLOT", alone));
    const options = { ingestRedisClusterNodes: REDIS_CLUSTER_NODES, ingestStream: `${tagged1}, ${tagged2},${alone}`, ingestConsumer: "node-a", dataDir: bed.tempDir() };

    // A previous run read an entry of `alone` and died before publishing it.
    await admin.xgroup("CREATE", alone, "tickwire", "0", "MKSTREAM");
    await xadd(alone, "trades:carol", trade("carol", 1));
    await admin.xreadgroup("GROUP", "tickwire", "node-a", "COUNT", 1, "STREAMS", alone, ">");
    expect(await pending(alone)).toBe(1);

    const first = await bed.gateway(options);
    await xadd(tagged1, "trades:alice", trade("alice", 1));
    await xadd(tagged2, "trades:bob", trade("bob", 1));
    await xadd(tagged1, "trades:alice", trade("alice", 2));
    await xadd(alone, "trades:carol", trade("carol", 2));
    await until(() => feedOf(first).received === 5, 15_000, "five entries");
    expect(await history(first, "trades:alice")).toEqual([
      [1, trade("alice", 1)],
      [2, trade("alice", 2)],
    ]);
    expect(await history(first, "trades:bob")).toEqual([[1, trade("bob", 1)]]);
    expect(await history(first, "trades:carol")).toEqual([
      [1, trade("carol", 1)],
      [2, trade("carol", 2)],
    ]);
    await until(() => feedOf(first).state === "running", 5000, "running");
    expect(feedOf(first)).toEqual({ name: "redis-ingest", state: "running", breaker: "none", received: 5, errors: 0 });
    await first.close();

    await xadd(tagged2, "trades:bob", trade("bob", 2));
    await xadd(alone, "trades:carol", trade("carol", 3));
    const second = await bed.gateway(options);
    await until(() => feedOf(second).received === 2, 15_000, "the entries added while down");
    expect(await history(second, "trades:bob")).toEqual([
      [1, trade("bob", 1)],
      [2, trade("bob", 2)],
    ]);
    expect(await history(second, "trades:carol")).toEqual([
      [1, trade("carol", 1)],
      [2, trade("carol", 2)],
      [3, trade("carol", 3)],
    ]);
    for (const stream of [tagged1, tagged2, alone]) expect(await pending(stream)).toBe(0);
  });

  it("leaves an entry pending on its slot while publishing is UNAVAILABLE, the other slots' streams going on, and acknowledges it once published", async () => {
    prefix = testPrefix();
    const [blocked, free] = [`${prefix}{ingest-c}:notes`, `${prefix}{ingest-d}:trades`];
    const ingest = new RedisStreamIngest({ clusterNodes: REDIS_CLUSTER_NODES, streams: [blocked, free], consumer: "node-a", retryDelayMs: 50 });
    // No notification service: notifications:* publishes fail with UNAVAILABLE until an inbox is set.
    const gw = await bed.gateway({}, { components: [new StreamsComponent(), ingest] });
    await xadd(blocked, "notifications:bob", { type: "info", message: "Hello" });
    await xadd(blocked, "trades:alice", trade("alice", 1));
    await xadd(free, "trades:dave", trade("dave", 1));
    await until(() => (feedOf(gw).errors as number) >= 3, 15_000, "a few failed attempts");
    await eventually(async () => (await history(gw, "trades:dave")).length === 1, 15_000, "the other slot's entry");
    expect(await pending(blocked)).toBe(2);
    expect(await history(gw, "trades:alice")).toEqual([]);

    const inbox = recordingInbox(gw);
    await until(() => inbox.length === 1, 15_000, "the notification");
    await eventually(async () => (await history(gw, "trades:alice")).length === 1, 15_000, "the entry behind it");
    expect(inbox).toEqual([["bob", { type: "info", message: "Hello" }]]);
    expect(await history(gw, "trades:alice")).toEqual([[1, trade("alice", 1)]]);
    expect(await history(gw, "trades:dave")).toEqual([[1, trade("dave", 1)]]);
    await eventually(async () => (await pending(blocked)) === 0, 5000, "the acknowledgements");
    expect(await pending(free)).toBe(0);
  });
});

describe("Redis stream ingest cluster options", () => {
  it("reads the cluster nodes and several streams from the environment", () => {
    const { options } = resolveOptions(optionsFromEnv({ TICKWIRE_INGEST_REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7000", TICKWIRE_INGEST_STREAM: "orders:{a},fills:{a}" }));
    expect([options.ingestRedisClusterNodes, options.ingestStream]).toEqual([["10.0.0.1:7000", "10.0.0.2:7000"], "orders:{a},fills:{a}"]);
  });

  it("refuses both a URL and cluster nodes, a node that is not host:port, and an empty stream name", () => {
    expect(configProblems({ ingestRedisUrl: "redis://r:6379", ingestRedisClusterNodes: ["r:7000"] })).toEqual(["Set only one of ingestRedisUrl and ingestRedisClusterNodes."]);
    expect(configProblems({ ingestRedisClusterNodes: ["r"] })).toEqual(['ingestRedisClusterNodes entry "r" is not host:port.']);
    expect(configProblems({ ingestStream: "a,,b" })).toEqual(["ingestStream must be one or more stream keys (1 to 256 characters each), comma-separated."]);
  });
});
