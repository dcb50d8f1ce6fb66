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

  describe.runIf(backend.available)(`${backend.name} engine fan-out of channels numbered by their source`, () => {
    const inbox = DEFAULT_NAMESPACES.find((n) => n.name === "notifications")!;
    const engines: RedisEngine[] = [];
    let prefix = testPrefix();
    afterEach(async () => {
      await Promise.all(engines.splice(0).map((e) => e.close()));
      await deleteKeys(prefix);
      prefix = testPrefix();
    });

    /** Started engines on one prefix (two nodes), each recording what its listener gets. */
    async function nodes(count: number): Promise<Array<{ engine: RedisEngine; seen: Publication[] }>> {
      const out = [];
      for (let i = 0; i < count; i++) {
        const engine = new RedisEngine({ ...backend.engine, prefix });
        const seen: Publication[] = [];
        await engine.start((p) => seen.push(p));
        engines.push(engine);
        out.push({ engine, seen });
      }
      return out;
    }

    const note = (offset: number, epoch = "E"): Publication => ({ channel: "notifications:alice", offset, epoch, ts: offset, event: "notification:new", data: { offset }, traceId: `t${offset}` });

    it("subscribes a fan-out-only channel without creating any key, and fans out to the other node only where subscribed", async () => {
      const [a, b] = await nodes(2);
      await b!.engine.subscribe("notifications:alice", inbox, { fanOutOnly: true });
      await a!.engine.fanOut({ ...note(1), channel: "notifications:bob" });
      await a!.engine.fanOut(note(1));
      await until(() => b!.seen.length === 1, 5000, "the fan-out on node B");
      expect(b!.seen).toEqual([note(1)]);
      expect(a!.seen).toEqual([]);
      const admin = backend.admin();
      try {
        expect(await keysUnder(admin, prefix)).toEqual([]);
      } finally {
        admin.disconnect();
      }
      expect(a!.engine.relays).toEqual({ sent: 2, failed: 0, delivered: 0 });
      expect(b!.engine.relays).toEqual({ sent: 0, failed: 0, delivered: 1 });
    });

    it("hands fan-outs to the listener as they come from two nodes: ordering and filtering them is their source's business", async () => {
      const [a, b, c] = await nodes(3);
      await c!.engine.subscribe("notifications:alice", inbox, { fanOutOnly: true });
      // Node B's 6 reaches Redis before node A's 5; another numbering's 3 passes too.
      await b!.engine.fanOut(note(6));
      await a!.engine.fanOut(note(5));
      await a!.engine.fanOut(note(3, "other-store"));
      await until(() => c!.seen.length === 3, 5000, "three fan-outs on node C");
      expect(c!.seen).toEqual([note(6), note(5), note(3, "other-store")]);
    });

    it("stops handing a channel's fan-outs to the listener once unsubscribed", async () => {
      const [a, b] = await nodes(2);
      await b!.engine.subscribe("notifications:alice", inbox, { fanOutOnly: true });
      await b!.engine.unsubscribe("notifications:alice");
      // Redis hands a PUBLISH to the subscribers of that moment: none on node B.
      await a!.engine.fanOut(note(1));
      await b!.engine.subscribe("notifications:alice", inbox, { fanOutOnly: true });
      await a!.engine.fanOut(note(2));
      await until(() => b!.seen.length === 1, 5000, "the fan-out after the new subscribe");
      expect(b!.seen).toEqual([note(2)]);
    });

    // A cluster client opens a fresh connection to the slot's master at once: a master that is gone is the failover suite's case.
    (backend.name === "redis" ? it : (..._: unknown[]) => {})("delivers a fan-out to this node's own subscribers and rejects when Redis cannot take it", async () => {
      const [a] = await nodes(1);
      await a!.engine.subscribe("notifications:alice", inbox, { fanOutOnly: true });
      await a!.engine.fanOut(note(1));
      await until(() => a!.seen.length === 1, 5000, "the node's own fan-out");
      // Both connections gone and no offline queue: PUBLISH fails at once, the local subscriber still gets it.
      expect(await killClients(backend, prefix)).toBeGreaterThan(0);
      await expect(a!.engine.fanOut(note(2))).rejects.toThrow();
      expect(a!.seen).toEqual([note(1), note(2)]);
      expect(a!.engine.relays).toEqual({ sent: 1, failed: 1, delivered: 2 });
    });
  });
}
