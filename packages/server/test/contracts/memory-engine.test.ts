import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEngine, SqliteStore, type Engine } from "@tickwire/server";
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
