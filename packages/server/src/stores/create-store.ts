import type { GatewayOptions } from "../config/options.js";
import type { Store } from "../core/store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";

/** The store the options ask for: SQLite in `dataDir` by default. */
export async function createStore(options: GatewayOptions): Promise<Store> {
  if (options.databaseUrl !== undefined) {
    throw new Error("PostgreSQL store is not available in this build.");
  }
  const store = new SqliteStore({ dataDir: options.dataDir });
  await store.init();
  return store;
}
