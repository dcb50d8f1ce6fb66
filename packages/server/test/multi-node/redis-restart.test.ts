import type { PublishResult } from "@tickwire/protocol";
import type { Gateway } from "@tickwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { api, record, TestBed } from "../helpers.js";
import { Children, redisServerAvailable, waitFor, type RedisServer } from "./child-processes.js";
import { subscriber } from "./cluster.js";
import { testPrefix } from "./redis-test-keys.js";

const available = redisServerAvailable();

const CHANNEL = "signals:acme";
const SIGNAL = "signal:new";

describe.runIf(available)("many nodes across a Redis restart", () => {
  const bed = new TestBed();
  const children = new Children();
  // Each test has a redis-server of its own, killed (keys and all) at cleanup.
  afterEach(async () => {
    await bed.cleanup();
    await children.cleanup();
  });

  /** Two gateways on `redis`, each with its own data folder. */
  async function nodes(redis: RedisServer): Promise<[Gateway, Gateway]> {
    const options = { redisUrl: redis.url, redisPrefix: testPrefix() };
    return [await bed.gateway(options), await bed.gateway(options)];
  }

  /**
   * SIGKILLs redis-server, checks that a publish meanwhile is refused (so it
   * takes no offset), starts Redis again on its port, and waits until every
   * node's /readyz is 200 again.
   */
  async function restart(redis: RedisServer, gateways: Gateway[]): Promise<void> {
    await redis.kill();
    for (const gw of gateways) await waitFor(async () => (await api(gw, "GET", "/readyz", undefined, null)).status === 503, 5000, "the node to notice Redis is gone");
    expect(await api(gateways[0]!, "POST", "/api/v1/publish", { channel: CHANNEL, data: { n: 0 } })).toMatchObject({ status: 503, body: { code: "UNAVAILABLE" } });
    await redis.start();
    for (const gw of gateways) await waitFor(async () => (await api(gw, "GET", "/readyz", undefined, null)).status === 200, 8000, "the node to reconnect to Redis", 50);
  }

  it("starts a new epoch at offset 1 without persistence: recovery answers recovered: false and a live subscriber is told to resync", async () => {
    const redis = await children.redis(["--save", "", "--appendonly", "no"]);
    const [a, b] = await nodes(redis);
    const live = await subscriber(bed, a, "p1", "participant", CHANNEL, SIGNAL);
    const events = record(live.socket, "resync", SIGNAL);
    const before: PublishResult[] = [];
    for (const n of [1, 2, 3]) before.push(await b.publish({ channel: CHANNEL, data: { n } }));
    const old = live.subscribed.epoch;
    expect(before.map((p) => [p.offset, p.epoch])).toEqual([
      [1, old],
      [2, old],
      [3, old],
    ]);
    await waitFor(() => live.seen.length === 3, 5000, "the first three publications");

    await restart(redis, [a, b]);

    const recovering = await subscriber(bed, b, "p2", "participant", { channel: CHANNEL, since: { offset: 3, epoch: old } }, SIGNAL);
    const epoch = recovering.subscribed.epoch;
    expect(epoch).not.toBe(old);
    expect(recovering.subscribed).toEqual({ channel: CHANNEL, offset: 0, epoch, recovered: false, replayed: 0 });

    const after: PublishResult[] = [];
    for (const n of [4, 5]) after.push(await b.publish({ channel: CHANNEL, data: { n } }));
    expect(after).toEqual([
      { channel: CHANNEL, offset: 1, epoch },
      { channel: CHANNEL, offset: 2, epoch },
    ]);
    // No (epoch, offset) pair is handed out twice.
    const pairs = [...before, ...after].map((p) => `${p.epoch}:${p.offset}`);
    expect(new Set(pairs).size).toBe(pairs.length);

    await waitFor(() => live.seen.length === 5 && recovering.seen.length === 2, 5000, "the new epoch's publications on both nodes");
    expect(events.map((e) => [e.event, e.payload, e.meta && [e.meta.offset, e.meta.epoch]])).toEqual([
      [SIGNAL, { n: 1 }, [1, old]],
      [SIGNAL, { n: 2 }, [2, old]],
      [SIGNAL, { n: 3 }, [3, old]],
      ["resync", { channel: CHANNEL, reason: "The channel's history was lost; its offsets restarted under a new epoch." }, undefined],
      [SIGNAL, { n: 4 }, [1, epoch]],
      [SIGNAL, { n: 5 }, [2, epoch]],
    ]);
    expect(recovering.seen.map((e) => [e.meta.offset, e.meta.epoch, e.payload])).toEqual([
      [1, epoch, { n: 4 }],
      [2, epoch, { n: 5 }],
    ]);
  });

  it("keeps the epoch with AOF and appendfsync always: recovery answers recovered: true and offsets continue", async () => {
    const redis = await children.redis(["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", children.tempDir()]);
    const [a, b] = await nodes(redis);
    const live = await subscriber(bed, a, "p1", "participant", CHANNEL, SIGNAL);
    const events = record(live.socket, "resync", SIGNAL);
    const leaving = await subscriber(bed, b, "p2", "participant", CHANNEL, SIGNAL);
    const epoch = live.subscribed.epoch;
    for (const n of [1, 2]) await b.publish({ channel: CHANNEL, data: { n } });
    await waitFor(() => leaving.seen.length === 2, 5000, "the first two publications");
    leaving.socket.close();
    expect(await b.publish({ channel: CHANNEL, data: { n: 3 } })).toEqual({ channel: CHANNEL, offset: 3, epoch });

    await restart(redis, [a, b]);

    const back = await subscriber(bed, b, "p2", "participant", { channel: CHANNEL, since: { offset: 2, epoch } }, SIGNAL);
    expect(back.subscribed).toEqual({ channel: CHANNEL, offset: 3, epoch, recovered: true, replayed: 1 });
    expect(await a.publish({ channel: CHANNEL, data: { n: 4 } })).toEqual({ channel: CHANNEL, offset: 4, epoch });
    await waitFor(() => live.seen.length === 4 && back.seen.length === 2, 5000, "the publication after the restart on both nodes");
    expect(back.seen.map((e) => [e.meta.offset, e.meta.epoch, e.payload])).toEqual([
      [3, epoch, { n: 3 }],
      [4, epoch, { n: 4 }],
    ]);
    expect(events.map((e) => [e.event, e.meta.offset, e.meta.epoch, e.payload])).toEqual([1, 2, 3, 4].map((n) => [SIGNAL, n, epoch, { n }]));
  });
});
