import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACES } from "@tickwire/protocol";
import { MemoryEngine, SqliteStore, type Engine, type HistoryStore } from "@tickwire/server";
import { engineContract } from "./engine-contract.js";

engineContract("memory engine on SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tickwire-engine-"));
  let store = new SqliteStore({ dataDir: dir });
  let engine: Engine = new MemoryEngine({ history: store.history });
  return {
    engine,
    restart: async () => {
      await engine.close();
      await store.close();
      store = new SqliteStore({ dataDir: dir });
      engine = new MemoryEngine({ history: store.history });
      return engine;
    },
    cleanup: async () => {
      await engine.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("memory engine group commit", () => {
  const trades = DEFAULT_NAMESPACES.find((n) => n.name === "trades")!;
  const input = (n: number) => ({ event: "trade:update", data: { n }, ts: Date.now(), traceId: "t" });

  function counting(store: SqliteStore, failNext = { value: false }) {
    const batches: number[] = [];
    const history: HistoryStore = {
      loadPosition: (c) => store.history.loadPosition(c),
      read: (...args) => store.history.read(...args),
      append: (p, l) => store.history.append(p, l),
      appendMany: async (entries) => {
        if (failNext.value) {
          failNext.value = false;
          throw new Error("disk full");
        }
        batches.push(entries.length);
        await store.history.appendMany(entries);
      },
    };
    return { history, batches };
  }

  it("writes a burst of publishes across channels in one transaction, in call order", async () => {
    const store = new SqliteStore({ dataDir: ":memory:" });
    const { history, batches } = counting(store);
    const engine = new MemoryEngine({ history });
    const seen: string[] = [];
    await engine.start((p) => seen.push(`${p.channel}#${p.offset}`));
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => engine.publish(`trades:u${i % 3}`, trades, input(i))));
    expect(batches).toEqual([300]);
    expect(results.slice(0, 6).map((r) => `${r.channel}#${r.offset}`)).toEqual(["trades:u0#1", "trades:u1#1", "trades:u2#1", "trades:u0#2", "trades:u1#2", "trades:u2#2"]);
    expect(seen).toEqual(results.map((r) => `${r.channel}#${r.offset}`));
    await engine.close();
    await store.close();
  });

  it("rejects every publish of a failed write and uses none of their offsets", async () => {
    const store = new SqliteStore({ dataDir: ":memory:" });
    const fail = { value: true };
    const { history } = counting(store, fail);
    const engine = new MemoryEngine({ history });
    const seen: number[] = [];
    await engine.start((p) => seen.push(p.offset));
    const failed = await Promise.allSettled([engine.publish("trades:u", trades, input(1)), engine.publish("trades:u", trades, input(2))]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(seen).toEqual([]);
    const next = await engine.publish("trades:u", trades, input(3));
    expect(next.offset).toBe(1);
    expect((await engine.history("trades:u", trades, 0, 10)).publications.map((p) => p.data)).toEqual([{ n: 3 }]);
    await engine.close();
    await store.close();
  });
});
