import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "@tickwire/server";
import { api, record, recordingInbox, TestBed, until } from "../helpers.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { RedisStreamIngest, type RedisIngestOptions } from "../../src/ingest/redis-stream-ingest.js";
import { StreamsComponent } from "../../src/streams/streams-component.js";

const bed = new TestBed();
const available = await redisAvailable();
let redis: Redis;
let stream = "";

beforeAll(() => {
  if (available) redis = new Redis(REDIS_URL);
});
afterEach(async () => {
  await bed.cleanup();
  if (available) await redis.del(stream);
});
afterAll(() => redis?.disconnect());

const trade = (n: number): Record<string, unknown> => ({ tradeId: `t${n}`, userId: "alice", symbol: "AAPL", status: "executed", quantity: n });
/** Appends an entry; `data` objects are sent as JSON text, as publishers do. */
const xadd = (fields: Record<string, unknown>): Promise<string> =>
  redis.xadd(stream, "*", ...Object.entries(fields).flatMap(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) as Promise<string>;
const pending = async (): Promise<number> => Number(((await redis.xpending(stream, "tickwire")) as [number])[0]);
const feedOf = (gw: Gateway): Record<string, unknown> => (gw.stats().feeds as Array<Record<string, unknown>>).find((f) => f.name === "redis-ingest")!;

/** A gateway whose only components are the stream rules and an ingest with test settings. */
function withIngest(options: Partial<RedisIngestOptions> = {}, dataDir?: string): Promise<Gateway> {
  const ingest = new RedisStreamIngest({ url: REDIS_URL, stream, consumer: "node-a", retryDelayMs: 50, ...options });
  return bed.gateway(dataDir === undefined ? {} : { dataDir }, { components: [new StreamsComponent(), ingest] });
}

describe.skipIf(!available)("Redis stream ingest", () => {
  it("publishes entries through the publish path, in order, and acknowledges each one", async () => {
    stream = `tw-test-${randomBytes(4).toString("hex")}:ingest`;
    const gw = await bed.gateway({ ingestRedisUrl: REDIS_URL, ingestStream: stream, ingestConsumer: "node-a" });
    const socket = await bed.connectAs(gw, "alice", "operator");
    await socket.emitWithAck("subscribe", { channels: ["trades", "quotes:AAPL"] });
    const seen = record(socket, "trade:update", "trade:executed", "quote:update");

    await xadd({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1 } });
    await xadd({ channel: "trades:alice", data: trade(1) });
    await xadd({ channel: "trades:alice", event: "trade:executed", data: trade(2), idempotencyKey: "order-2-filled" });
    await until(() => seen.length === 3, 10_000, "three publications");

    expect(seen.map((e) => [e.event, e.payload, e.meta.channel, e.meta.offset])).toEqual([
      ["quote:update", { symbol: "AAPL", price: 190.1 }, "quotes:AAPL", 1],
      ["trade:update", trade(1), "trades:alice", 1],
      ["trade:executed", trade(2), "trades:alice", 2],
    ]);
    await until(() => feedOf(gw).received === 3);
    expect(await pending()).toBe(0);
    expect((await api(gw, "GET", "/api/v1/stats")).body.feeds).toEqual([{ name: "redis-ingest", state: "running", breaker: "none", received: 3, errors: 0 }]);
    expect((await api(gw, "GET", "/readyz")).body.checks["redis-ingest"]).toEqual({ ok: true, details: { name: "redis-ingest", state: "running", breaker: "none", received: 3, errors: 0 } });
  });

  it("logs, counts and acknowledges bad entries, and goes on with the next ones", async () => {
    stream = `tw-test-${randomBytes(4).toString("hex")}:ingest`;
    const gw = await withIngest();
    await xadd({ channel: "trades:alice" });
    await xadd({ channel: "trades:alice", data: "{not json" });
    await xadd({ data: trade(0) });
    await xadd({ channel: "nope:x", data: trade(0) });
    await xadd({ channel: "trades:alice", event: "trade:deleted", data: trade(0) });
    await xadd({ channel: "quotes:AAPL", data: { symbol: "MSFT", price: 1 } });
    await xadd({ channel: "trades:alice", data: trade(1) });

    await until(() => feedOf(gw).received === 7, 10_000, "seven entries read");
    expect(feedOf(gw)).toEqual({ name: "redis-ingest", state: "running", breaker: "none", received: 7, errors: 6 });
    expect(await pending()).toBe(0);
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history")).body).toMatchObject({ offset: 1, publications: [{ offset: 1, event: "trade:update", data: trade(1) }] });
  });

  it("consumes the entries added while the gateway was down when it returns", async () => {
    stream = `tw-test-${randomBytes(4).toString("hex")}:ingest`;
    const dataDir = bed.tempDir();
    const first = await withIngest({}, dataDir);
    await xadd({ channel: "trades:alice", data: trade(1) });
    await until(() => feedOf(first).received === 1, 10_000, "the first entry");
    await first.close();

    await xadd({ channel: "trades:alice", data: trade(2) });
    await xadd({ channel: "trades:alice", data: trade(3) });
    const second = await withIngest({}, dataDir);
    await until(() => feedOf(second).received === 2, 10_000, "the entries added while down");
    const history = (await api(second, "GET", "/api/v1/channels/trades:alice/history")).body;
    expect(history.publications.map((p: { offset: number; data: unknown }) => [p.offset, p.data])).toEqual([
      [1, trade(1)],
      [2, trade(2)],
      [3, trade(3)],
    ]);
    expect(await pending()).toBe(0);
  });

  it("processes entries read but not acknowledged before a crash, its own at once and another consumer's once idle", async () => {
    stream = `tw-test-${randomBytes(4).toString("hex")}:ingest`;
    await redis.xgroup("CREATE", stream, "tickwire", "0", "MKSTREAM");
    await xadd({ channel: "trades:alice", data: trade(1) });
    await redis.xreadgroup("GROUP", "tickwire", "node-a", "COUNT", 1, "STREAMS", stream, ">");
    await xadd({ channel: "trades:alice", data: trade(2) });
    await redis.xreadgroup("GROUP", "tickwire", "crashed-node", "COUNT", 1, "STREAMS", stream, ">");
    await xadd({ channel: "trades:alice", data: trade(3) });
    expect(await pending()).toBe(2);

    const gw = await withIngest({ consumer: "node-a", claimIdleMs: 0 });
    await until(() => feedOf(gw).received === 3, 10_000, "three entries");
    const history = (await api(gw, "GET", "/api/v1/channels/trades:alice/history")).body;
    // The claimed entry joins this consumer's pending list, which is read in stream order before new entries.
    expect(history.publications.map((p: { offset: number; data: unknown }) => [p.offset, p.data])).toEqual([
      [1, trade(1)],
      [2, trade(2)],
      [3, trade(3)],
    ]);
    expect(await pending()).toBe(0);
  });

  it("never publishes an entry twice: the idempotency key defaults to the stream and entry id", async () => {
    stream = `tw-test-${randomBytes(4).toString("hex")}:ingest`;
    await redis.xgroup("CREATE", stream, "tickwire", "0", "MKSTREAM");
    const id = await xadd({ channel: "trades:alice", data: trade(1) });
    await redis.xreadgroup("GROUP", "tickwire", "node-a", "COUNT", 1, "STREAMS", stream, ">");
    const gw = await withIngest();
    // As if the previous run published the entry and crashed before XACK.
    await gw.publish({ channel: "trades:alice", data: trade(1), idempotencyKey: `${stream}:${id}` });
    // withIngest started consuming already; wait for it to settle the redelivered entry.
    await until(() => feedOf(gw).received === 1, 10_000, "the redelivered entry");
    expect(await pending()).toBe(0);
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history")).body.offset).toBe(1);
  });

  it("leaves an entry pending while publishing is UNAVAILABLE and retries it, later entries waiting behind it", async () => {
    stream = `tw-test-${randomBytes(4).toString("hex")}:ingest`;
    // No notification service: notifications:* publishes fail with UNAVAILABLE until an inbox is set.
    const gw = await withIngest();
    await xadd({ channel: "notifications:bob", data: { type: "info", message: "Hello" } });
    await xadd({ channel: "trades:alice", data: trade(1) });
    await until(() => (feedOf(gw).errors as number) >= 3, 10_000, "a few failed attempts");
    expect(await pending()).toBe(2);
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history")).body.offset).toBe(0);

    const inbox = recordingInbox(gw);
    await until(() => inbox.length === 1, 10_000, "the notification");
    // Every read counts as received, every failed attempt as an error: two succeeded.
    await until(() => feedOf(gw).received === (feedOf(gw).errors as number) + 2, 10_000, "both entries published");
    expect(inbox).toEqual([["bob", { type: "info", message: "Hello" }]]);
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history")).body.offset).toBe(1);
    expect(await pending()).toBe(0);
  });
});

describe("Redis stream ingest without Redis", () => {
  it("lets the gateway start, serve and stop while its Redis is unreachable, and says so", async () => {
    const gw = await bed.gateway({ ingestRedisUrl: "redis://127.0.0.1:1", ingestStream: "unused" });
    await until(() => feedOf(gw).state === "reconnecting" || feedOf(gw).state === "connecting", 5000, "a state");
    const readyz = await api(gw, "GET", "/readyz");
    expect(readyz.status).toBe(200);
    expect(readyz.body.checks["redis-ingest"]).toEqual({ ok: true, details: { name: "redis-ingest", state: expect.stringMatching(/^(connecting|reconnecting)$/), breaker: "none", received: 0, errors: 0 } });
    // Stopping ends the waiting reads at once (the test's timeout would catch a hang).
    await gw.close();
    expect(feedOf(gw).state).toBe("stopped");
  });
});
