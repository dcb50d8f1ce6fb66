import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore, SqliteStore, type Gateway } from "@tickwire/server";
import { api, record, TestBed } from "../helpers.js";
import { Cluster } from "../multi-node/cluster.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { createTestSchema, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "../stores/pg-test-db.js";
import { channelKeys } from "../../src/engines/redis/redis-keys.js";
import { nestedJson, STACK_BREAKER_DEPTH } from "./hostile.js";

// Defect 1, what stays behind: a publication stored before the bounds existed (or a
// damaged row) answered the history API 500 and recovery INTERNAL for its whole range.
const bed = new TestBed();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await bed.cleanup();
  for (const c of cleanups.splice(0)) await c();
});

const trade = (n: number) => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n });
const DEEP = nestedJson(STACK_BREAKER_DEPTH);

/** A backend whose history can be damaged behind the gateway's back: offset 2 too deep to deliver, offset 3 not JSON. */
interface Damageable {
  readonly name: string;
  skip(): Promise<string | undefined>;
  gateway(): Promise<Gateway>;
  /** Publishes trades 1-4 on trades:alice with offsets 2 and 3 damaged in storage. */
  plant(gw: Gateway): Promise<void>;
}

async function publishTrade(gw: Gateway, n: number): Promise<void> {
  expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade(n) })).status).toBe(200);
}

const backends: Damageable[] = [
  {
    name: "sqlite",
    skip: async () => undefined,
    gateway: () => bed.gateway(),
    async plant(gw) {
      for (const n of [1, 2, 3, 4]) await publishTrade(gw, n);
      const { db } = gw.store as SqliteStore;
      db.prepare("UPDATE publications SET data = ? WHERE channel = 'trades:alice' AND offset = 2").run(DEEP);
      db.prepare("UPDATE publications SET data = ? WHERE channel = 'trades:alice' AND offset = 3").run("{not json");
    },
  },
  {
    name: "postgres",
    skip: postgresUnavailable,
    async gateway() {
      const schema = await createTestSchema();
      cleanups.push(() => dropTestSchema(schema));
      const store = new PostgresStore({ url: PG_TEST_URL, schema, poolSize: 2 });
      await store.init();
      return bed.gateway({}, { store });
    },
    async plant(gw) {
      for (const n of [1, 2, 3, 4]) await publishTrade(gw, n);
      const { pool } = gw.store as PostgresStore;
      await pool.query(`UPDATE tw_publications SET data = $1 WHERE channel = 'trades:alice' AND "offset" = 2`, [DEEP]);
      await pool.query(`UPDATE tw_publications SET data = $1 WHERE channel = 'trades:alice' AND "offset" = 3`, ["{not json"]);
    },
  },
  {
    name: "redis",
    skip: async () => ((await redisAvailable()) ? undefined : "Redis is unreachable"),
    async gateway() {
      const cluster = new Cluster(bed);
      cleanups.push(() => cluster.cleanup());
      return (await cluster.nodes(1))[0]!;
    },
    async plant(gw) {
      await publishTrade(gw, 1);
      const keys = channelKeys(gw.options.redisPrefix, "trades:alice");
      const redis = new Redis(REDIS_URL);
      try {
        const body = (data: string) => `{"ts":${Date.now()},"event":"trade:update","data":${data},"traceId":"planted"}`;
        await redis.hset(keys.meta, "s", 3);
        await redis.xadd(keys.hist, "2-0", "b", body(DEEP));
        await redis.xadd(keys.hist, "3-0", "b", "{not json");
      } finally {
        redis.disconnect();
      }
      await publishTrade(gw, 4);
    },
  },
];

for (const backend of backends) {
  describe(`a bad stored publication (${backend.name})`, () => {
    it("is skipped by the history API and by recovery, each time counted, and the rest of the range is served", async (context) => {
      const reason = await backend.skip();
      if (reason !== undefined && !process.env.CI) return context.skip(reason);
      const gw = await backend.gateway();
      await backend.plant(gw);

      const history = await api(gw, "GET", "/api/v1/channels/trades:alice/history");
      expect(history.status).toBe(200);
      expect(history.body).toEqual({
        epoch: expect.any(String),
        offset: 4,
        publications: [1, 4].map((n) => ({ offset: n, ts: expect.any(Number), event: "trade:update", data: trade(n) })),
      });

      const alice = await bed.connectAs(gw, "alice");
      const replayed = record(alice, "trade:update");
      const reply = await alice.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 0, epoch: history.body.epoch } }] });
      expect(reply).toEqual({
        ok: true,
        subscribed: [{ channel: "trades:alice", requested: "trades", offset: 4, epoch: history.body.epoch, recovered: true, replayed: 2 }],
        failed: [],
      });
      expect(replayed.map((e) => [e.meta.offset, e.payload])).toEqual([
        [1, trade(1)],
        [4, trade(4)],
      ]);
      // Live publications follow.
      await publishTrade(gw, 5);
      await expect.poll(() => replayed.length).toBe(3);
      expect(replayed[2]).toMatchObject({ payload: trade(5), meta: { offset: 5 } });

      const metrics = await fetch(`${gw.url}/metrics`).then((r) => r.text());
      expect(metrics).toContain('tickwire_skipped_stored_publications_total{reason="too_deep"} 2');
      expect(metrics).toContain('tickwire_skipped_stored_publications_total{reason="unreadable"} 2');
    });
  });
}
