import { describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACES, type NamespaceDefinition } from "@tickwire/protocol";
import type { Engine, Publication } from "@tickwire/server";
import { until } from "../helpers.js";

/** What a contract run needs: a fresh engine, and optionally a restart on the same durable state. */
export interface EngineHarness {
  engine: Engine;
  /** Closes this engine and opens another on the same durable state (omit when the engine keeps none). */
  restart?: () => Promise<Engine>;
  cleanup: () => Promise<void>;
}

const ns = (name: string): NamespaceDefinition => DEFAULT_NAMESPACES.find((n) => n.name === name)!;
const small: NamespaceDefinition = { ...ns("signals"), name: "small", history: { size: 5, ttlMs: 60_000 } };
const input = (data: unknown) => ({ event: "signal:new", data, ts: Date.now(), traceId: "t" });

/**
 * The behaviour every engine must have (memory today, Redis later): offsets,
 * order, history, positions and restarts. Call it from a test file with a factory.
 */
export function engineContract(name: string, make: () => Promise<EngineHarness>): void {
  describe(`engine contract: ${name}`, () => {
    async function withEngine(fn: (h: EngineHarness, seen: Publication[]) => Promise<void>): Promise<void> {
      const h = await make();
      const seen: Publication[] = [];
      await h.engine.start((p) => seen.push(p));
      try {
        await fn(h, seen);
      } finally {
        await h.cleanup();
      }
    }

    it("assigns offsets 1..N in publish order under one epoch and hands them to the listener in order", async () => {
      await withEngine(async ({ engine }, seen) => {
        // The listener gets the channels this node subscribed to; a multi-node engine delivers asynchronously.
        await engine.subscribe("signals", ns("signals"));
        const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => engine.publish("signals", ns("signals"), input({ i }))));
        expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
        expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
        await until(() => seen.length >= 2000, 10_000, "the listener to see every publication");
        expect(seen.map((p) => p.offset)).toEqual(results.map((r) => r.offset));
        expect(seen.map((p) => (p.data as { i: number }).i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      });
    });

    it("fans out publications their source numbered to the listener as they are, in order, without numbering or storing them", async () => {
      await withEngine(async ({ engine }, seen) => {
        const inbox = ns("notifications");
        await engine.subscribe("notifications:u", inbox, { fanOutOnly: true });
        const numbered = [1, 2, 3].map((offset): Publication => ({ channel: "notifications:u", offset, epoch: "store-epoch", ts: 1000 + offset, event: "notification:new", data: { n: offset }, traceId: `t${offset}` }));
        for (const p of numbered) await engine.fanOut(p);
        await until(() => seen.length >= 3, 5000, "the listener to see every fan-out");
        expect(seen).toEqual(numbered);
        // Nothing of them is the engine's: no history, and its own numbering of the name starts at 0.
        expect(await engine.history("notifications:u", inbox, 0, 10)).toMatchObject({ publications: [], position: { offset: 0 } });
        await engine.unsubscribe("notifications:u", inbox);
      });
    });

    it("keeps channels independent", async () => {
      await withEngine(async ({ engine }) => {
        await engine.publish("signals:a", ns("signals"), input(1));
        await engine.publish("signals:a", ns("signals"), input(2));
        const b = await engine.publish("signals:b", ns("signals"), input(1));
        expect(b.offset).toBe(1);
        expect(await engine.position("signals:a", ns("signals"))).toMatchObject({ offset: 2 });
      });
    });

    it("reads history after an offset, contiguous while it is kept", async () => {
      await withEngine(async ({ engine }) => {
        for (let i = 1; i <= 4; i++) await engine.publish("signals", ns("signals"), input(i));
        const read = await engine.history("signals", ns("signals"), 1, 10);
        expect(read.contiguous).toBe(true);
        expect(read.position.offset).toBe(4);
        expect(read.publications.map((p) => [p.offset, p.data, p.event, p.channel])).toEqual([2, 3, 4].map((n) => [n, n, "signal:new", "signals"]));
        const limited = await engine.history("signals", ns("signals"), 0, 2);
        expect(limited.publications.map((p) => p.offset)).toEqual([1, 2]);
        const none = await engine.history("signals", ns("signals"), 4, 10);
        expect(none).toMatchObject({ publications: [], contiguous: true });
      });
    });

    it("reports a gap once history was trimmed past the asked offset", async () => {
      await withEngine(async ({ engine }) => {
        for (let i = 1; i <= 9; i++) await engine.publish("small", small, input(i));
        const read = await engine.history("small", small, 1, 10);
        expect(read.contiguous).toBe(false);
        expect(read.publications.map((p) => p.offset)).toEqual([5, 6, 7, 8, 9]);
        expect((await engine.history("small", small, 4, 10)).contiguous).toBe(true);
      });
    });

    it("keeps the latest value of a state channel and no history", async () => {
      await withEngine(async ({ engine }) => {
        await engine.publish("quotes:A", ns("quotes"), { ...input({ p: 1 }), event: "quote:update" });
        const last = await engine.publish("quotes:A", ns("quotes"), { ...input({ p: 2 }), event: "quote:update" });
        expect(await engine.latest("quotes:A", ns("quotes"))).toMatchObject({ offset: 2, epoch: last.epoch, data: { p: 2 } });
        expect(await engine.history("quotes:A", ns("quotes"), 1, 10)).toMatchObject({ publications: [], contiguous: false });
        expect(await engine.latest("quotes:B", ns("quotes"))).toBeUndefined();
      });
    });

    it("keeps offsets, epoch and history of event channels across a restart", async () => {
      const h = await make();
      if (!h.restart) {
        await h.cleanup();
        return;
      }
      await h.engine.start(() => undefined);
      try {
        const first = await h.engine.publish("trades:u", ns("trades"), { ...input(1), event: "trade:update" });
        await h.engine.publish("trades:u", ns("trades"), { ...input(2), event: "trade:update" });
        const engine = await h.restart();
        await engine.start(() => undefined);
        expect(await engine.position("trades:u", ns("trades"))).toEqual({ offset: 2, epoch: first.epoch });
        const next = await engine.publish("trades:u", ns("trades"), { ...input(3), event: "trade:update" });
        expect(next).toMatchObject({ offset: 3, epoch: first.epoch });
        const read = await engine.history("trades:u", ns("trades"), 0, 10);
        expect(read.publications.map((p) => p.data)).toEqual([1, 2, 3]);
      } finally {
        await h.cleanup();
      }
    });
  });
}
