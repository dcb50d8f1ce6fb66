import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACES } from "@tickwire/protocol";
import { RedisEngine, type Engine, type Publication } from "@tickwire/server";
import { until } from "../helpers.js";
import { deleteKeys, keysUnder, testPrefix } from "../multi-node/redis-test-keys.js";
import { killClients, REDIS_BACKENDS } from "../redis-backends.js";
import { engineContract } from "./engine-contract.js";

for (const backend of REDIS_BACKENDS) {
  describe.runIf(backend.available)(`${backend.name} engine`, () => {
    engineContract(`${backend.name} engine`, async () => {
      const prefix = testPrefix();
      let engine: Engine = new RedisEngine({ ...backend.engine, prefix });
      return {
        engine,
        restart: async () => {
          await engine.close();
          engine = new RedisEngine({ ...backend.engine, prefix });
          return engine;
        },
        cleanup: async () => {
          await engine.close();
          await deleteKeys(prefix);
        },
      };
    });
  });

  describe.runIf(backend.available)(`${backend.name} engine relays of inbox channels`, () => {
    const inbox = DEFAULT_NAMESPACES.find((n) => n.name === "notifications")!;
    const engines: RedisEngine[] = [];
    let prefix = testPrefix();
    afterEach(async () => {
      await Promise.all(engines.splice(0).map((e) => e.close()));
      await deleteKeys(prefix);
      prefix = testPrefix();
    });

    /** Started engines on one prefix (two nodes), each recording what its listener gets. */
    async function nodes(count: number, relayHoldMs = 250): Promise<Array<{ engine: RedisEngine; seen: Publication[] }>> {
      const out = [];
      for (let i = 0; i < count; i++) {
        const engine = new RedisEngine({ ...backend.engine, prefix, relayHoldMs });
        const seen: Publication[] = [];
        await engine.start((p) => seen.push(p));
        engines.push(engine);
        out.push({ engine, seen });
      }
      return out;
    }

    const note = (offset: number, epoch = "E"): Publication => ({ channel: "notifications:alice", offset, epoch, ts: offset, event: "notification:new", data: { offset }, traceId: `t${offset}` });

    it("subscribes an inbox channel without creating any key, and relays to the other node only where subscribed", async () => {
      const [a, b] = await nodes(2);
      await b!.engine.subscribe("notifications:alice", inbox, { offset: 0, epoch: "E" });
      await a!.engine.relay({ ...note(1), channel: "notifications:bob" });
      await a!.engine.relay(note(1));
      await until(() => b!.seen.length === 1, 5000, "the relay on node B");
      expect(b!.seen).toEqual([note(1)]);
      expect(a!.seen).toEqual([]);
      const admin = backend.admin();
      try {
        expect(await keysUnder(admin, prefix)).toEqual([]);
      } finally {
        admin.disconnect();
      }
      expect(a!.engine.relays).toMatchObject({ sent: 2, failed: 0 });
    });

    it("delivers relays of one inbox in offset order when two nodes' relays cross", async () => {
      const [a, b, c] = await nodes(3);
      await c!.engine.subscribe("notifications:alice", inbox, { offset: 4, epoch: "E" });
      // Node B's 6 reaches Redis before node A's 5; then A's 7 follows.
      await b!.engine.relay(note(6));
      await a!.engine.relay(note(5));
      await a!.engine.relay(note(7));
      await until(() => c!.seen.length === 3, 5000, "three relays on node C");
      expect(c!.seen.map((p) => p.offset)).toEqual([5, 6, 7]);
      expect(c!.engine.relays).toMatchObject({ delivered: 3, held: 1, skipped: 0 });
    });

    it("gives up on a missing offset after relayHoldMs and drops relays it is past or that another store numbered", async () => {
      const [a, b] = await nodes(2, 50);
      await b!.engine.subscribe("notifications:alice", inbox, { offset: 2, epoch: "E" });
      await a!.engine.relay(note(2)); // at the subscribe position: the store re-sends it on subscribe
      await a!.engine.relay(note(3, "other-store"));
      await a!.engine.relay(note(5)); // 3 and 4 never come
      await a!.engine.relay(note(6));
      await until(() => b!.seen.length === 2, 5000, "the held relays after the wait");
      expect(b!.seen.map((p) => p.offset)).toEqual([5, 6]);
      await a!.engine.relay(note(4)); // too late: 5 and 6 went out
      await a!.engine.relay(note(7));
      await until(() => b!.seen.length === 3, 5000, "the next relay");
      expect(b!.seen.map((p) => p.offset)).toEqual([5, 6, 7]);
      expect(b!.engine.relays).toMatchObject({ delivered: 3, held: 2, skipped: 2, late: 2, foreign: 1 });
    });

    // A cluster client opens a fresh connection to the slot's master at once: a master that is gone is the failover suite's case.
    (backend.name === "redis" ? it : (..._: unknown[]) => {})("delivers a relay to this node's own subscribers and rejects when Redis cannot take it", async () => {
      const [a] = await nodes(1);
      await a!.engine.subscribe("notifications:alice", inbox, { offset: 0, epoch: "E" });
      await a!.engine.relay(note(1));
      await until(() => a!.seen.length === 1, 5000, "the node's own relay");
      // Both connections gone and no offline queue: PUBLISH fails at once, the local subscriber still gets it.
      expect(await killClients(backend, prefix)).toBeGreaterThan(0);
      await expect(a!.engine.relay(note(2))).rejects.toThrow();
      expect(a!.seen.map((p) => p.offset)).toEqual([1, 2]);
      expect(a!.engine.relays).toMatchObject({ sent: 1, failed: 1 });
    });
  });
}
